import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pixels } from '../../src/adapters/sharp/decode.js';
import { sampleBlockRows } from '../../src/adapters/sharp/sample.js';
import { cleanJpeg, phoneJpeg, screenshotPng } from './fixtures.js';

/** The estimate the quality search aims with: a sample's JPEG size, scaled, against the whole picture's. */
async function decoded(bytes: Buffer): Promise<Pixels> {
  const { data, info } = await sharp(bytes, { autoOrient: true })
    .resize({ width: 2048, height: 2048, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

const jpegSize = async (px: Pixels, quality: number) =>
  (await sharp(px.data, { raw: { width: px.width, height: px.height, channels: px.channels } }).jpeg({ quality }).toBuffer()).length;

describe('sampleBlockRows', () => {
  let photo: Pixels;
  let screenshot: Pixels;
  beforeAll(async () => {
    [photo, screenshot] = await Promise.all([phoneJpeg().then(decoded), screenshotPng().then(decoded)]);
  }, 60_000);

  it('takes a quarter of every row of blocks, whole blocks wide', () => {
    const s = sampleBlockRows(photo, 4, 32)!;
    expect([photo.width, photo.height]).toEqual([1536, 2048]);
    expect([s.pixels.width, s.pixels.height, s.pixels.channels]).toEqual([384, 2048, 3]);
    expect(s.scale).toBe(4);
    expect(s.pixels.data.length).toBe(384 * 2048 * 3);
    // Each 16-row band of the sample is a piece of the same band of the picture.
    const band = (px: Pixels, y: number, x: number) => px.data.subarray((y * px.width + x) * 3, (y * px.width + x + 16) * 3);
    for (const y of [0, 16 * 40 + 5, 2047]) {
      const piece = band(s.pixels, y, 0);
      const found = [0, 384, 768, 1152].some((x) => band(photo, y, x).equals(piece));
      expect(found, `row ${y}`).toBe(true);
    }
  });

  it('estimates the JPEG size of a photo and of a screenshot within 4 %, from low to high quality', async () => {
    for (const px of [photo, screenshot]) {
      const s = sampleBlockRows(px, 4, 32)!;
      for (const quality of [55, 70, 85]) {
        const [whole, part] = await Promise.all([jpegSize(px, quality), jpegSize(s.pixels, quality)]);
        expect(Math.abs((part * s.scale) / whole - 1), `${px.width}×${px.height} q${quality}`).toBeLessThan(0.04);
      }
    }
  });

  it('gives the same sample every time', () => {
    expect(sampleBlockRows(screenshot, 4, 32)!.pixels.data.equals(sampleBlockRows(screenshot, 4, 32)!.pixels.data)).toBe(true);
  });

  it('gives none for a picture under the minimum rows of blocks', async () => {
    const small = await decoded(await cleanJpeg(640, 480));
    expect(sampleBlockRows(small, 4, 32)).toBeUndefined();
    expect(sampleBlockRows(small, 4, 30)).toBeDefined();
  });
});
