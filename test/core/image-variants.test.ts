import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { asSourceFormat, imagePlan, reworkNeeded, resolveImageOptions } from '../../src/core/policy.js';
import { detectType } from '../../src/core/sniff.js';
import { boxes, fileBrands, heifLayout, itemData, withMajorBrand } from '../../src/lib/isobmff.js';
import { jpegFrame } from '../../src/lib/jpeg-frame.js';
import { readApng, withoutAnimation } from '../../src/lib/png-animation.js';
import { heifFile, ispe } from '../support/heif-build.js';

/** What the header bytes say a file is: brands, HEIF items, JPEG frames, APNG frames; and what detection and the policy make of it. */
const corpus = (file: string) => new Uint8Array(readFileSync(new URL(`../fixtures/corpus/${file}`, import.meta.url)));
/** What the service sniffs: the first 4,100 bytes. */
const sniff = (file: string) => detectType(corpus(file).subarray(0, 4100));

/** The refusal a call throws: an AppError with this status, code and sentence. */
const refusal = (status: number, code: string, message: string | RegExp) =>
  expect.objectContaining({ constructor: AppError, status, code, message: typeof message === 'string' ? message : expect.stringMatching(message) });

describe('detection: an image in an ISO-BMFF box is an image, by its brands', () => {
  it.each([
    ['heif/jpeg-coded.heif', { ext: 'heif', mime: 'image/heif' }], // file-type: MP4
    ['heif/mif3-brand.avif', { ext: 'avif', mime: 'image/avif' }], // file-type: MP4
    ['heif/animated.avif', { ext: 'avif', mime: 'image/avif' }],
    ['heif/hevc-image-sequence-msf1.heic', { ext: 'heif', mime: 'image/heif-sequence' }],
    ['heif/uncompressed-rgb.heif', { ext: 'heif', mime: 'image/heif' }],
    ['heif/iphone-style-exif-gps.heic', { ext: 'heic', mime: 'image/heic' }],
    ['heif/still-8bit.avif', { ext: 'avif', mime: 'image/avif' }],
  ])('%s', async (file, expected) => {
    expect(await sniff(file)).toEqual(expected);
  });

  it('leaves video in the same box to file-type', async () => {
    expect(await sniff('video/h264-aac-faststart.mp4')).toEqual({ ext: 'mp4', mime: 'video/mp4' });
    expect(await sniff('video/h263-aac.3gp')).toEqual({ ext: '3gp', mime: 'video/3gpp' });
    expect(await sniff('video/iphone-style.mov')).toEqual({ ext: 'mov', mime: 'video/quicktime' });
  });

  it('calls a file that starts with the PNG signature a PNG, even when nothing after it is', async () => {
    expect(await sniff('broken/png-signature-then-text.png')).toEqual({ ext: 'png', mime: 'image/png' });
    expect(await sniff('not-media/notes.txt')).toBeUndefined();
  });

  it('takes an APNG as a PNG', async () => {
    expect(await sniff('png/animated.apng')).toEqual({ ext: 'apng', mime: 'image/apng' });
    expect(asSourceFormat('apng')).toBe('png');
  });
});

