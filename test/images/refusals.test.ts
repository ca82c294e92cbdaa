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
    expect(r.message).toBe('The image is 30000×30000 (900 megapixels); images up to 50 megapixels are accepted. Resize it and send it again.');
    // Decoding it would take at least 900 MB; the refusal itself takes next to nothing.
    expect(process.memoryUsage().rss - before).toBeLessThan(100_000_000);
    expect(process.resourceUsage().maxRSS * 1024 - peakBefore).toBeLessThan(100_000_000);
  });

  it('animations count every frame', async () => {
    const gif = await animatedGif(12, 320, 240);
    const r = await refusal(processor({ maxPixels: 500_000 }).process(imageInput(gif, GIF), AUTO));
    expect([r.status, r.code]).toEqual([422, 'image_too_many_pixels']);
    expect(r.message).toBe(
      'The animation is 320×240 with 12 frames (0.9 megapixels in all); animations up to 0.5 megapixels across all frames are accepted. Send a smaller or shorter one.',
    );
  });
});

describe('corrupt and truncated files', () => {
  const cut = (b: Buffer, fraction = 0.6) => b.subarray(0, Math.floor(b.length * fraction));
  const unreadable = (label: string) => `The ${label} image could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.`;

  it.each([
    ['JPEG, small (would have passed as is)', async () => cleanJpeg(), JPG, 'JPEG'],
    ['JPEG, re-encoded', async () => sharp(await cleanJpeg()).withMetadata({ orientation: 6 }).jpeg().toBuffer(), JPG, 'JPEG'],
    ['PNG', async () => transparentPng(300, true), PNG, 'PNG'],
    ['GIF', async () => animatedGif(6, 160, 120), GIF, 'GIF'],
    ['HEIC', heicFixture, HEIC, 'HEIC'],
  ] as const)('a truncated %s is refused with 422', async (_name, make, detected, label) => {
    const r = await refusal(images.process(imageInput(cut(await make()), detected), AUTO));
    expect([r.status, r.code]).toEqual([422, 'unreadable_image']);
    expect(r.message).toBe(unreadable(label));
  });

  it('bytes that only start like a JPEG are refused with 422', async () => {
    const junk = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(5000)]);
    const r = await refusal(images.process(imageInput(junk, JPG), AUTO));
    expect([r.status, r.code]).toEqual([422, 'unreadable_image']);
    expect(r.message).toBe(unreadable('JPEG'));
  });

  it('with optimize=off too', async () => {
    const r = await refusal(images.process(imageInput(cut(await cleanJpeg()), JPG), { optimize: 'off', keepMetadata: false }));
    expect([r.status, r.code]).toEqual([422, 'unreadable_image']);
    expect(r.message).toBe(unreadable('JPEG'));
  });
});

describe('size limits', () => {
  it('optimize=off refuses a carrier-format file over the endpoint limit with 413, saying what to do', async () => {
    const noise = await sharp(randomBytes(1500 * 1400 * 3), { raw: { width: 1500, height: 1400, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    // Stored, not compressed: 1400 rows of a filter byte and 1500×3 bytes, 6,301,400 bytes before the chunks around them.
    expect(noise.length).toBeGreaterThan(6_301_400);
    expect(noise.length).toBeLessThan(6_350_000);
    const r = await refusal(images.process(imageInput(noise, PNG), { optimize: 'off', keepMetadata: false }));
    expect([r.status, r.code]).toEqual([413, 'file_too_large']);
    expect(r.message).toBe(
      'The image is 6.3 MB; with optimize=off it is sent exactly as it is, and the send endpoint takes PNG files up to 5 MB. Send it with optimize=auto to have it made smaller.',
    );
  });

  it('metadata kept (keep_metadata=true) larger than the budget, in a transparent PNG: 422 with that reason', async () => {
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><!-- ${randomBytes(45_000).toString('base64')} --></x:xmpmeta>`;
    const png = await sharp(await transparentPng(200)).withXmp(xmp).png().toBuffer();
    const r = await refusal(processor({ targetBytes: 40_000 }).process(imageInput(png, PNG), { optimize: 'auto', keepMetadata: true }));
    expect(r).toMatchObject({
      status: 422,
      code: 'image_does_not_fit',
      message: 'The metadata kept by keep_metadata=true is 60.1 KB by itself, too much of the 40 KB budget. Send it without keep_metadata.',
    });
  });

  it('nothing fits: 422 with the reason', async () => {
    const r = await refusal(processor({ targetBytes: 3_000 }).process(imageInput(await transparentPng(400, true), PNG), AUTO));
    expect([r.status, r.code]).toEqual([422, 'image_does_not_fit']);
    // Shrunk at once to the smallest a picture is made (160 px on the long edge), then down to 16 colours; the
    // size that still was is the encoder's, so only its form is fixed here.
    expect(r.message).toMatch(
      /^This image has transparency, so it must stay PNG, and even at 160×160 with 16 colours it is \d+(\.\d)? KB, over the 3 KB budget\. Send a simpler or smaller image, or one without transparency\.$/,
    );
  }, 30_000);
});
