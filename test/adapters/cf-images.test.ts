import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { WorkerImages, type ImagesBindingLike } from '../../src/adapters/cf-images.js';
import { orientationOnly, withExifHeader } from '../../src/lib/image-metadata/exif.js';
import type { AppError } from '../../src/core/errors.js';
import { pngExif } from '../../src/lib/image-metadata/png-chunks.js';
import { heifLayout, itemData } from '../../src/lib/isobmff.js';
import { GIF, GPS_EXIF, JPG, PNG, cleanJpeg, imageInput, pngChunkTypes } from '../images/fixtures.js';
import { gifApplication, gifComment, gifWith, gifWithShortTable, noiseGif } from '../images/gif-fixtures.js';

/**
 * The Workers image processor's decisions and its fit-to-budget search, against a stand-in for the Images
 * binding whose output size follows quality and area the way JPEG roughly does (the local emulation ignores
 * quality, so the quality half of the search is exercised here; test/worker exercises the real binding).
 */
function fakeBinding(source: { width: number; height: number }, bytesPerPixelAt85: number) {
  const calls: Array<{ width: number; quality?: number; format: string }> = [];
  let width = source.width;
  const binding: ImagesBindingLike = {
    async info(stream) {
      const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
      if (bytes[0] === 0xff && bytes[1] === 0xd8 && calls.length > 0) {
        const w = Math.min(source.width, calls.at(-1)!.width);
        return { format: 'image/jpeg', fileSize: bytes.length, width: w, height: Math.round((source.height * w) / source.width) };
      }
      return { format: 'image/png', fileSize: bytes.length, width: source.width, height: source.height };
    },
    input() {
      const transformer = {
        transform(t: { width?: number }) {
          width = Math.min(source.width, t.width ?? source.width);
          return transformer;
        },
        async output(o: { format: string; quality?: number }) {
          calls.push({ width, quality: o.quality, format: o.format });
          const height = Math.round((source.height * width) / source.width);
          const size = Math.round(width * height * bytesPerPixelAt85 * Math.exp(0.035 * ((o.quality ?? 85) - 85)));
          const out = new Uint8Array(size);
          out.set([0xff, 0xd8, 0xff]);
          return { image: () => new Response(out).body! };
        },
      };
      return transformer;
    },
  };
  return { binding, calls };
}

const options = { targetBytes: 600_000, maxDimension: 2048, maxPixels: 50_000_000 };
/** A HEIC photo: always needs work (carriers do not take HEIC); its bytes only reach the stand-in binding. */
const heic = () => imageInput(new Uint8Array(50_000), { ext: 'heic', mime: 'image/heic' });
const auto = { optimize: 'auto' as const, keepMetadata: false };
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: AppError) => ({ status: e.status, code: e.code, message: e.message }),
  );