describe('reading ISO-BMFF and HEIF boxes', () => {
  it('reads the brands, and changes the major one in a copy without moving anything', () => {
    const avif = corpus('heif/mif3-brand.avif');
    expect(fileBrands(avif)).toEqual({ major: 'mif3', compatible: ['avif', 'mif1', 'miaf', 'MA1A'] });
    const renamed = withMajorBrand(avif, 'avif');
    expect([fileBrands(renamed)!.major, renamed.length, fileBrands(avif)!.major]).toEqual(['avif', avif.length, 'mif3']);
    expect(boxes(renamed).map((b) => b.type)).toEqual(['ftyp', 'meta', 'mdat']);
  });

  it('finds the primary item, its coding, properties and data, and the EXIF item describing it', () => {
    const heif = corpus('heif/jpeg-coded.heif');
    const layout = heifLayout(heif)!;
    expect([layout.primary!.type, layout.primary!.properties.map((p) => p.box.type), layout.exif?.type, layout.sequence]).toEqual(['jpeg', ['ispe'], 'Exif', undefined]);
    const jpeg = itemData(heif, layout, layout.primary!)!;
    expect(jpegFrame(jpeg)).toMatchObject({ width: 160, height: 120, precision: 8 });
  });

  it('tells image sequences by their picture track, and what codes them', () => {
    expect(heifLayout(corpus('heif/animated.avif'))!.sequence).toEqual({ codec: 'av01' });
    expect(heifLayout(corpus('heif/hevc-image-sequence-msf1.heic'))!.sequence).toEqual({ codec: 'hvc1' });
    expect(heifLayout(corpus('heif/still-8bit.avif'))!.sequence).toBeUndefined();
  });

  it('never throws on damaged boxes: what cannot be read is left out', () => {
    const heif = corpus('heif/jpeg-coded.heif');
    for (let cut = 0; cut < 400; cut += 7) {
      const layout = heifLayout(heif.subarray(0, cut));
      if (layout?.primary) itemData(heif.subarray(0, cut), layout, layout.primary);
    }
    const fuzzed = corpus('broken/heic-fuzzed.heic');
    expect(() => heifLayout(fuzzed)).not.toThrow();
  });
});

describe('reading a JPEG frame header', () => {
  it.each([
    ['jpeg/clean-baseline.jpg', 0xc0, 8],
    ['jpeg/progressive.jpg', 0xc2, 8],
    ['jpeg/arithmetic-coded.jpg', 0xc9, 8],
    ['jpeg/twelve-bit.jpg', 0xc1, 12],
    ['jpeg/lossless-sof3.jpg', 0xc3, 8],
  ])('%s', (file, marker, precision) => {
    expect(jpegFrame(corpus(file))).toMatchObject({ marker, precision });
  });
});

describe('reading APNG frames', () => {
  it('counts the frames the file holds, not the placeholder count some writers leave in acTL', () => {
    const apng = corpus('png/animated.apng');
    const read = readApng(apng)!;
    expect([read.frames.length, read.frames.map((f) => f.delayMs), read.plays]).toEqual([4, [250, 250, 250, 250], 0]);
    expect(read.frames.map((f) => [f.x, f.y, f.width, f.height])).toEqual([[0, 0, 80, 60], [0, 45, 80, 8], [0, 45, 80, 8], [0, 45, 80, 8]]);
  });

  it('drops the animation to leave the default image, its pixels untouched', async () => {
    const apng = corpus('png/animated.apng');
    const still = withoutAnimation(apng);
    expect(readApng(still)).toBeUndefined();
    expect(await detectType(still)).toEqual({ ext: 'png', mime: 'image/png' });
    const pixels = (b: Uint8Array) => sharp(b).raw().toBuffer();
    expect((await pixels(still)).equals(await pixels(apng))).toBe(true);
  });
});

