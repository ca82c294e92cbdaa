import { isAppError } from '../../core/errors.js';
import { formatToStrip, refuse, type CarrierFormat } from '../../core/policy.js';
import { gifIsComplete } from './gif.js';
import type { Header } from './inspect.js';
import { stripJpeg } from '../../lib/image-metadata/jpeg-segments.js';
import { untrusted, type SharpFactory } from './load.js';
import { pngIsComplete, stripPng } from '../../lib/image-metadata/png-chunks.js';

/**
 * Sending the upload's own bytes (optimize=off, or auto when nothing needs doing). Even then the file is decoded
 * once, small, to prove it whole: a truncated JPEG must be refused, not hosted for a carrier to choke on.
 */
export async function assertDecodable(sharp: SharpFactory, bytes: Uint8Array, header: Header, maxPixels: number): Promise<void> {
  if (header.format === 'gif' && !gifIsComplete(bytes)) throw refuse.unreadable('gif');
  if (header.format === 'png' && !pngIsComplete(bytes)) throw refuse.unreadable('png');
  try {
    // A small target lets libjpeg decode at 1/8 scale: every byte is still read, at a fraction of the cost.
    await sharp(bytes, untrusted(maxPixels, { animated: header.frames > 1 }))
      .resize({ width: 64, height: 64, fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (err) {
    throw isAppError(err) ? err : refuse.unreadable(header.format, err);
  }
}

/**
 * The bytes as sent, minus metadata unless it is to be kept: JPEG and PNG metadata lives in segments and chunks
 * apart from the compressed pixels, so it can be cut out without re-encoding (the pixels stay byte-identical;
 * an orientation is kept as a one-tag EXIF so the picture still shows upright).
 */
export function withoutMetadata(bytes: Uint8Array, header: Header & { format: CarrierFormat }, keepMetadata: boolean): { bytes: Uint8Array; stripped: boolean } {
  const format = formatToStrip(header.format, keepMetadata);
  if (header.metadata.length === 0 || !format) return { bytes, stripped: false };
  const stripped = format === 'jpg' ? stripJpeg(bytes, header.orientation) : stripPng(bytes, header.orientation);
  if (!stripped) throw refuse.unreadable(format);
  return { bytes: stripped, stripped: true };
}