describe('WorkerImages with the Images binding: fitting to the budget', () => {
  it('lowers the quality first when that is enough, in few encodes, never over the budget', async () => {
    const { binding, calls } = fakeBinding({ width: 1600, height: 1200 }, 0.4); // ~770 KB at q85
    const out = await new WorkerImages({ ...options, binding }).process(heic(), auto);
    expect(out.bytes.length).toBeLessThanOrEqual(600_000);
    expect(out).toMatchObject({ extension: 'jpg', contentType: 'image/jpeg', width: 1600, height: 1200, original: { width: 1600, height: 1200 } });
    expect(calls.every((c) => c.width === 1600)).toBe(true);
    expect(calls.length).toBeLessThanOrEqual(3);
    expect(out.transformations).toEqual(['convert:heic->jpeg', `quality:${calls.at(-1)!.quality}`]);
    expect(calls.at(-1)!.quality).toBeGreaterThanOrEqual(55);
  });

  it('makes the picture smaller when even the floor quality would not fit, and caps the long edge', async () => {
    const { binding, calls } = fakeBinding({ width: 4000, height: 3000 }, 0.6);
    const out = await new WorkerImages({ ...options, binding }).process(heic(), auto);
    expect(out.bytes.length).toBeLessThanOrEqual(600_000);
    expect(calls[0]!.width).toBe(2048); // the long edge cap, before any fitting
    expect(out.width!).toBeLessThan(2048);
    expect(out.transformations).toEqual(['convert:heic->jpeg', `resize:4000x3000->${out.width}x${out.height}`, expect.stringMatching(/^quality:\d+$/)]);
    expect(out.height).toBe(Math.round((3000 * out.width!) / 4000));
    // What it reports is an encode it made: that width at that quality.
    expect(calls).toContainEqual({ width: out.width, quality: Number(out.transformations[2]!.slice('quality:'.length)), format: 'image/jpeg' });
    expect(calls.length).toBeLessThanOrEqual(6);
  });

  it('refuses, rather than store it over the budget, what cannot be fitted', async () => {
    const { binding, calls } = fakeBinding({ width: 800, height: 800 }, 2); // too dense for 10 KB even at 160 px
    const r = await refusal(new WorkerImages({ ...options, targetBytes: 10_000, binding }).process(heic(), auto));
    expect(r).toEqual({
      status: 422,
      code: 'image_does_not_fit',
      message: 'This image is too detailed to fit the 10 KB budget even as a small, low-quality JPEG. Send a smaller or simpler image.',
    });
    expect(calls.length).toBeLessThanOrEqual(6);
  });

  it('says when it re-encoded an image in its own format, and why', async () => {
    // A transparent PNG over the budget, which the binding makes fit at its own size: still a change of bytes.
    const { binding } = fakeBinding({ width: 1000, height: 800 }, 0.5);
    const png = new Uint8Array(700_000);
    png[25] = 6; // IHDR colour type: RGBA
    const out = await new WorkerImages({ ...options, binding }).process(imageInput(png, PNG), auto);
    expect(out).toMatchObject({ extension: 'png', width: 1000, height: 800, transformations: ['recompress:png'] });
    // A GIF whose pixels index past its colour table does not pass as it is: the binding re-encodes it.
    const damaged = gifWithShortTable(await noiseGif(), 2);
    const gif = await new WorkerImages({ ...options, binding: fakeBinding({ width: 64, height: 48 }, 0.5).binding }).process(imageInput(damaged, GIF), auto);
    expect(gif).toMatchObject({ extension: 'gif', transformations: ['reencode:corrupt_data', 'recompress:gif'] });
  });

  it('refuses pixel bombs from the header, before any encode', async () => {
    const { binding, calls } = fakeBinding({ width: 30_000, height: 30_000 }, 0.1);
    expect(await refusal(new WorkerImages({ ...options, binding }).process(heic(), auto))).toEqual({
      status: 422,
      code: 'image_too_many_pixels',
      message: 'The image is 30000×30000 (900 megapixels); images up to 50 megapixels are accepted. Resize it and send it again.',
    });
    expect(calls).toEqual([]);
  });

  it('answers 502 when the Images service fails, and 422 when it cannot read the image', async () => {
    const failing: ImagesBindingLike = {
      info: async () => ({ format: 'image/png', width: 100, height: 100 }),
      input: () => ({
        transform() {
          return this;
        },
        output: async () => {
          throw new Error('IMAGES_TRANSFORM_ERROR 9523');
        },
      }),
    };
    expect(await refusal(new WorkerImages({ ...options, binding: failing }).process(heic(), auto))).toEqual({
      status: 502,
      code: 'image_service_error',
      message: 'Cloudflare Images could not process this image just now; nothing was stored. Try again.',
    });
    const unreadable: ImagesBindingLike = { ...failing, info: async () => Promise.reject(new Error('9412: not an image')) };
    expect(await refusal(new WorkerImages({ ...options, binding: unreadable }).process(heic(), auto))).toEqual({
      status: 422,
      code: 'unreadable_image',
      message: 'The HEIC image could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.',
    });
  });
});

describe('WorkerImages: what preflight may promise', () => {
  it('takes what a Node deployment reads, BMP not included; promises fixes only with the binding, for formats Cloudflare Images reads', () => {
    const without = new WorkerImages(options);
    const withBinding = new WorkerImages({ ...options, binding: fakeBinding({ width: 1, height: 1 }, 1).binding });
    for (const ext of ['heic', 'webp', 'jpg', 'png', 'gif', 'tif', 'avif']) expect(without.accepts({ ext })).toBe(true);
    expect(without.accepts({ ext: 'bmp' })).toBe(false);
    expect(['heic', 'webp', 'jpg', 'tif', 'avif'].map((ext) => without.canFix({ ext }))).toEqual([false, false, false, false, false]);
    expect(['heic', 'webp', 'jpg', 'tif', 'avif'].map((ext) => withBinding.canFix({ ext }))).toEqual([true, true, true, false, false]);
  });
});

