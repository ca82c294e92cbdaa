/**
 * Test images, made with sharp at test time (plus one committed HEIC, see test/fixtures/README.md). The 12 MP
 * phone photo takes a few seconds to make, so it is kept in the temp folder between test files and runs.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeflate } from 'node:zlib';
import sharp from 'sharp';
import { SharpImages, type SharpImagesOptions } from '../../src/adapters/sharp/index.js';
import { chunk } from '../../src/lib/image-metadata/png-chunks.js';
import type { ImageInput, ImageOptions } from '../../src/core/ports.js';

export const SAFE = 600_000;
export const CACHE = join(tmpdir(), 'mms-media-image-fixtures-v1');
export const HEIC_FIXTURE = new URL('../fixtures/iphone-portrait.heic', import.meta.url);

export function processor(overrides: Partial<SharpImagesOptions> = {}): SharpImages {
  return new SharpImages({
    targetBytes: SAFE,
    maxDimension: 2048,
    maxPixels: 50_000_000,
    concurrency: 2,
    queueLimit: 8,
    ...overrides,
  });
}

export const AUTO: ImageOptions = { optimize: 'auto', keepMetadata: false };

/** What file-type would say for each fixture. */
export const JPG = { ext: 'jpg', mime: 'image/jpeg' };
export const PNG = { ext: 'png', mime: 'image/png' };
export const GIF = { ext: 'gif', mime: 'image/gif' };
export const HEIC = { ext: 'heic', mime: 'image/heic' };

/** An upload as the service hands it to the processor: its size, and its bytes when asked for. */
export function imageInput(bytes: Uint8Array, detected: ImageInput['detected']): ImageInput {
  return { size: bytes.length, read: () => bytes, detected };
}

export const GPS_EXIF = {
  IFD0: { Make: 'Apple', Model: 'iPhone 15 Pro' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 44/1 5432/100', GPSLongitudeRef: 'W', GPSLongitude: '73/1 59/1 1234/100' },
};

/**
 * A 12 MP phone photo as a phone stores it: landscape 4032×3024 pixels with EXIF Orientation 6 (turn 90°
 * clockwise to show), GPS and camera tags, and a red square in the stored top-left corner — which shows in the
 * top-right once upright. The texture is noise at a third of the resolution, upscaled: it compresses like a
 * detailed photo (~4 MB at quality 92).
 */
export async function phoneJpeg(): Promise<Buffer> {
  return cached('phone-12mp.jpg', async () => {
    const W = 4032, H = 3024;
    const { data, info } = await sharp({ create: { width: W / 3, height: H / 3, channels: 3, background: 'black', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .resize(W, H, { kernel: 'linear' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    paint(data, W, 0, 0, 400, 400, [230, 20, 20]);
    return sharp(data, { raw: info }).jpeg({ quality: 92 }).withExif(GPS_EXIF).withMetadata({ orientation: 6 }).toBuffer();
  });
}

/** A small JPEG with nothing to fix: no metadata, upright, well under any budget. */
export async function cleanJpeg(width = 640, height = 480): Promise<Buffer> {
  const { data, info } = await sharp({ create: { width: width / 4, height: height / 4, channels: 3, background: 'black', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
    .resize(width, height)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: info }).jpeg({ quality: 80 }).toBuffer();
}

/** The four quadrant colours of the upright test card, clockwise from top-left. */
export const QUADRANTS = { tl: [220, 30, 30], tr: [30, 200, 30], bl: [30, 30, 220], br: [230, 220, 40] } as const;

/** A 64×48 card with coloured quadrants, stored so that applying `orientation` shows it upright. */
export async function orientedCard(orientation: number): Promise<Buffer> {
  const W = 64, H = 48;
  const upright = (x: number, y: number) => QUADRANTS[`${y < H / 2 ? 't' : 'b'}${x < W / 2 ? 'l' : 'r'}` as keyof typeof QUADRANTS];
  const [sw, sh] = orientation >= 5 ? [H, W] : [W, H];
  const stored = Buffer.alloc(sw * sh * 3);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      // Where stored pixel (x, y) lands on screen, per the EXIF definition of each orientation.
      const [X, Y] = [
        [x, y], [x, y], [sw - 1 - x, y], [sw - 1 - x, sh - 1 - y], [x, sh - 1 - y],
        [y, x], [sh - 1 - y, x], [sh - 1 - y, sw - 1 - x], [y, sw - 1 - x],
      ][orientation]!;
      stored.set(upright(X!, Y!), (y * sw + x) * 3);
    }
  }
  return sharp(stored, { raw: { width: sw, height: sh, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation }).toBuffer();
}

/** The colour at the centre of each quadrant of a decoded image. */
export async function quadrantColours(image: Uint8Array): Promise<Record<keyof typeof QUADRANTS, number[]>> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (fx: number, fy: number) => {
    const o = (Math.floor(info.height * fy) * info.width + Math.floor(info.width * fx)) * info.channels;
    return [data[o]!, data[o + 1]!, data[o + 2]!];
  };
  return { tl: at(0.25, 0.25), tr: at(0.75, 0.25), bl: at(0.25, 0.75), br: at(0.75, 0.75) };
}

export const near = (a: readonly number[], b: readonly number[], tolerance = 40) => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);

/** The mean colour of a square region of a decoded image (fractions of width and height). */
export async function regionColour(image: Uint8Array, fx: number, fy: number, size = 20): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const cx = Math.floor(info.width * fx), cy = Math.floor(info.height * fy);
  const sum = [0, 0, 0];
  for (let y = cy - size / 2; y < cy + size / 2; y++) {
    for (let x = cx - size / 2; x < cx + size / 2; x++) {
      const o = (y * info.width + x) * info.channels;
      for (let c = 0; c < 3; c++) sum[c]! += data[o + c]!;
    }
  }
  return sum.map((v) => Math.round(v / (size * size)));
}

/** A transparent PNG: a solid disc on a clear background, with a noisy, hard-to-compress disc when `noisy`. */
export async function transparentPng(size = 800, noisy = false): Promise<Buffer> {
  const rgba = Buffer.alloc(size * size * 4);
  const noise = noisy ? await sharp({ create: { width: size, height: size, channels: 3, background: 'black', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).raw().toBuffer() : undefined;
  const r = size * 0.4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if ((x - size / 2) ** 2 + (y - size / 2) ** 2 > r * r) continue;
      const o = (y * size + x) * 4;
      rgba.set(noise ? noise.subarray((y * size + x) * 3, (y * size + x) * 3 + 3) : [40, 120, 220], o);
      rgba[o + 3] = 255;
    }
  }
  return sharp(rgba, { raw: { width: size, height: size, channels: 4 } }).png().toBuffer();
}

/**
 * An opaque phone screenshot, 1290×2796: a social feed with three photos between rows of small "text" marks,
 * which makes a PNG of about 5.6 MB (its photos are noise, which compresses less than a real photo's detail).
 */
export async function screenshotPng(): Promise<Buffer> {
  return cached('screenshot-v2.png', async () => {
    const W = 1290, H = 2796;
    const px = Buffer.alloc(W * H * 3, 248);
    paint(px, W, 0, 0, W, 140, [30, 30, 36]);
    const photoW = W - 80, photoH = 560;
    const photo = await sharp({ create: { width: photoW / 5, height: photoH / 5, channels: 3, background: 'black', noise: { type: 'gaussian', mean: 128, sigma: 45 } } })
      .resize(photoW, photoH, { kernel: 'cubic' })
      .raw()
      .toBuffer();
    for (let card = 0; card < 3; card++) {
      const top = 180 + card * 870;
      for (let y = 0; y < photoH; y++) photo.copy(px, ((top + y) * W + 40) * 3, y * photoW * 3, (y + 1) * photoW * 3);
      for (let line = 0; line < 6; line++) {
        for (let ch = 0; ch < 38; ch++) {
          const w = 8 + ((card * 7 + line * 13 + ch * 29) % 14);
          paint(px, W, 60 + ch * 31, top + photoH + 40 + line * 40, w, 22, [40, 40, 48]);
        }
      }
    }
    return sharp(px, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  });
}

/** An animated GIF: a ball crossing a textured background, `frames` frames of `width`×`height`. */
export async function animatedGif(frames = 16, width = 320, height = 240): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4 * frames);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = ((f * height + y) * width + x) * 4;
        const ball = (x - ((f * width) / frames + 20)) ** 2 + (y - height / 2) ** 2 < 30 ** 2;
        data[o] = ball ? 250 : (x * 3 + f * 5) & 255;
        data[o + 1] = ball ? 40 : (y * 2 + ((x * y) & 31)) & 255;
        data[o + 2] = ball ? 40 : (128 + 100 * Math.sin(x / 9 + f / 3)) & 255;
        data[o + 3] = 255;
      }
    }
  }
  return sharp(data, { raw: { width, height: height * frames, channels: 4, pageHeight: height } })
    .gif({ delay: Array.from({ length: frames }, () => 100), loop: 0, effort: 1 })
    .toBuffer();
}