describe('the variant policy', () => {
  it('sends each HEIF to the decoder for its coding, and a JPEG-coded one out of its box', () => {
    expect(imagePlan(corpus('heif/iphone-style-exif-gps.heic'), 'heic')).toEqual({ read: 'heif', codec: 'hevc' });
    expect(imagePlan(corpus('heif/mif3-brand.avif'), 'avif')).toEqual({ read: 'heif', codec: 'av1' });
    expect(imagePlan(corpus('heif/jpeg-coded.heif'), 'heif')).toMatchObject({ read: 'jpeg-item' });
    expect(imagePlan(corpus('jpeg/clean-baseline.jpg'), 'jpg')).toEqual({ read: 'as-is' });
  });

  it('leaves to the decoder what the header cannot tell', () => {
    expect(imagePlan(new Uint8Array(5000), 'heic')).toEqual({ read: 'heif' });
    expect(imagePlan(corpus('broken/jpeg-truncated.jpg').subarray(0, 4), 'jpg')).toEqual({ read: 'as-is' });
  });

  it('tells a grid by its tiles: HEVC tiles (as iPhones write) to heic-decode, JPEG tiles refused by name', () => {
    const grid = (tile: string) =>
      heifFile({ brands: ['mif1'], item: { type: 'grid', data: new Uint8Array(8), properties: [ispe(64, 48)] }, inputs: [{ type: tile, data: new Uint8Array(4) }, { type: tile, data: new Uint8Array(4) }] });
    expect(imagePlan(grid('hvc1'), 'heic')).toEqual({ read: 'heif', codec: 'hevc' });
    expect(() => imagePlan(grid('jpeg'), 'heif')).toThrow(refusal(422, 'unsupported_image_variant', /^This image is a tiled JPEG-coded HEIF, a HEIF variant that is not converted here\./));
    // No tile listed: what it is made of cannot be told, so the decoder decides.
    expect(imagePlan(heifFile({ brands: ['mif1'], item: { type: 'grid', data: new Uint8Array(8), properties: [] } }), 'heif')).toEqual({ read: 'heif' });
  });

  it('names the compact mif3 layout', () => {
    const mini = Buffer.concat([corpus('heif/mif3-brand.avif').subarray(0, 32), Buffer.from([0, 0, 0, 12]), Buffer.from('mini\0\0\0\0', 'latin1')]);
    expect(() => imagePlan(mini, 'avif')).toThrow(refusal(422, 'unsupported_image_variant', /^This image is a HEIF in the compact layout of the mif3 brand/));
  });

  it('calls a PNG signature followed by something else a damaged PNG', () => {
    expect(() => imagePlan(corpus('broken/png-signature-then-text.png'), 'png')).toThrow(
      refusal(422, 'unreadable_image', 'The file starts with the PNG signature, but what follows is not PNG data: it is a damaged PNG. Send the original image again.'),
    );
  });

  it('makes an animated PNG, not a still one, become a GIF', () => {
    const auto = resolveImageOptions();
    expect(reworkNeeded({ format: 'png', size: 1000, frames: 4 }, auto, 600_000)).toBe('animation');
    expect(reworkNeeded({ format: 'png', size: 1000, frames: 1 }, auto, 600_000)).toBeUndefined();
    expect(reworkNeeded({ format: 'gif', size: 1000, frames: 4 }, auto, 600_000)).toBeUndefined();
  });
});

describe('hostile boxes', () => {
  const jpegCoded = () => Buffer.from(corpus('heif/jpeg-coded.heif'));
  const ilocOf = (heif: Buffer) => heif.indexOf('iloc', 0, 'latin1') - 4;

  it('an iloc whose fields take no bytes lists nothing (a few such bytes could stand for billions of empty extents)', () => {
    const heif = jpegCoded();
    heif[ilocOf(heif) + 12] = 0x00; // offset and length sizes: 0
    expect(heifLayout(heif)!.primary!.extents).toEqual([]);
  });

  it('an item that lists the whole file many times is not read', () => {
    const heif = jpegCoded();
    const layout = heifLayout(heif)!;
    const item = { ...layout.primary!, extents: Array.from({ length: 1000 }, () => ({ offset: 0, length: heif.length })) };
    expect(itemData(heif, layout, item)).toBeUndefined();
  });
});

describe('damaged headers never throw anything but a refusal', () => {
  it.each(['heif/jpeg-coded.heif', 'heif/animated.avif', 'heif/iphone-style-exif-gps.heic', 'jpeg/twelve-bit.jpg', 'png/animated.apng'])('%s, with bytes changed at random', (file) => {
    const original = corpus(file);
    const format = asSourceFormat(file.slice(file.lastIndexOf('.') + 1))!;
    let seed = 18;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 300; round++) {
      const bytes = original.slice(0, Math.max(8, Math.floor(original.length * (0.2 + 0.8 * random()))));
      for (let n = 0; n < 4; n++) bytes[Math.floor(random() * Math.min(bytes.length, 600))] = Math.floor(random() * 256);
      try {
        const plan = imagePlan(bytes, format);
        if (plan.read === 'jpeg-item') itemData(bytes, plan.layout, plan.layout.primary!);
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
      }
      readApng(bytes);
      jpegFrame(bytes);
    }
  });
});
