import { describe, expect, it } from 'vitest';
import { FLOOR_QUALITY, START_QUALITY, scaleToFit, searchQuality } from '../../src/core/fit-bytes.js';

/**
 * The search against a model of an encoder: size grows exponentially with quality (with its own steepness, not
 * the search's default guess) and a little slower than pixel count. Checks the outcome: what fits, how close to
 * the budget, in how many encodes.
 */
function encoder(bytesAt85For1Mp: number, slope = 0.035) {
  const calls: Array<{ quality: number; width: number; height: number }> = [];
  return {
    calls,
    encode: async (quality: number, width: number, height: number) => {
      calls.push({ quality, width, height });
      const size = bytesAt85For1Mp * Math.pow((width * height) / 1e6, 0.9) * Math.exp(slope * (quality - 85));
      return Buffer.alloc(Math.round(size));
    },
  };
}

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

describe('scaleToFit', () => {
  it('scales both sides by the same factor, under the budget, and never up', () => {
    const next = scaleToFit(1000, 500, 2_000_000, 500_000);
    expect(next.width).toBeLessThan(1000);
    expect(next.width / next.height).toBeCloseTo(2, 1);
    expect(scaleToFit(1000, 500, 100, 500_000).width).toBeLessThan(1000);
  });
});