/**
 * A decompression bomb: a valid 30000×30000 one-colour PNG (1-bit grey) of ~110 KB that would take 900 MB and
 * more once decoded. Deflated a row at a time, so making it costs no memory either.
 */
export async function pixelBombPng(side = 30_000): Promise<Buffer> {
  const row = Buffer.alloc(1 + Math.ceil(side / 8)); // filter byte + packed bits, all zero
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (c: Buffer) => parts.push(c));
  const ended = new Promise((resolve) => deflate.on('end', resolve));
  for (let y = 0; y < side; y++) if (!deflate.write(row)) await new Promise((r) => deflate.once('drain', r));
  deflate.end();
  await ended;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', Buffer.alloc(0))]);
}

/** The types of a PNG's chunks, in order. */
export function pngChunkTypes(png: Uint8Array): string[] {
  const b = Buffer.from(png.buffer, png.byteOffset, png.length);
  const types: string[] = [];
  for (let p = 8; p + 12 <= b.length; p += 12 + b.readUInt32BE(p)) types.push(b.toString('latin1', p + 4, p + 8));
  return types;
}

export async function heicFixture(): Promise<Buffer> {
  return readFile(HEIC_FIXTURE);
}

function paint(px: Buffer, width: number, left: number, top: number, w: number, h: number, rgb: readonly number[]): void {
  for (let y = top; y < top + h; y++) for (let x = left; x < left + w; x++) px.set(rgb, (y * width + x) * 3);
}

/** Made once, then read from the temp folder; written atomically so parallel test files never see half a file. */
async function cached(name: string, make: () => Promise<Buffer>): Promise<Buffer> {
  const path = join(CACHE, name);
  try {
    return await readFile(path);
  } catch {
    const bytes = await make();
    await mkdir(CACHE, { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, path);
    return bytes;
  }
}
