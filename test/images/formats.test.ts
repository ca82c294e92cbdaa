import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessedImage } from '../../src/core/ports.js';
import { AUTO, GIF, HEIC, PNG, SAFE, animatedGif, cleanJpeg, heicFixture, imageInput, near, processor, regionColour, screenshotPng, transparentPng } from './fixtures.js';
import { QUALITY } from './steps.js';

/** Formats carriers do not take are converted; carrier formats keep what matters (transparency, animation). */
const images = processor();
afterAll(() => images.close());

describe('an iPhone HEIC (HEVC, Display P3, stored sideways with irot, EXIF with GPS)', () => {
  let out: ProcessedImage;
  beforeAll(async () => {
    out = await images.process(imageInput(await heicFixture(), HEIC), AUTO);
  }, 60_000);

  it('becomes an upright sRGB JPEG within budget with no location', async () => {
    expect(out.contentType).toBe('image/jpeg');
    expect(out.bytes.length).toBeLessThanOrEqual(SAFE);
    const m = await sharp(out.bytes).metadata();
    expect([m.width, m.height]).toEqual([1080, 1440]);
    expect(m.exif).toBeUndefined();
    expect(m.icc).toBeUndefined();
    expect(Buffer.from(out.bytes).includes('iPhone')).toBe(false);
    expect(near(await regionColour(out.bytes, 0.04, 0.03), [230, 20, 20])).toBe(true); // red square top-left
    // The patch was stored as P3 (189,124,58): converted, it reads as sRGB (200,120,40).
    expect(near(await regionColour(out.bytes, 0.5, 0.5), [200, 120, 40], 8)).toBe(true);
    expect(out.transformations).toEqual(['auto_orient', 'strip_metadata', 'convert_colour:srgb', 'convert:heic->jpeg', QUALITY]);
  });

  it('is refused with optimize=off, since carriers do not take HEIC', async () => {
    const err = await images.process(imageInput(await heicFixture(), HEIC), { optimize: 'off', keepMetadata: false }).catch((e) => e);
    expect([err.status, err.code]).toEqual([415, 'unsupported_media_type']);
    expect(err.message).toBe(
      'With optimize=off the file is kept exactly as sent, but carriers do not accept HEIC images. Send it with optimize=auto to have it converted, or send a JPEG, PNG or GIF.',
    );
  });
});

describe('other formats', () => {
  it.each([
    ['webp', 'image/webp', (s: Sharp) => s.webp()],
    ['avif', 'image/avif', (s: Sharp) => s.avif({ effort: 0 })],
    ['tif', 'image/tiff', (s: Sharp) => s.tiff()],
  ])('%s becomes JPEG', async (ext, mime, encode) => {
    const bytes = await encode(sharp(await cleanJpeg(320, 240))).toBuffer();
    const out = await images.process(imageInput(bytes, { ext, mime }), AUTO);
    expect(out.contentType).toBe('image/jpeg');
    expect((await sharp(out.bytes).metadata()).format).toBe('jpeg');
    expect(out.transformations).toEqual([`convert:${ext === 'tif' ? 'tiff' : ext}->jpeg`, QUALITY]);
    expect([out.width, out.height]).toEqual([320, 240]);
    expect(out.original).toEqual({ width: 320, height: 240 });
  });

  it('a transparent WebP becomes PNG and keeps its transparency', async () => {
    const bytes = await sharp(await transparentPng(200)).webp({ lossless: true }).toBuffer();
    const out = await images.process(imageInput(bytes, { ext: 'webp', mime: 'image/webp' }), AUTO);
    expect(out.contentType).toBe('image/png');
    expect((await sharp(out.bytes).metadata()).hasAlpha).toBe(true);
    // A flat disc: 256 colours fit at full size.
    expect(out.transformations).toEqual(['convert:webp->png', 'palette:256']);
    expect([out.width, out.height]).toEqual([200, 200]);
  });
});

