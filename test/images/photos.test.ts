import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessedImage } from '../../src/core/ports.js';
import { AUTO, JPG, SAFE, cleanJpeg, imageInput, near, orientedCard, phoneJpeg, processor, quadrantColours, QUADRANTS, regionColour, GPS_EXIF } from './fixtures.js';

/** Phone photos: turned upright, location removed, fitted under the budget; clean small JPEGs left alone. */
const images = processor();
afterAll(() => images.close());

describe('a 12 MP phone photo with EXIF orientation 6 and GPS', () => {
  let input: Buffer;
  let out: ProcessedImage;
  let stats: { encodes: number; probes: number } | undefined;
  beforeAll(async () => {
    input = await phoneJpeg();
    const observed = processor({ observe: (s) => (stats = s) });
    out = await observed.process(imageInput(input, JPG), AUTO);
  }, 60_000);

  it('becomes a JPEG within the 600 KB budget, using at least half of it, in one full encode', () => {
    expect(out.contentType).toBe('image/jpeg');
    expect(out.bytes.length).toBeLessThanOrEqual(SAFE);
    expect(out.bytes.length).toBeGreaterThanOrEqual(SAFE / 2);
    expect(stats!.encodes).toBe(1);
    expect(stats!.probes).toBeGreaterThanOrEqual(1);
    expect(stats!.probes).toBeLessThanOrEqual(3);
  });

  it('is upright: portrait, long edge capped at 2048, the red corner at the top right', async () => {
    const m = await sharp(out.bytes).metadata();
    expect([m.width, m.height]).toEqual([1536, 2048]);
    expect([out.width, out.height]).toEqual([1536, 2048]);
    expect(out.original).toEqual({ width: 3024, height: 4032 });
    expect(m.orientation ?? 1).toBe(1);
    expect(near(await regionColour(out.bytes, 0.97, 0.03), [230, 20, 20])).toBe(true);
    expect(near(await regionColour(out.bytes, 0.03, 0.03), [230, 20, 20])).toBe(false);
  });

  it('carries no location, camera or other metadata', async () => {
    const m = await sharp(out.bytes).metadata();
    expect(m.exif).toBeUndefined();
    expect(m.xmp).toBeUndefined();
    expect(m.iptc).toBeUndefined();
    expect(Buffer.from(out.bytes).includes('iPhone')).toBe(false);
    expect(Buffer.from(out.bytes).includes('Apple')).toBe(false);
  });

  it('says what was done', () => {
    expect(out.transformations.slice(0, 3)).toEqual(['auto_orient', 'strip_metadata', 'resize:3024x4032->1536x2048']);
    expect(out.transformations[3]).toMatch(/^quality:\d+$/);
  });
});

describe('EXIF orientations', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('orientation %i comes out upright', async (orientation) => {
    const out = await images.process(imageInput(await orientedCard(orientation), JPG), AUTO);
    const m = await sharp(out.bytes).metadata();
    expect([m.width, m.height]).toEqual([64, 48]);
    expect(m.orientation ?? 1).toBe(1);
    const seen = await quadrantColours(out.bytes);
    for (const q of ['tl', 'tr', 'bl', 'br'] as const) expect(near(seen[q], QUADRANTS[q]), `${q}: ${seen[q]}`).toBe(true);
    expect(out.transformations.includes('auto_orient')).toBe(orientation !== 1);
  });
});

describe('optimize modes', () => {
  it('auto leaves a small clean JPEG byte-identical', async () => {
    const input = await cleanJpeg();
    const out = await images.process(imageInput(input, JPG), AUTO);
    expect(Buffer.from(out.bytes).equals(input)).toBe(true);
    expect(out.transformations).toEqual([]);
    expect([out.width, out.height]).toEqual([640, 480]);
  });

  it('always re-encodes even a clean one', async () => {
    const input = await cleanJpeg();
    const out = await images.process(imageInput(input, JPG), { optimize: 'always', keepMetadata: false });
    expect(Buffer.from(out.bytes).equals(input)).toBe(false);
    expect(out.transformations).toEqual(['quality:85']);
  });

  it('off keeps the bytes of a clean JPEG', async () => {
    const input = await cleanJpeg();
    const out = await images.process(imageInput(input, JPG), { optimize: 'off', keepMetadata: false });
    expect(Buffer.from(out.bytes).equals(input)).toBe(true);
  });

  it('off still removes the location, without re-encoding the picture', async () => {
    const input = await sharp(await cleanJpeg()).withExif(GPS_EXIF).withMetadata({ orientation: 3 }).jpeg({ quality: 80 }).toBuffer();
    const out = await images.process(imageInput(input, JPG), { optimize: 'off', keepMetadata: false });
    expect(Buffer.from(out.bytes).includes('iPhone')).toBe(false);
    expect(out.transformations).toEqual(['strip_metadata']);
    const [a, b] = await Promise.all([sharp(input).raw().toBuffer(), sharp(out.bytes).raw().toBuffer()]); // both turned by their EXIF
    expect(a.equals(b)).toBe(true);
  });

  it('keep_metadata keeps GPS and camera tags, and the picture is still upright', async () => {
    const input = await sharp(await orientedCard(6)).withExif(GPS_EXIF).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const out = await images.process(imageInput(input, JPG), { optimize: 'auto', keepMetadata: true });
    const m = await sharp(out.bytes).metadata();
    expect(Buffer.from(out.bytes).includes('iPhone')).toBe(true);
    expect(m.orientation ?? 1).toBe(1);
    expect([m.width, m.height]).toEqual([64, 48]);
    expect(near((await quadrantColours(out.bytes)).tl, QUADRANTS.tl)).toBe(true);
    expect(out.transformations).not.toContain('strip_metadata');
  });

  it('auto converts a Display P3 JPEG to sRGB', async () => {
    // sRGB (200,120,40) stored as P3 numbers with a P3 profile: converted back, the numbers return.
    const flat = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 120, b: 40 } } }).raw().toBuffer();
    const p3 = await sharp(flat, { raw: { width: 64, height: 64, channels: 3 } }).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    const out = await images.process(imageInput(p3, JPG), AUTO);
    expect(out.transformations).toContain('convert_colour:srgb');
    expect((await sharp(out.bytes).metadata()).icc).toBeUndefined();
    expect(near(await regionColour(out.bytes, 0.5, 0.5), [200, 120, 40], 6)).toBe(true);
  });
});