describe('WorkerImages without the binding: metadata out of images stored as they are, pixels untouched', () => {
  const images = new WorkerImages(options);
  const off = { optimize: 'off' as const, keepMetadata: false };
  const pixels = (b: Uint8Array) => sharp(b, { autoOrient: false }).raw().toBuffer();
  let clean: Buffer;
  let tagged: Buffer;
  beforeAll(async () => {
    clean = await cleanJpeg(320, 240);
    tagged = await sharp(clean).withExif(GPS_EXIF).withMetadata({ orientation: 6 }).jpeg({ quality: 80 }).toBuffer();
  });

  for (const mode of [auto, off]) {
    it(`cuts GPS and camera tags out of a JPEG (optimize=${mode.optimize}), keeping the orientation and the decoded pixels`, async () => {
      expect(tagged.includes('iPhone')).toBe(true);
      const out = await images.process(imageInput(tagged, JPG), mode);
      expect(out).toMatchObject({ extension: 'jpg', contentType: 'image/jpeg', transformations: ['strip_metadata'] });
      expect(Buffer.from(out.bytes).includes('iPhone')).toBe(false);
      const m = await sharp(out.bytes).metadata();
      expect(m.orientation).toBe(6);
      expect(m.exif?.equals(withExifHeader(orientationOnly(6)))).toBe(true); // the orientation, and nothing else
      expect(m.xmp).toBeUndefined();
      expect((await pixels(out.bytes)).equals(await pixels(tagged))).toBe(true);
    });
  }

  it('keeps everything with keep_metadata=true, and says what it kept', async () => {
    const out = await images.process(imageInput(tagged, JPG), { optimize: 'auto', keepMetadata: true });
    expect(Buffer.from(out.bytes).equals(tagged)).toBe(true);
    expect(out.transformations).toEqual(['keep_metadata:exif']);
  });

  it('stores a clean JPEG byte-identical, saying nothing was done', async () => {
    const out = await images.process(imageInput(clean, JPG), auto);
    expect(Buffer.from(out.bytes).equals(clean)).toBe(true);
    expect(out.transformations).toEqual([]);
  });

  it('cuts the eXIf chunk (GPS) out of a PNG, keeping an orientation and the pixels', async () => {
    const png = await sharp({ create: { width: 8, height: 6, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } })
      .png()
      .withExif(GPS_EXIF)
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect(pngChunkTypes(png)).toEqual(['IHDR', 'iCCP', 'eXIf', 'pHYs', 'IDAT', 'IEND']);
    expect(pngExif(png)!.includes('iPhone 15 Pro')).toBe(true);
    const out = await images.process(imageInput(png, PNG), auto);
    expect(out).toMatchObject({ extension: 'png', transformations: ['strip_metadata'] });
    expect(Buffer.from(out.bytes).includes('iPhone')).toBe(false);
    // The camera's eXIf is gone; one holding only the orientation goes in before the pixels.
    expect(pngChunkTypes(out.bytes)).toEqual(['IHDR', 'iCCP', 'pHYs', 'eXIf', 'IDAT', 'IEND']);
    expect(pngExif(out.bytes)).toEqual(orientationOnly(6));
    const m = await sharp(out.bytes).metadata();
    expect(m.orientation).toBe(6);
    expect(m.exif).toEqual(orientationOnly(6));
    expect(m.hasAlpha).toBe(true);
    expect((await pixels(out.bytes)).equals(await pixels(png))).toBe(true);
  });

  it('cuts comments and XMP out of a GIF, keeping its loop, and passes a clean one untouched', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } }).gif().toBuffer();
    const loop = gifApplication('NETSCAPE2.0', Buffer.from([1, 0, 0]));
    const tagged = gifWith(gif, { first: [loop, gifComment('Shot at 40.7484 N, 73.9857 W')], last: [gifApplication('XMP DataXMP', Buffer.from('<x:xmpmeta>exif:GPSLatitude</x:xmpmeta>'))] });
    const out = await images.process(imageInput(tagged, GIF), off);
    expect(Buffer.from(out.bytes).equals(gifWith(gif, { first: [loop] }))).toBe(true);
    expect(out.transformations).toEqual(['strip_metadata']);
    const kept = await images.process(imageInput(tagged, GIF), { optimize: 'auto', keepMetadata: true });
    expect([kept.bytes, kept.transformations]).toEqual([tagged, ['keep_metadata:xmp,comments']]);
    const clean = await images.process(imageInput(gif, GIF), auto);
    expect([clean.bytes, clean.transformations]).toEqual([gif, []]);
  });

  it('does not store a GIF whose pixels index past its colour table: it needs the binding to re-encode it', async () => {
    const damaged = gifWithShortTable(await noiseGif(), 2);
    expect(await refusal(images.process(imageInput(damaged, GIF), auto))).toMatchObject({
      status: 422,
      code: 'image_processing_unavailable',
      message: expect.stringMatching(/^This image needs work \(its data is damaged, so it must be re-encoded from what can be read\)/),
    });
    expect(await refusal(images.process(imageInput(damaged, GIF), off))).toMatchObject({
      status: 422,
      code: 'unreadable_image',
      message: expect.stringMatching(/^The GIF image is damaged \(it uses colour \d+, past the end of its 2-colour table\): /),
    });
  });

  it('refuses a JPEG cut short, whose metadata could not be found, even when the metadata is to be kept', async () => {
    const cut = tagged.subarray(0, tagged.length - 100);
    for (const keepMetadata of [false, true]) {
      expect(await refusal(images.process(imageInput(cut, JPG), { optimize: 'off', keepMetadata }))).toEqual({
        status: 422,
        code: 'unreadable_image',
        message: 'The JPEG image could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.',
      });
    }
  });
});