describe('PNG', () => {
  it('a transparent PNG over budget stays PNG, within budget, and keeps its transparency', async () => {
    const input = await transparentPng(700, true);
    // Over the budget as it is, but with room for its 256-colour version at full size (about 250 KB).
    const budget = 300_000;
    expect(input.length).toBeGreaterThan(budget);
    const out = await processor({ targetBytes: budget }).process(imageInput(input, PNG), AUTO);
    expect(out.contentType).toBe('image/png');
    expect(out.bytes.length).toBeLessThanOrEqual(budget);
    const { data, info } = await sharp(out.bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(data[3]).toBe(0); // top-left corner: clear
    expect(data[(Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * 4 + 3]).toBe(255); // centre: solid
    expect(out.transformations).toEqual(['palette:256']);
    expect([out.width, out.height]).toEqual([700, 700]);
  }, 30_000);

  it('a phone screenshot fits the budget at 2048 px and says how', async () => {
    const input = await screenshotPng();
    const out = await images.process(imageInput(input, PNG), { optimize: 'always', keepMetadata: false });
    expect(out.bytes.length).toBeLessThanOrEqual(SAFE);
    expect([out.width, out.height]).toEqual([945, 2048]);
    expect(out.original).toEqual({ width: 1290, height: 2796 });
    // Its photos make even a 256-colour PNG far too big (a third of the PNG's own size would be over the budget),
    // so, being opaque, it goes straight to JPEG.
    expect(out.contentType).toBe('image/jpeg');
    expect(out.transformations).toEqual(['convert:png->jpeg', 'resize:1290x2796->945x2048', QUALITY]);
  }, 30_000);

  it('an opaque photo saved as PNG becomes JPEG when that is the only way to fit', async () => {
    const photo = await sharp({ create: { width: 600, height: 450, channels: 3, background: 'black', noise: { type: 'gaussian', mean: 128, sigma: 50 } } }).png().toBuffer();
    const out = await processor({ targetBytes: 100_000 }).process(imageInput(photo, PNG), AUTO);
    expect(out.contentType).toBe('image/jpeg');
    expect(out.transformations).toEqual(['convert:png->jpeg', QUALITY]);
    expect([out.width, out.height]).toEqual([600, 450]);
    expect(out.bytes.length).toBeLessThanOrEqual(100_000);
  }, 30_000);
});

describe('animated GIF', () => {
  it('stays animated within the budget, shrinking what it must and saying so', async () => {
    const input = await animatedGif(8, 480, 270);
    const target = Math.floor(input.length / 3);
    const small = processor({ targetBytes: target });
    const out = await small.process(imageInput(input, GIF), AUTO);
    expect(out.contentType).toBe('image/gif');
    expect(out.bytes.length).toBeLessThanOrEqual(target);
    expect((await sharp(out.bytes).metadata()).pages).toBe(8);
    // Its own size says a third of the area would do, but 320 px is the smallest an animation is made: at that
    // size, 256 colours are still too many (about 285 KB for a budget of 196 KB), 16 fit.
    expect(out.transformations).toEqual(['resize:480x270->320x180', 'colors:16']);
    expect([out.width, out.height]).toEqual([320, 180]);
  }, 30_000);

  it('drops frames last, keeping the length of the animation', async () => {
    const input = await animatedGif(16, 320, 240);
    // 320 px is already the smallest an animation is made, so past colours only frames are left to lose.
    const small = processor({ targetBytes: 150_000 });
    const out = await small.process(imageInput(input, GIF), AUTO);
    const m = await sharp(out.bytes).metadata();
    expect(out.bytes.length).toBeLessThanOrEqual(150_000);
    expect(m.pages).toBeGreaterThan(1);
    expect(m.pages).toBeLessThan(16);
    expect(m.delay!.reduce((a, b) => a + b, 0)).toBe(1600);
    expect(out.transformations).toEqual(['colors:16', `frames:16->${m.pages}`]);
    expect([out.width, out.height]).toEqual([320, 240]);
  }, 30_000);

  it('an animated WebP becomes an animated GIF', async () => {
    const webp = await sharp(await animatedGif(6, 120, 90), { animated: true }).webp().toBuffer();
    const out = await images.process(imageInput(webp, { ext: 'webp', mime: 'image/webp' }), { optimize: 'always', keepMetadata: false });
    expect(out.contentType).toBe('image/gif');
    expect((await sharp(out.bytes).metadata()).pages).toBe(6);
    expect(out.transformations).toEqual(['convert:webp->gif']);
    expect([out.width, out.height]).toEqual([120, 90]);
  });
});
