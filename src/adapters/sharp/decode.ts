import type { Sharp } from 'sharp';
import { isAppError } from '../../core/errors.js';
import { refuse } from '../../core/policy.js';
import { HeicDecodeError, type HeicDecoder } from './heic.js';
import type { Header } from './inspect.js';
import { untrusted, type SharpFactory } from './load.js';
import { iccpChunk, insertPngChunks } from '../../lib/image-metadata/png-chunks.js';

/** Decoded pixels, upright, sRGB, 8 bits per channel, already within the long-edge cap. */
export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

export interface Decoded {
  pixels: Pixels;
  /** Turned upright (EXIF orientation, or the HEIF's own irot/imir). */
  oriented: boolean;
  /** Converted from another colour profile, or CMYK, to sRGB. */
  colourConverted: boolean;
}

export interface DecodeContext {
  sharp: SharpFactory;
  heic: HeicDecoder;
  maxDimension: number;
  maxPixels: number;
}

/**
 * Decodes a still image once, straight to the size it will be sent at: libvips shrinks JPEG and WebP while
 * decoding (shrink-on-load), so a 12 MP photo never exists at full size in memory when it need not. Every
 * encode in the fit search then starts from these pixels instead of decoding again.
 */
export async function decodeStill(bytes: Uint8Array, header: Header, ctx: DecodeContext): Promise<Decoded> {
  // sharp works out the size from the (turned) image itself, so no header can make it stretch a picture.
  const resize = (img: Sharp) => img.resize({ width: ctx.maxDimension, height: ctx.maxDimension, fit: 'inside', withoutEnlargement: true });
  let pixels: Pixels;
  try {
    pixels = header.hevc
      ? await fromHeic(bytes, header, ctx, resize)
      : await toPixels(resize(ctx.sharp(bytes, untrusted(ctx.maxPixels, { autoOrient: true }))).toColourspace('srgb'));
  } catch (err) {
    if (isAppError(err)) throw err;
    throw refuse.unreadable(header.format, err);
  }
  return { pixels: await dropUnusedAlpha(ctx.sharp, pixels), oriented: header.orientation > 1 || header.heifTransform, colourConverted: header.needsColourConversion };
}

async function fromHeic(bytes: Uint8Array, header: Header, ctx: DecodeContext, resize: (img: Sharp) => Sharp): Promise<Pixels> {
  let rgba;
  try {
    rgba = await ctx.heic.decode(bytes);
  } catch (err) {
    if (err instanceof HeicDecodeError) throw refuse.unreadable(header.format, err);
    throw err;
  }
  let img = resize(ctx.sharp(Buffer.from(rgba.data.buffer, rgba.data.byteOffset, rgba.data.byteLength), { raw: { width: rgba.width, height: rgba.height, channels: 4 } }));
  if (!header.hasAlpha) img = img.removeAlpha();
  if (!header.needsColourConversion || !header.icc) return toPixels(img);
  // libheif hands back the numbers as stored (iPhones store Display P3). sharp takes no colour profile for raw
  // input, so the resized pixels are wrapped in a fast uncompressed PNG that carries the profile, and sharp
  // converts that to sRGB like any tagged image.
  const png = await img.png({ compressionLevel: 0, adaptiveFiltering: false }).toBuffer();
  return toPixels(ctx.sharp(insertPngChunks(png, [iccpChunk(header.icc)])).toColourspace('srgb'));
}

async function toPixels(img: Sharp): Promise<Pixels> {
  const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 && info.channels !== 4) throw new Error(`unexpected ${info.channels}-channel image`);
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** The largest size within `max` on the long edge, never larger than the original. */
export function fitWithin(width: number, height: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * An alpha channel that is fully opaque everywhere is dropped: then the picture may go as JPEG, which is far
 * smaller for photos. Transparency that is really used keeps the image PNG. libvips extracts the alpha channel
 * and drops it on its own threads; the check itself is a native comparison with an opaque block, so no pixel is
 * walked in JavaScript. (sharp's stats() would answer too, but it also computes entropy and sharpness: ~5× the
 * CPU of a plain scan.)
 */
export async function dropUnusedAlpha(sharp: SharpFactory, px: Pixels): Promise<Pixels> {
  if (px.channels !== 4) return px;
  const raw = { raw: { width: px.width, height: px.height, channels: px.channels } };
  const alpha = await sharp(px.data, raw).extractChannel(3).raw().toBuffer();
  return isOpaque(alpha) ? toPixels(sharp(px.data, raw).removeAlpha()) : px;
}

const OPAQUE = Buffer.alloc(64 * 1024, 255);

/** Every byte 255, compared a block at a time (memcmp). */
function isOpaque(alpha: Buffer): boolean {
  for (let at = 0; at < alpha.length; at += OPAQUE.length) {
    const part = alpha.subarray(at, at + OPAQUE.length);
    if (!part.equals(OPAQUE.subarray(0, part.length))) return false;
  }
  return true;
}
