import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppError } from '../../src/core/errors.js';
import { exifTiff } from '../../src/lib/image-metadata/exif.js';
import { jpegExif } from '../../src/lib/image-metadata/jpeg-segments.js';
import { heifLayout, itemData } from '../../src/lib/isobmff.js';
import { apngFile, box, heifFile, imir, irot, ispe, type ApngFrameSpec } from '../support/heif-build.js';
import { AUTO, GPS_EXIF, QUADRANTS, imageInput, near, pngChunkTypes, processor, quadrantColours } from './fixtures.js';

/**
 * Image variants (issue 18 items 3 and 4), through the sharp adapter with real bytes: what is read is converted —
 * HEIF/AVIF under any brand, JPEG-coded HEIF as the JPEG inside it, an APNG's frames composed into a GIF — and
 * what is not is refused with a sentence that names the variant.
 */
const images = processor();
afterAll(() => images.close());

const corpus = (file: string) => new Uint8Array(readFileSync(new URL(`../fixtures/corpus/${file}`, import.meta.url)));
const HEIF = { ext: 'heif', mime: 'image/heif' };
const AVIF = { ext: 'avif', mime: 'image/avif' };
const APNG = { ext: 'apng', mime: 'image/apng' };
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: AppError) => ({ status: e.status, code: e.code, message: e.message }),
  );

/** The upright 64×48 card of QUADRANTS, as raw RGB. */
function uprightCard(): { data: Buffer; width: number; height: number } {
  const width = 64, height = 48;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(QUADRANTS[`${y < height / 2 ? 't' : 'b'}${x < width / 2 ? 'l' : 'r'}`], (y * width + x) * 3);
  }
  return { data, width, height };
}

type Transform = ['irot', number] | ['imir', number];

/** The pixels to store so that the transforms, applied in order, show the upright card: each undone, last first. */
async function stored(transforms: Transform[], encode: (s: Sharp) => Sharp): Promise<{ bytes: Buffer; width: number; height: number }> {
  let { data, width, height } = uprightCard();
  for (const [kind, value] of [...transforms].reverse()) {
    const img = sharp(data, { raw: { width, height, channels: 3 } });
    // irot turns anticlockwise, so turning clockwise undoes it; imir axis 1 exchanges left and right (flop).
    const undone = kind === 'irot' ? img.rotate(90 * value) : value === 1 ? img.flop() : img.flip();
    const out = await undone.raw().toBuffer({ resolveWithObject: true });
    ({ data } = out);
    ({ width, height } = out.info);
  }
  return { bytes: await encode(sharp(data, { raw: { width, height, channels: 3 } })).toBuffer(), width, height };
}

const transformBoxes = (transforms: Transform[]) => transforms.map(([kind, v]) => (kind === 'irot' ? irot(v) : imir(v)));

const expectUpright = async (image: Uint8Array) => {
  const seen = await quadrantColours(image);
  for (const q of ['tl', 'tr', 'bl', 'br'] as const) expect(near(seen[q], QUADRANTS[q]), `${q}: ${seen[q]}`).toBe(true);
};

