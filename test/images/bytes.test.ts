import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { exifTiff, orientationOnly, uprightTiff, withExifHeader } from '../../src/lib/image-metadata/exif.js';
import { dropUnusedAlpha } from '../../src/adapters/sharp/decode.js';
import { isSrgbProfile } from '../../src/adapters/sharp/inspect.js';
import { insertJpegMetadata, jpegExif } from '../../src/lib/image-metadata/jpeg-segments.js';
import { chunk, pngExif } from '../../src/lib/image-metadata/png-chunks.js';
import { stripMetadata } from '../../src/lib/image-metadata/strip.js';
import { GPS_EXIF, cleanJpeg, pngChunkTypes } from './fixtures.js';

const stripJpeg = (bytes: Uint8Array, orientation: number) => stripMetadata(bytes, 'jpg', { orientation })?.bytes as Buffer | undefined;
const stripPng = (bytes: Uint8Array, orientation: number) => stripMetadata(bytes, 'png', { orientation })?.bytes as Buffer | undefined;

/** Byte-level helpers: metadata out without touching pixels, metadata back in, an unused alpha channel dropped. */
describe('stripJpeg', () => {
  let tagged: Buffer;
  beforeAll(async () => {
    tagged = await sharp(await cleanJpeg(320, 240)).withExif(GPS_EXIF).withMetadata({ orientation: 6 }).jpeg({ quality: 80 }).toBuffer();
  });

  it('removes GPS and camera tags, keeps the orientation, and leaves the pixels byte-identical', async () => {
    const out = stripJpeg(tagged, 6)!;
    expect(out.includes('iPhone')).toBe(false);
    const m = await sharp(out).metadata();
    expect(m.orientation).toBe(6);
    expect(jpegExif(out)).toEqual(withExifHeader(orientationOnly(6))); // the orientation, and nothing else
    const [a, b] = await Promise.all([sharp(tagged, { autoOrient: false }).raw().toBuffer(), sharp(out, { autoOrient: false }).raw().toBuffer()]);
    expect(a.equals(b)).toBe(true);
    // The compressed scan is copied as is.
    const scan = (j: Buffer) => j.subarray(j.indexOf(Buffer.from([0xff, 0xda])));
    expect(scan(out).equals(scan(tagged))).toBe(true);
  });

  it('drops bytes after the end of the image (extra images, trailers)', () => {
    const out = stripJpeg(Buffer.concat([tagged, Buffer.from('TRAILER-WITH-SECRETS')]), 1)!;
    expect(out.includes('TRAILER')).toBe(false);
    expect(out.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
  });

  it('says so when the JPEG is cut short', () => {
    expect(stripJpeg(tagged.subarray(0, tagged.length - 100), 1)).toBeUndefined();
  });

  it('puts EXIF back after a re-encode, saying upright', async () => {
    const tiff = uprightTiff(exifTiff((await sharp(tagged).metadata()).exif!)!);
    const out = insertJpegMetadata(await cleanJpeg(64, 48), { tiff });
    const m = await sharp(out).metadata();
    expect(m.orientation).toBe(1);
    expect(out.includes('iPhone')).toBe(true);
    expect(jpegExif(out)).toEqual(withExifHeader(tiff)); // the whole block, as given
  });
});

describe('stripPng', () => {
  it('removes text and EXIF chunks but not transparency or colour', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } })
      .png()
      .withExif(GPS_EXIF)
      .withMetadata()
      .toBuffer();
    // sharp writes the EXIF (camera and GPS) in an eXIf chunk, beside an sRGB profile and the pixel density.
    expect(pngChunkTypes(png)).toEqual(['IHDR', 'iCCP', 'eXIf', 'pHYs', 'IDAT', 'IEND']);
    expect(pngExif(png)!.includes('iPhone 15 Pro')).toBe(true);
    const out = stripPng(png, 1)!;
    expect(pngChunkTypes(out)).toEqual(['IHDR', 'iCCP', 'pHYs', 'IDAT', 'IEND']);
    const m = await sharp(out).metadata();
    expect(m.exif).toBeUndefined();
    expect(m.hasAlpha).toBe(true);
    expect(out.includes('iPhone')).toBe(false);
    expect((await sharp(out).raw().toBuffer()).equals(await sharp(png).raw().toBuffer())).toBe(true);
    expect(stripPng(png.subarray(0, png.length - 12), 1)).toBeUndefined(); // no IEND
  });
});

describe('isSrgbProfile', () => {
  it('tells sRGB from Display P3', async () => {
    const icc = async (name: string) => (await sharp(await cleanJpeg(16, 16)).withIccProfile(name).jpeg().toBuffer().then((b) => sharp(b).metadata())).icc!;
    expect(isSrgbProfile(await icc('srgb'))).toBe(true);
    expect(isSrgbProfile(await icc('p3'))).toBe(false);
  });
});

describe('dropUnusedAlpha', () => {
  // 333×211 pixels: the alpha channel is not a whole number of the blocks it is compared in.
  const rgba = (clearAt?: number) => {
    const data = Buffer.alloc(333 * 211 * 4);
    for (let i = 0; i < data.length; i += 4) data.set([i % 251, (i >> 8) % 253, 7, 255], i);
    if (clearAt !== undefined) data[clearAt * 4 + 3] = 0;
    return { data, width: 333, height: 211, channels: 4 as const };
  };

  it('drops an alpha channel that is opaque everywhere, keeping the colours', async () => {
    const px = rgba();
    const out = await dropUnusedAlpha(sharp, px);
    expect([out.channels, out.width, out.height]).toEqual([3, 333, 211]);
    for (const i of [0, 1, 1000, 333 * 211 - 1]) expect([...out.data.subarray(i * 3, i * 3 + 3)]).toEqual([...px.data.subarray(i * 4, i * 4 + 3)]);
  });

  it('keeps it when any pixel is not opaque, the last one included', async () => {
    for (const at of [0, 20_000, 333 * 211 - 1]) {
      const px = rgba(at);
      expect(await dropUnusedAlpha(sharp, px)).toBe(px);
    }
  });
});
