import { Buffer } from 'node:buffer';
import { exifTiff, tiffOrientation } from './exif.js';
import { jpegExif, stripJpeg } from './jpeg-segments.js';
import { pngExif, stripPng } from './png-chunks.js';

/**
 * JPEG and PNG metadata (EXIF with GPS and camera tags, thumbnails, XMP, IPTC, comments, text chunks) cut out
 * without sharp and without re-encoding, for Workers: the orientation is read from the file's own EXIF and kept
 * as a one-tag EXIF, so the picture still shows upright. Nothing in this folder may import sharp.
 * Undefined when the file's structure cannot be walked (cut short, corrupt); a clean file comes back as it is.
 */
export function stripMetadata(bytes: Uint8Array, format: 'jpg' | 'png'): { bytes: Uint8Array; stripped: boolean } | undefined {
  const exif = format === 'jpg' ? jpegExif(bytes) : pngExif(bytes);
  const tiff = exif && exifTiff(exif);
  const orientation = tiff ? tiffOrientation(tiff) : 1;
  const out = format === 'jpg' ? stripJpeg(bytes, orientation) : stripPng(bytes, orientation);
  if (!out) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(out) ? { bytes, stripped: false } : { bytes: out, stripped: true };
}
