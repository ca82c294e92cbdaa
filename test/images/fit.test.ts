import { describe, expect, it } from 'vitest';
import { FLOOR_QUALITY, START_QUALITY, scaleToFit, searchQuality } from '../../src/core/fit-bytes.js';

/**
 * The search against a model of an encoder: size grows exponentially with quality (with its own steepness, not
 * the search's default guess) and a little slower than pixel count. Checks the outcome: what fits, how close to
 * the budget, in how many encodes.
 */
function encoder(bytesAt85For1Mp: number, slope = 0.035) {
  const calls: Array<{ quality: number; width: number; height: number }> = [];
  const sizeAt = (quality: number, width: number, height: number) =>
    bytesAt85For1Mp * Math.pow((width * height) / 1e6, 0.9) * Math.exp(slope * (quality - 85));
  return {
    calls,
    sizeAt,
    encode: async (quality: number, width: number, height: number) => {
      calls.push({ quality, width, height });
      return Buffer.alloc(Math.round(sizeAt(quality, width, height)));
    },
  };
}

/** An estimate of the model's full encode at 2048×1536 that is off by `error` (0.03: 3 % too large). */
function estimator(e: ReturnType<typeof encoder>, error = 0) {
  const probes: number[] = [];
  return {
    probes,
    estimate: async (quality: number) => {
      probes.push(quality);
      return e.sizeAt(quality, 2048, 1536) * (1 + error);
    },
  };
}

/** Photos that fit at 2048×1536 between q 62 and q 85 (the usual case, above the floor). */
const PHOTOS = [[300_000, 0.03], [250_000, 0.045], [400_000, 0.03], [200_000, 0.06], [500_000, 0.045]] as const;

