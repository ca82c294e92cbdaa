import { AppError, formatBytes } from '../../core/errors.js';
import { FORMAT_LABELS, type SourceFormat } from '../../core/image-formats.js';

export { asSourceFormat, type SourceFormat } from '../../core/image-formats.js';

/** What sharp's header reader must call each one, so bytes are decoded as the type they were let in as. */
export const SHARP_FORMATS: Record<SourceFormat, readonly string[]> = {
  jpg: ['jpeg'],
  png: ['png'],
  gif: ['gif'],
  webp: ['webp'],
  avif: ['heif'],
  heic: ['heif'],
  heif: ['heif'],
  tif: ['tiff'],
  bmp: [], // libvips in sharp's prebuilt binaries has no BMP loader: bmp.ts reads it
};

/** The formats every carrier takes: anything else is converted. */
export const isCarrierFormat = (f: SourceFormat): f is 'jpg' | 'png' | 'gif' => f === 'jpg' || f === 'png' || f === 'gif';

export const label = (f: SourceFormat | 'jpeg'): string => (f === 'jpeg' ? 'JPEG' : FORMAT_LABELS[f]);

const mp = (pixels: number) => `${Math.round(pixels / 100_000) / 10} megapixels`;

/** Every refusal this adapter makes: stable codes, and sentences that say what to do. */
export const refuse = {
  tooLarge: (size: number, limit: number, what: string) =>
    new AppError(413, 'file_too_large', `The image is ${formatBytes(size)}; ${what} is ${formatBytes(limit)}. Send a smaller image.`),
  tooLargeAsIs: (size: number, limit: number, format: SourceFormat) =>
    new AppError(
      413,
      'file_too_large',
      `The image is ${formatBytes(size)}; with optimize=off it is sent exactly as it is, and the send endpoint takes ${label(format)} files up to ${formatBytes(limit)}. Send it with optimize=auto to have it made smaller.`,
    ),
  tooManyPixels: (width: number, height: number, frames: number, limit: number) =>
    new AppError(
      422,
      'image_too_many_pixels',
      frames > 1
        ? `The animation is ${width}×${height} with ${frames} frames (${mp(width * height * frames)} in all); animations up to ${mp(limit)} across all frames are accepted. Send a smaller or shorter one.`
        : `The image is ${width}×${height} (${mp(width * height)}); images up to ${mp(limit)} are accepted. Resize it and send it again.`,
    ),
  unreadable: (format: SourceFormat, cause?: unknown) =>
    new AppError(
      422,
      'unreadable_image',
      `The ${label(format)} image could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.`,
      { cause },
    ),
  unsupportedVariant: (what: string) =>
    new AppError(422, 'unreadable_image', `This image uses ${what}, which cannot be read here. Save it as JPEG or PNG and send it again.`),
  notCarrierFormat: (format: SourceFormat) =>
    new AppError(
      415,
      'unsupported_media_type',
      `With optimize=off the file is kept exactly as sent, but carriers do not accept ${label(format)} images. Send it with optimize=auto to have it converted, or send a JPEG, PNG or GIF.`,
    ),
  doesNotFit: (why: string) => new AppError(422, 'image_does_not_fit', why),
  unsupported: (ext: string) =>
    new AppError(415, 'unsupported_media_type', `${ext} images are not accepted. Send JPEG, PNG, GIF, WebP, AVIF, HEIC, TIFF or BMP.`),
};
