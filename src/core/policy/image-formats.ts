/**
 * The image formats, and what they are called: which are read for conversion, which carriers take as they are,
 * how messages and `transformations` name them.
 */

/** The image formats read for conversion, named as file-type names them (plus 'heif', which some tools report). */
export type SourceFormat = 'jpg' | 'png' | 'gif' | 'webp' | 'avif' | 'heic' | 'heif' | 'tif';

/** The formats every carrier takes: anything else is converted. */
export type CarrierFormat = 'jpg' | 'png' | 'gif';

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
};

/**
 * Other names file-type (or a caller) may give the same formats. An APNG is a PNG (every PNG decoder shows its
 * default image); its animation is read from its chunks where it matters.
 */
const ALIASES: Readonly<Record<string, SourceFormat>> = { jpeg: 'jpg', tiff: 'tif', apng: 'png' };

/**
 * The source format an extension names, or undefined for an image that is not taken. BMP is not taken: phones
 * and cameras never make it, carriers do not accept it, and libvips as sharp ships it cannot read it.
 */
export function asSourceFormat(ext: string): SourceFormat | undefined {
  const name = ext.toLowerCase();
  if (Object.hasOwn(FORMAT_LABELS, name)) return name as SourceFormat;
  return Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
}

export const isCarrierFormat = (f: string): f is CarrierFormat => f === 'jpg' || f === 'png' || f === 'gif';

/** How a message names a format: its label when it is one we read, else its extension as given. */
export const formatLabel = (format: string): string => {
  const known = asSourceFormat(format);
  return known ? FORMAT_LABELS[known] : format;
};

/** Output names in `transformations`, as the issue writes them ("convert:heic->jpeg"). */
const NAMES: Readonly<Record<string, string>> = { jpg: 'jpeg', tif: 'tiff' };
export const transformName = (format: string): string => (Object.hasOwn(NAMES, format) ? NAMES[format]! : format);