describe('searchQuality', () => {
  it('keeps the first encode when it already fits', async () => {
    const e = encoder(100_000);
    const r = await searchQuality({ target: 600_000, width: 1024, height: 768, encode: e.encode });
    expect(r.encodes).toBe(1);
    expect(r.best?.quality).toBe(START_QUALITY);
  });

  it('lands a photo between 80% and 100% of the budget within 4 encodes', async () => {
    for (const [density, slope] of [[300_000, 0.03], [250_000, 0.045], [400_000, 0.022], [200_000, 0.06]] as const) {
      const e = encoder(density, slope);
      const r = await searchQuality({ target: 600_000, width: 2048, height: 1536, encode: e.encode });
      expect(r.best).toBeDefined();
      expect(r.encodes).toBeLessThanOrEqual(4);
      expect(r.best!.bytes.length).toBeLessThanOrEqual(600_000);
      expect(r.best!.bytes.length).toBeGreaterThanOrEqual(480_000);
      expect(r.best!.width).toBe(2048);
    }
  });

  it('shrinks the picture rather than go below the floor quality', async () => {
    const e = encoder(1_500_000);
    const r = await searchQuality({ target: 600_000, width: 2048, height: 1536, encode: e.encode });
    expect(r.best).toBeDefined();
    expect(r.best!.bytes.length).toBeLessThanOrEqual(600_000);
    expect(r.best!.width).toBeLessThan(2048);
    expect(r.best!.width / r.best!.height).toBeCloseTo(2048 / 1536, 1);
    expect(r.best!.quality).toBeGreaterThanOrEqual(FLOOR_QUALITY);
    expect(r.encodes).toBeLessThanOrEqual(8);
  });

  it('gives up when nothing fits', async () => {
    const e = encoder(1e9);
    const r = await searchQuality({ target: 10_000, width: 2048, height: 1536, encode: e.encode });
    expect(r.best).toBeUndefined();
    expect(r.encodes).toBeLessThanOrEqual(8);
  });

  it('never tries the same quality at the same size twice', async () => {
    const e = encoder(330_000, 0.01);
    await searchQuality({ target: 600_000, width: 2048, height: 1536, encode: e.encode });
    const keys = e.calls.map((c) => `${c.quality}@${c.width}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('searchQuality with an estimate', () => {
  it('lands a photo within [50 %, 100 %] of the budget in one full encode, in at most 3 probes', async () => {
    for (const [density, slope] of PHOTOS) {
      for (const error of [-0.04, 0, 0.04]) {
        const e = encoder(density, slope);
        const p = estimator(e, error);
        const r = await searchQuality({ target: 600_000, width: 2048, height: 1536, encode: e.encode, estimate: p.estimate });
        expect(r.encodes, `${density} ${slope} ${error}`).toBe(1);
        expect(r.probes).toBe(p.probes.length);
        expect(r.probes).toBeLessThanOrEqual(3);
        expect(r.best!.bytes.length).toBeLessThanOrEqual(600_000);
        expect(r.best!.bytes.length).toBeGreaterThanOrEqual(0.85 * 600_000);
        expect(r.best!.width).toBe(2048);
      }
    }
  });

  it('keeps a first encode that uses half the budget, where a later one would need 80 %', async () => {
    const e = encoder(300_000, 0.03);
    const r = await searchQuality({ target: 600_000, width: 2048, height: 1536, encode: e.encode, estimate: estimator(e, 0.45).estimate });
    expect(r.encodes).toBe(1);
    expect(r.best!.bytes.length).toBeGreaterThanOrEqual(300_000);
    expect(r.best!.bytes.length).toBeLessThan(480_000);
  });

  it('tries again when the first full encode is over the budget', async () => {
    const e = encoder(300_000, 0.03);
    const r = await searchQuality({ target: 600_000, width: 2048, height: 1536, encode: e.encode, estimate: estimator(e, -0.15).estimate });
    expect(e.calls[0]!.quality).toBeLessThan(START_QUALITY);
    expect(e.sizeAt(e.calls[0]!.quality, 2048, 1536)).toBeGreaterThan(600_000);
    expect(r.encodes).toBe(2);
    expect(r.best!.bytes.length).toBeLessThanOrEqual(600_000);
    expect(r.best!.bytes.length).toBeGreaterThanOrEqual(480_000);
  });

  it('starts at the top quality, after one probe, when that is estimated to fit', async () => {
    const e = encoder(100_000);
    const p = estimator(e);
    const r = await searchQuality({ target: 600_000, width: 2048, height: 1536, encode: e.encode, estimate: p.estimate });
    expect(p.probes).toEqual([START_QUALITY]);
    expect([r.encodes, r.best?.quality]).toEqual([1, START_QUALITY]);
  });

  it('tries the floor at full size when the estimates put it over the budget by no more than their error', async () => {
    // At the floor this picture takes 97 % of the budget: over the aim, under the budget.
    const slope = 0.035;
    const e = encoder((0.97 * 600_000) / (Math.pow(2048 * 1536 / 1e6, 0.9) * Math.exp(slope * (FLOOR_QUALITY - 85))), slope);
    for (const error of [0, 0.06]) {
      const p = estimator(e, error);
      const r = await searchQuality({ target: 600_000, width: 2048, height: 1536, encode: e.encode, estimate: p.estimate });
      expect(Math.min(...p.probes)).toBeGreaterThanOrEqual(FLOOR_QUALITY);
      expect(r.encodes).toBe(1);
      expect([r.best?.quality, r.best?.width]).toEqual([FLOOR_QUALITY, 2048]);
    }
  });

  it('makes the picture smaller before the first full encode when the estimates say the floor will not fit', async () => {
    const e = encoder(1_500_000);
    const p = estimator(e);
    const r = await searchQuality({ target: 600_000, width: 2048, height: 1536, encode: e.encode, estimate: p.estimate });
    expect(Math.min(...p.probes)).toBeGreaterThanOrEqual(FLOOR_QUALITY);
    expect(e.calls[0]!.width).toBeLessThan(2048);
    expect(r.best!.bytes.length).toBeLessThanOrEqual(600_000);
    expect(r.best!.quality).toBeGreaterThanOrEqual(FLOOR_QUALITY);
    expect(r.best!.width / r.best!.height).toBeCloseTo(2048 / 1536, 1);
    expect(r.encodes).toBeLessThanOrEqual(2);
  });
});

describe('scaleToFit', () => {
  it('scales both sides by the same factor, under the budget, and never up', () => {
    const next = scaleToFit(1000, 500, 2_000_000, 500_000);
    expect(next.width).toBeLessThan(1000);
    expect(next.width / next.height).toBeCloseTo(2, 1);
    expect(scaleToFit(1000, 500, 100, 500_000).width).toBeLessThan(1000);
  });
});
