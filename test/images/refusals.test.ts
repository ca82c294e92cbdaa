import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '../../src/core/errors.js';
import { AUTO, GIF, HEIC, JPG, PNG, animatedGif, cleanJpeg, heicFixture, imageInput, pixelBombPng, processor, transparentPng } from './fixtures.js';

/** What is refused, with which status and code, and before doing what work. */
const images = processor();
afterAll(() => images.close());

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: AppError) => ({ status: e.status, code: e.code, message: e.message, headers: e.headers }),
  );

describe('pixel bombs', () => {
  let bomb: Buffer;
  beforeAll(async () => {
    bomb = await pixelBombPng();
  }, 30_000);

  it('a 30000×30000 PNG of a few hundred KB is refused from its header, without a memory spike', async () => {
    expect(bomb.length).toBeLessThan(500_000);
    const before = process.memoryUsage().rss;
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const r = await refusal(images.process(imageInput(bomb, PNG), AUTO));
    expect([r.status, r.code]).toEqual([422, 'image_too_many_pixels']);
    expect(r.message).toMatch(/30000×30000 \(900 megapixels\); images up to 50 megapixels/);
    // Decoding it would take at least 900 MB; the refusal itself takes next to nothing.
    expect(process.memoryUsage().rss - before).toBeLessThan(100_000_000);
    expect(process.resourceUsage().maxRSS * 1024 - peakBefore).toBeLessThan(100_000_000);
  });

  it('animations count every frame', async () => {
    const gif = await animatedGif(12, 320, 240);
    const r = await refusal(processor({ maxPixels: 500_000 }).process(imageInput(gif, GIF), AUTO));
    expect([r.status, r.code]).toEqual([422, 'image_too_many_pixels']);
    expect(r.message).toMatch(/12 frames/);
  });
});

describe('corrupt and truncated files', () => {
  const cut = (b: Buffer, fraction = 0.6) => b.subarray(0, Math.floor(b.length * fraction));

  it.each([
    ['JPEG, small (would have passed as is)', async () => cleanJpeg(), JPG],
    ['JPEG, re-encoded', async () => sharp(await cleanJpeg()).withMetadata({ orientation: 6 }).jpeg().toBuffer(), JPG],
    ['PNG', async () => transparentPng(300, true), PNG],
    ['GIF', async () => animatedGif(6, 160, 120), GIF],
    ['HEIC', heicFixture, HEIC],
  ] as const)('a truncated %s is refused with 422', async (_name, make, detected) => {
    const r = await refusal(images.process(imageInput(cut(await make()), detected), AUTO));
    expect([r.status, r.code]).toEqual([422, 'unreadable_image']);
    expect(r.message).toMatch(/corrupt or incomplete/);
  });

  it('bytes that only start like a JPEG are refused with 422', async () => {
    const junk = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(5000)]);
    const r = await refusal(images.process(imageInput(junk, JPG), AUTO));
    expect([r.status, r.code]).toEqual([422, 'unreadable_image']);
  });

  it('with optimize=off too', async () => {
    const r = await refusal(images.process(imageInput(cut(await cleanJpeg()), JPG), { optimize: 'off', keepMetadata: false }));
    expect([r.status, r.code]).toEqual([422, 'unreadable_image']);
  });
});

describe('size limits', () => {
  it('optimize=off refuses a carrier-format file over the endpoint limit with 413, saying what to do', async () => {
    const noise = await sharp(randomBytes(1500 * 1400 * 3), { raw: { width: 1500, height: 1400, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    expect(noise.length).toBeGreaterThan(5_000_000);
    const r = await refusal(images.process(imageInput(noise, PNG), { optimize: 'off', keepMetadata: false }));
    expect([r.status, r.code]).toEqual([413, 'file_too_large']);
    expect(r.message).toMatch(/optimize=off/);
  });

  it('nothing fits: 422 with the reason', async () => {
    const r = await refusal(processor({ targetBytes: 3_000 }).process(imageInput(await transparentPng(400, true), PNG), AUTO));
    expect([r.status, r.code]).toEqual([422, 'image_does_not_fit']);
    expect(r.message).toMatch(/transparency/);
  }, 30_000);
});
