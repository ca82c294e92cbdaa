/**
 * The image formats the image adapters read, and what they are called: runtime-neutral, so the Workers
 * adapter (src/adapters/cf-images.ts) shares it with the sharp one without loading sharp.
 */

/** The image formats read for conversion, named as file-type names them (plus 'heif', which some tools report). */
export type SourceFormat = 'jpg' | 'png' | 'gif' | 'webp' | 'avif' | 'heic' | 'heif' | 'tif' | 'bmp';

/** How messages name each format. */
export const FORMAT_LABELS: Readonly<Record<SourceFormat, string>> = {
  jpg: 'JPEG',
  png: 'PNG',
  gif: 'GIF',
  webp: 'WebP',
  avif: 'AVIF',
  heic: 'HEIC',
  heif: 'HEIF',
  tif: 'TIFF',
  bmp: 'BMP',
};

/** Other names file-type (or a caller) may give the same formats. */
const ALIASES: Readonly<Record<string, SourceFormat>> = { jpeg: 'jpg', tiff: 'tif' };

/** The source format an extension names, or undefined for anything not read. */
export function asSourceFormat(ext: string): SourceFormat | undefined {
  const name = ext.toLowerCase();
  if (Object.hasOwn(FORMAT_LABELS, name)) return name as SourceFormat;
  return Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
}

/** Output names in `transformations`, as the issue writes them ("convert:heic->jpeg"). */
const NAMES: Readonly<Record<string, string>> = { jpg: 'jpeg', tif: 'tiff' };
export const transformName = (format: string): string => (Object.hasOwn(NAMES, format) ? NAMES[format]! : format);
