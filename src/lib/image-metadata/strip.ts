import { exifTiff, tiffOrientation } from './exif.js';
import { gifLayout } from './gif-blocks.js';
import { jpegExif, jpegLayout } from './jpeg-segments.js';
import { rebuild, type Layout, type MetadataKind, type Rewritten } from './layout.js';
import { pngExif, pngLayout } from './png-chunks.js';

/**
 * JPEG, PNG and GIF metadata (EXIF with GPS and camera tags, thumbnails, XMP, IPTC, comments, text and time
 * chunks, application data, bytes after the image's end) cut out without a decoder and without re-encoding, on
 * either runtime: the compressed pixels stay byte-identical, and a clean file comes back as it is. Nothing in this
 * folder may import sharp.
 */
export type ContainerFormat = 'jpg' | 'png' | 'gif';
export type { MetadataKind, Rewritten };

const LAYOUTS: Readonly<Record<ContainerFormat, (bytes: Uint8Array) => Layout | undefined>> = { jpg: jpegLayout, png: pngLayout, gif: gifLayout };

/**
 * The file without its metadata, or as it is with `keep`; either way, which kinds it holds. An EXIF orientation
 * (given, or read from the file's own EXIF) is kept as a one-tag EXIF, so the picture still shows upright.
 * Undefined when the file's structure cannot be walked (cut short, damaged): then its metadata cannot be found.
 */
export function stripMetadata(bytes: Uint8Array, format: ContainerFormat, o: { keep?: boolean; orientation?: number } = {}): Rewritten | undefined {
  const layout = LAYOUTS[format](bytes);
  if (!layout) return undefined;
  return rebuild(bytes, layout, { keep: o.keep ?? false, orientation: o.orientation ?? fileOrientation(bytes, format) });
}

/** The kinds of metadata in the file, or undefined when its structure cannot be walked. */
export function metadataIn(bytes: Uint8Array, format: ContainerFormat): MetadataKind[] | undefined {
  return stripMetadata(bytes, format, { keep: true, orientation: 1 })?.found;
}

function fileOrientation(bytes: Uint8Array, format: ContainerFormat): number {
  const exif = format === 'jpg' ? jpegExif(bytes) : format === 'png' ? pngExif(bytes) : undefined;
  const tiff = exif && exifTiff(exif);
  return tiff ? tiffOrientation(tiff) : 1;
}