describe('JPEG-coded HEIF: the JPEG inside it, never decoded to be re-encoded when nothing else needs doing', () => {
  it('passes as the JPEG item byte for byte, and says it was converted', async () => {
    const jpeg = await stored([], (s) => s.jpeg({ quality: 90 }));
    const heif = heifFile({ brands: ['jpeg', 'mif1'], item: { type: 'jpeg', data: jpeg.bytes, properties: [ispe(jpeg.width, jpeg.height)] } });
    const out = await images.process(imageInput(heif, HEIF), AUTO);
    expect(Buffer.from(out.bytes).equals(jpeg.bytes)).toBe(true);
    expect([out.contentType, out.width, out.height, out.transformations]).toEqual(['image/jpeg', 64, 48, ['convert:heif->jpeg']]);
  });

  // The same transforms on an AV1 item are applied by libheif (inside sharp): the pictures must agree.
  it.each<[string, Transform[]]>([
    ['a quarter turn anticlockwise', [['irot', 1]]],
    ['a half turn', [['irot', 2]]],
    ['three quarter turns', [['irot', 3]]],
    ['top and bottom exchanged', [['imir', 0]]],
    ['left and right exchanged', [['imir', 1]]],
    ['mirrored, then turned', [['imir', 1], ['irot', 1]]],
    ['turned, then mirrored', [['irot', 1], ['imir', 1]]],
    ['turned, then mirrored top to bottom', [['irot', 3], ['imir', 0]]],
  ])('shows upright with %s (irot/imir), as libheif shows an AV1 item with the same boxes', async (_name, transforms) => {
    const jpeg = await stored(transforms, (s) => s.jpeg({ quality: 95 }));
    const heif = heifFile({ brands: ['mif1', 'jpeg'], item: { type: 'jpeg', data: jpeg.bytes, properties: [ispe(jpeg.width, jpeg.height), ...transformBoxes(transforms)] } });
    const out = await images.process(imageInput(heif, HEIF), AUTO);
    expect(out.transformations.slice(0, 2)).toEqual(['convert:heif->jpeg', 'auto_orient']);
    expect([out.width, out.height]).toEqual([64, 48]);
    await expectUpright(out.bytes);

    const avif = await stored(transforms, (s) => s.avif({ effort: 0, quality: 90 }));
    const layout = heifLayout(avif.bytes)!;
    const av1C = layout.primary!.properties.find((p) => p.box.type === 'av1C')!.box;
    const item = { type: 'av01', data: itemData(avif.bytes, layout, layout.primary!)!, properties: [ispe(avif.width, avif.height), avif.bytes.subarray(av1C.start, av1C.end), ...transformBoxes(transforms)] };
    const viaLibheif = await images.process(imageInput(heifFile({ brands: ['avif', 'mif1'], item: item as never }), AVIF), AUTO);
    await expectUpright(viaLibheif.bytes);
  });

  it('carries its EXIF item only when keep_metadata=true', async () => {
    const tagged = await sharp(uprightCard().data, { raw: { width: 64, height: 48, channels: 3 } }).jpeg().withExif(GPS_EXIF).toBuffer();
    const tiff = exifTiff(jpegExif(tagged)!)!;
    const jpeg = await stored([], (s) => s.jpeg());
    const heif = heifFile({ brands: ['jpeg', 'mif1'], item: { type: 'jpeg', data: jpeg.bytes, properties: [ispe(64, 48)] }, exif: tiff });
    const kept = await images.process(imageInput(heif, HEIF), { optimize: 'auto', keepMetadata: true });
    expect((await sharp(kept.bytes).metadata()).exif?.includes('iPhone 15 Pro')).toBe(true);
    const dropped = await images.process(imageInput(heif, HEIF), AUTO);
    expect((await sharp(dropped.bytes).metadata()).exif).toBeUndefined();
    expect(Buffer.from(dropped.bytes).includes('iPhone')).toBe(false);
  });

  it('is refused with optimize=off, since carriers do not take HEIF', async () => {
    const r = await refusal(images.process(imageInput(corpus('heif/jpeg-coded.heif'), HEIF), { optimize: 'off', keepMetadata: false }));
    expect([r.status, r.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('with a crop (clap) it is refused by name: taking the JPEG out would lose the crop', async () => {
    const jpeg = await stored([], (s) => s.jpeg());
    const clap = box('clap', Buffer.alloc(32));
    const heif = heifFile({ brands: ['jpeg', 'mif1'], item: { type: 'jpeg', data: jpeg.bytes, properties: [ispe(64, 48), clap] } });
    const r = await refusal(images.process(imageInput(heif, HEIF), AUTO));
    expect([r.status, r.code]).toEqual([422, 'unsupported_image_variant']);
    expect(r.message).toMatch(/^This image is a JPEG-coded HEIF with a crop/);
  });
});

describe('HEIF and AVIF under any brand', () => {
  it('an AVIF whose major brand is mif3 is converted like any AVIF', async () => {
    const out = await images.process(imageInput(corpus('heif/mif3-brand.avif'), AVIF), AUTO);
    expect([out.contentType, out.width, out.height, out.transformations[0]]).toEqual(['image/jpeg', 200, 150, 'convert:avif->jpeg']);
  });

  it.each([
    ['vvc1', /^This image is a HEIF coded with H\.266 \(VVC\), a HEIF variant that is not converted here\./],
    ['xyz1', /^This image is a HEIF coded with 'xyz1', a HEIF variant/],
  ])('an item coded as %s is refused by its coding', async (type, sentence) => {
    const heif = heifFile({ brands: ['mif1'], item: { type, data: Buffer.alloc(64, 1), properties: [ispe(64, 48)] } });
    const r = await refusal(images.process(imageInput(heif, HEIF), AUTO));
    expect([r.status, r.code]).toEqual([422, 'unsupported_image_variant']);
    expect(r.message).toMatch(sentence);
  });
});

describe('valid variants that are not read are refused by name, never called corrupt', () => {
  it.each([
    ['jpeg/twelve-bit.jpg', { ext: 'jpg', mime: 'image/jpeg' }, /^This image is a 12-bit JPEG/],
    ['jpeg/lossless-sof3.jpg', { ext: 'jpg', mime: 'image/jpeg' }, /^This image is a lossless JPEG \(SOF3/],
    ['heif/animated.avif', AVIF, /^This image is an animated AVIF/],
    ['heif/hevc-image-sequence-msf1.heic', HEIF, /^This image is an HEVC image sequence/],
    ['heif/uncompressed-rgb.heif', HEIF, /^This image is an uncompressed HEIF/],
  ])('%s', async (file, detected, sentence) => {
    for (const optimize of ['auto', 'off'] as const) {
      if (optimize === 'off' && detected.ext !== 'jpg') continue; // HEIF with optimize=off: not a carrier format
      const r = await refusal(images.process(imageInput(corpus(file), detected), { optimize, keepMetadata: false }));
      expect([r.status, r.code]).toEqual([422, 'unsupported_image_variant']);
      expect(r.message).toMatch(sentence);
      expect(r.message).not.toMatch(/corrupt|could not be read/);
    }
  });
});

describe('an APNG is a PNG; animated, it becomes an animated GIF', () => {
  const red = [255, 0, 0, 255] as const;
  const frames: ApngFrameSpec[] = [
    { x: 0, y: 0, width: 40, height: 40, rgba: [...red], dispose: 0, blend: 0, delayMs: 100 },
    // Half-transparent blue over the top-left quarter, then that quarter put back as it was.
    { x: 0, y: 0, width: 20, height: 20, rgba: [0, 0, 255, 128], dispose: 2, blend: 1, delayMs: 200 },
    // Green over the bottom-right quarter, then that quarter cleared.
    { x: 20, y: 20, width: 20, height: 20, rgba: [0, 255, 0, 255], dispose: 1, blend: 0, delayMs: 300 },
    { x: 0, y: 20, width: 20, height: 20, rgba: [255, 255, 255, 255], dispose: 0, blend: 0, delayMs: 400 },
  ];

  /** Each frame's quadrant centres, RGBA, as a GIF decoder shows them. */
  async function gifFrames(gif: Uint8Array): Promise<Array<Record<'tl' | 'tr' | 'bl' | 'br', number[]>>> {
    const { data, info } = await sharp(gif, { animated: true }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const h = info.pageHeight!;
    const at = (f: number, x: number, y: number) => [...data.subarray(((f * h + y) * info.width + x) * 4, ((f * h + y) * info.width + x) * 4 + 4)];
    return Array.from({ length: info.height / h }, (_, f) => ({ tl: at(f, 10, 10), tr: at(f, 30, 10), bl: at(f, 10, 30), br: at(f, 30, 30) }));
  }

  it('composes each frame as the APNG specification says: blending, and what each frame leaves behind', async () => {
    const out = await images.process(imageInput(apngFile(40, 40, frames), APNG), AUTO);
    expect([out.contentType, out.width, out.height]).toEqual(['image/gif', 40, 40]);
    expect(out.transformations).toEqual(['convert:apng->gif']);
    const meta = await sharp(out.bytes, { animated: true }).metadata();
    expect([meta.pages, meta.delay, meta.loop]).toEqual([4, [100, 200, 300, 400], 0]);
    const [f0, f1, f2, f3] = await gifFrames(out.bytes);
    const opaque = (rgb: number[]) => [...rgb, 255];
    expect(f0).toEqual({ tl: opaque([255, 0, 0]), tr: opaque([255, 0, 0]), bl: opaque([255, 0, 0]), br: opaque([255, 0, 0]) });
    expect(near(f1!.tl, [127, 0, 128, 255], 6), `${f1!.tl}`).toBe(true); // half blue over red
    expect([f1!.tr, f2!.tl, f2!.br]).toEqual([opaque([255, 0, 0]), opaque([255, 0, 0]), opaque([0, 255, 0])]);
    expect([f3!.tl, f3!.bl, f3!.br[3]]).toEqual([opaque([255, 0, 0]), opaque([255, 255, 255]), 0]); // cleared: transparent
  });

  it('leaves out a default image that is not part of the animation', async () => {
    const out = await images.process(imageInput(apngFile(40, 40, frames, { hiddenDefault: true }), APNG), AUTO);
    const [f0] = await gifFrames(out.bytes);
    expect(f0!.tl).toEqual([255, 0, 0, 255]);
    expect((await sharp(out.bytes, { animated: true }).metadata()).pages).toBe(4);
  });

  it('counts every frame against the pixel limit', async () => {
    const r = await refusal(processor({ maxPixels: 100_000 }).process(imageInput(apngFile(200, 200, frames), APNG), AUTO));
    expect([r.code, r.message]).toEqual([
      'image_too_many_pixels',
      'The animation is 200×200 with 4 frames (0.2 megapixels in all); animations up to 0.1 megapixels across all frames are accepted. Send a smaller or shorter one.',
    ]);
  });

  it('over the budget, it is made smaller until it fits, down to 320 px, before colours and frames go', async () => {
    // Flat colours gain edges when scaled, so the first smaller size predicted from the full-size encode falls short.
    const flat: ApngFrameSpec[] = Array.from({ length: 12 }, (_, i) => ({
      x: (i * 37) % 400, y: (i * 53) % 400, width: 400, height: 400, rgba: [i * 20, 255 - i * 20, (i * 77) % 255, 255], dispose: 0, blend: 0, delayMs: 100,
    }));
    const out = await processor({ targetBytes: 6_000 }).process(imageInput(apngFile(800, 800, flat), APNG), AUTO);
    expect([out.contentType, out.width, out.height, out.bytes.length <= 6_000]).toEqual(['image/gif', 320, 320, true]);
    expect(out.transformations).toEqual(['convert:apng->gif', 'resize:800x800->320x320', 'dither:none', 'colors:16', 'frames:12->4']);
  });

  it('with optimize=off it is kept as sent: it is a PNG', async () => {
    const apng = apngFile(40, 40, frames);
    const out = await images.process(imageInput(apng, APNG), { optimize: 'off', keepMetadata: false });
    expect([out.contentType, Buffer.from(out.bytes).equals(apng)]).toEqual(['image/png', true]);
    expect(pngChunkTypes(out.bytes)).toContain('acTL');
  });
});