describe('WorkerImages: image variants, read from the header as on Node', () => {
  const corpus = (file: string) => new Uint8Array(readFileSync(new URL(`../fixtures/corpus/${file}`, import.meta.url)));
  const without = new WorkerImages(options);
  const withBinding = new WorkerImages({ ...options, binding: fakeBinding({ width: 200, height: 150 }, 0.5).binding });

  it('a JPEG-coded HEIF passes as the JPEG inside it, without its EXIF item (GPS, camera)', async () => {
    const heif = corpus('heif/jpeg-coded.heif');
    const out = await without.process(imageInput(heif, { ext: 'heif', mime: 'image/heif' }), auto);
    expect([out.contentType, out.transformations]).toEqual(['image/jpeg', ['convert:heif->jpeg']]);
    const layout = heifLayout(heif)!;
    expect(Buffer.from(out.bytes).equals(Buffer.from(itemData(heif, layout, layout.primary!)!))).toBe(true);
    expect(Buffer.from(out.bytes).includes('Canon')).toBe(false);
  });

  it('an animated PNG goes as its default image, with nothing to compose its frames here, and says so', async () => {
    const out = await without.process(imageInput(corpus('png/animated.apng'), { ext: 'apng', mime: 'image/apng' }), auto);
    expect([out.contentType, out.transformations]).toEqual(['image/png', ['frames:4->1']]);
    expect(pngChunkTypes(out.bytes)).toEqual(['IHDR', 'pHYs', 'IDAT', 'IEND']);
  });

  it.each([
    ['jpeg/twelve-bit.jpg', JPG, /^This image is a 12-bit JPEG/],
    ['jpeg/lossless-sof3.jpg', JPG, /^This image is a lossless JPEG/],
    ['heif/animated.avif', { ext: 'avif', mime: 'image/avif' }, /^This image is an animated AVIF/],
    ['heif/uncompressed-rgb.heif', { ext: 'heif', mime: 'image/heif' }, /^This image is an uncompressed HEIF/],
  ])('%s is refused by name, with or without the Images binding', async (file, detected, sentence) => {
    for (const images of [without, withBinding]) {
      const r = await refusal(images.process(imageInput(corpus(file), detected), auto));
      expect([r.status, r.code]).toEqual([422, 'unsupported_image_variant']);
      expect(r.message).toMatch(sentence);
    }
  });
});
