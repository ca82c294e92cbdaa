import { AppError, formatBytes } from '../core/errors.js';
import { FORMAT_LABELS, asSourceFormat, transformName } from '../core/image-formats.js';
import { MEDIA_TYPES, mediaTypeForExtension } from '../core/policy.js';
import type { ImageInput, ImageOptions, ImageProcessor, ProcessedImage } from '../core/ports.js';
import { readAll } from '../core/streams.js';
import { stripMetadata } from '../lib/image-metadata/strip.js';

/**
 * Images on Workers, where sharp cannot run. Images already deliverable (JPEG, PNG or GIF within the delivery
 * budget) pass with their pictures untouched; JPEG and PNG lose their metadata (GPS included) unless it is to be
 * kept, cut out without re-encoding. Images that need work (another format, over the budget, or optimize=always)
 * go to the Cloudflare Images binding when one is configured (IMAGES); without it they are refused with 422
 * `image_processing_unavailable`, saying which deployment can handle them. Nothing over the budget is stored
 * unless the caller asked for the file as it is (optimize=off).
 */

/** The parts of the Images binding used here, so the file compiles without the Workers types. */
export interface ImagesBindingLike {
  info(stream: ReadableStream<Uint8Array>): Promise<{ format: string; fileSize?: number; width?: number; height?: number }>;
  input(stream: ReadableStream<Uint8Array>): ImageTransformerLike;
}
export interface ImageTransformerLike {
  transform(transform: { width?: number; fit?: 'scale-down' }): ImageTransformerLike;
  output(options: { format: 'image/jpeg' | 'image/png' | 'image/gif'; quality?: number; background?: string; anim?: boolean }): Promise<{
    image(): ReadableStream<Uint8Array>;
  }>;
}

export interface WorkerImagesOptions {
  /** The Cloudflare Images binding; absent, images that need work are refused. */
  binding?: ImagesBindingLike;
  targetBytes: number;
  maxDimension: number;
  /** With the binding: the largest upload taken before processing. Without it, the endpoint's own image limit. */
  maxInputBytes: number;
  maxPixels: number;
}

/** What Cloudflare Images reads (SVG aside, which is never accepted). */
const BINDING_FORMATS = new Set(['jpg', 'png', 'gif', 'webp', 'heic']);
const CARRIER = new Set(['jpg', 'png', 'gif']);
const ENDPOINT_IMAGE_LIMIT = Math.max(...MEDIA_TYPES.filter((t) => t.kind === 'image').map((t) => t.maxBytes));
const CF_MAX_PIXELS = 100_000_000; // Cloudflare Images' own limit on the input's area

/** The format's own name ('jpeg' → 'jpg'); anything not read keeps its (lower-case) extension. */
const formatOf = (ext: string) => asSourceFormat(ext) ?? ext.toLowerCase();
const labelOf = (format: string) => {
  const known = asSourceFormat(format);
  return known ? FORMAT_LABELS[known] : format;
};

export class WorkerImages implements ImageProcessor {
  readonly maxInputBytes: number;

  constructor(private readonly options: WorkerImagesOptions) {
    this.maxInputBytes = options.binding ? options.maxInputBytes : ENDPOINT_IMAGE_LIMIT;
  }

  accepts(detected: { ext: string }): boolean {
    // What sharp reads (a Node deployment converts them); taken here too, so the refusal can say so.
    return asSourceFormat(detected.ext) !== undefined;
  }

  /** Whether hosting can fix an image of this type (convert it, fit it): only with the binding, for what it reads. */
  canFix(detected: { ext: string }): boolean {
    return this.options.binding !== undefined && BINDING_FORMATS.has(formatOf(detected.ext));
  }

  async process(input: ImageInput, options: ImageOptions): Promise<ProcessedImage> {
    const format = formatOf(input.detected.ext);
    const { size } = input;
    const { targetBytes } = this.options;
    if (size > this.maxInputBytes) {
      throw new AppError(413, 'file_too_large', `The image is ${formatBytes(size)}; the limit for images before processing is ${formatBytes(this.maxInputBytes)}. Send a smaller image.`);
    }
    if (options.optimize === 'off') return asSent(input.read(), format, options.keepMetadata);
    if (options.optimize === 'auto' && CARRIER.has(format) && size <= targetBytes) return asSent(input.read(), format, options.keepMetadata);

    const why =
      options.optimize === 'always'
        ? 'optimize=always asks for the image to be re-encoded'
        : !CARRIER.has(format)
          ? `carriers do not accept ${labelOf(format)} images, so it must be converted to JPEG`
          : `the image is ${formatBytes(size)}, over the ${formatBytes(targetBytes)} delivery budget, so it must be made smaller`;
    const binding = this.options.binding;
    if (!binding) {
      throw new AppError(
        422,
        'image_processing_unavailable',
        `This image needs work (${why}), and this Cloudflare Workers deployment has no image processing: bind Cloudflare Images as IMAGES, or send it through a Node deployment of mms-media (it converts and shrinks images with sharp). A JPEG, PNG or GIF under ${formatBytes(targetBytes)} is stored as it is.`,
      );
    }
    if (!BINDING_FORMATS.has(format)) {
      throw new AppError(
        422,
        'image_processing_unavailable',
        `This image needs work (${why}), and Cloudflare Images cannot read ${labelOf(format)}: send it through a Node deployment of mms-media (it converts ${labelOf(format)} with sharp), or send a JPEG, PNG or GIF.`,
      );
    }
    return new BindingFit(binding, this.options).run(input.read(), format);
  }
}

/**
 * optimize=off, or already deliverable: the bytes as they came, if carriers take the format at all — minus JPEG
 * and PNG metadata unless it is to be kept (the compressed pixels stay byte-identical; a clean file is unchanged).
 */
function asSent(bytes: Uint8Array, format: string, keepMetadata: boolean): ProcessedImage {
  const type = CARRIER.has(format) ? mediaTypeForExtension(format) : undefined;
  if (!type) {
    throw new AppError(
      415,
      'unsupported_media_type',
      `With optimize=off the file is kept exactly as sent, but carriers do not accept ${labelOf(format)} images. Send it with optimize=auto to have it converted, or send a JPEG, PNG or GIF.`,
    );
  }
  if (bytes.length > type.maxBytes) {
    throw new AppError(413, 'file_too_large', `The image is ${formatBytes(bytes.length)}; with optimize=off it is sent as it is, and the send endpoint's limit for ${labelOf(format)} is ${formatBytes(type.maxBytes)}.`);
  }
  if (keepMetadata || (format !== 'jpg' && format !== 'png')) {
    return { bytes, extension: type.extension, contentType: type.contentType, original: {}, transformations: [] };
  }
  // Without a walkable structure the metadata cannot be found, so it could not be kept from leaving: refused.
  const kept = stripMetadata(bytes, format);
  if (!kept) {
    throw new AppError(422, 'unreadable_image', `The ${labelOf(format)} image could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.`);
  }
  return { bytes: kept.bytes, extension: type.extension, contentType: type.contentType, original: {}, transformations: kept.stripped ? ['strip_metadata'] : [] };
}

const START_QUALITY = 85;
const FLOOR_QUALITY = 55;
const RESTART_QUALITY = 72;
const GOAL = 0.93; // aim a little under the budget, so a small misprediction still fits
const DEFAULT_SLOPE = 0.03; // ~3% more bytes per quality step around q 60–85, measured on photos
const AREA_EXPONENT = 0.9; // bytes grow a little slower than pixel count
const MAX_ENCODES = 6; // each is a call to the Images service
const MIN_SIDE = 160;

interface Try {
  quality: number;
  width: number;
  size: number;
}

/**
 * Fits an image under the budget with the Images binding in a few encodes, imgproxy-style: each try predicts
 * the next quality from how far the last overshot; when even the floor quality would not fit (or quality
 * does not move the size), the picture is made smaller by the area the overshoot says. JPEG for photos, PNG
 * kept for transparency, GIF kept for GIFs (animation preserved); those two shrink by size alone.
 */
class BindingFit {
  constructor(
    private readonly binding: ImagesBindingLike,
    private readonly o: WorkerImagesOptions,
  ) {}

  async run(bytes: Uint8Array, format: string): Promise<ProcessedImage> {
    const info = await this.info(bytes, format);
    const original = { width: info.width, height: info.height };
    const limit = Math.min(this.o.maxPixels, CF_MAX_PIXELS);
    if (info.width * info.height > limit) {
      throw new AppError(422, 'image_too_many_pixels', `The image is ${info.width}×${info.height} (${mp(info.width * info.height)}); images up to ${mp(limit)} are accepted. Resize it and send it again.`);
    }
    const out: 'jpg' | 'png' | 'gif' = format === 'gif' ? 'gif' : format === 'png' && pngHasAlpha(bytes) ? 'png' : 'jpg';
    const startWidth = Math.max(1, Math.round(info.width * Math.min(1, this.o.maxDimension / info.width, this.o.maxDimension / info.height)));
    const fit = await this.search(bytes, out, startWidth);
    const type = mediaTypeForExtension(out)!;
    const result = await this.binding.info(stream(fit.bytes)).catch(() => undefined);
    const width = result?.width ?? fit.width;
    const height = result?.height ?? Math.round((info.height * fit.width) / info.width);
    const converted = transformName(format) === transformName(out) ? [] : [`convert:${transformName(format)}->${transformName(out)}`];
    const resized = width === info.width && height === info.height ? [] : [`resize:${info.width}x${info.height}->${width}x${height}`];
    return {
      bytes: fit.bytes,
      extension: type.extension,
      contentType: type.contentType,
      width,
      height,
      original,
      transformations: [...converted, ...resized, ...(fit.quality !== undefined ? [`quality:${fit.quality}`] : [])],
    };
  }

  private async info(bytes: Uint8Array, format: string): Promise<{ width: number; height: number }> {
    let info: Awaited<ReturnType<ImagesBindingLike['info']>>;
    try {
      info = await this.binding.info(stream(bytes));
    } catch (cause) {
      throw new AppError(422, 'unreadable_image', `The ${labelOf(format)} image could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.`, { cause });
    }
    if (!info.width || !info.height) throw new AppError(422, 'unreadable_image', `The ${labelOf(format)} image has no readable dimensions. Send the original file again.`);
    return { width: info.width, height: info.height };
  }

  private async search(bytes: Uint8Array, out: 'jpg' | 'png' | 'gif', startWidth: number): Promise<{ bytes: Uint8Array; width: number; quality?: number }> {
    const target = this.o.targetBytes;
    const lossy = out === 'jpg';
    let width = startWidth;
    let quality = START_QUALITY;
    let tries: Try[] = [];
    let last: Try | undefined;
    for (let encodes = 0; encodes < MAX_ENCODES && width >= Math.min(MIN_SIDE, startWidth); encodes++) {
      const encoded = await this.encode(bytes, out, width, lossy ? quality : undefined);
      if (encoded.length <= target) return { bytes: encoded, width, quality: lossy ? quality : undefined };
      last = { quality, width, size: encoded.length };
      tries.push(last);
      const goal = GOAL * target;
      const slope = lossy ? measuredSlope(tries) : 0;
      const next = lossy && slope > 0.001 ? Math.round(quality - Math.log(last.size / goal) / slope) : -1;
      if (next >= FLOOR_QUALITY && next < quality) {
        quality = next;
        continue;
      }
      // Quality cannot get there (or does not move the size): fewer pixels at a decent quality.
      const fromFloor = lossy && slope > 0.001 ? Math.exp(-slope * (quality - FLOOR_QUALITY)) : 1;
      const expected = last.size * Math.min(1, fromFloor);
      const area = Math.pow(goal / expected, 1 / AREA_EXPONENT);
      width = Math.floor(width * Math.min(0.9, Math.sqrt(area)));
      quality = lossy ? Math.max(FLOOR_QUALITY, Math.min(RESTART_QUALITY, quality)) : quality;
      tries = [];
    }
    throw new AppError(
      422,
      'image_does_not_fit',
      `This image could not be brought under the ${formatBytes(target)} budget${last ? ` (the last try, ${last.width} px wide, was ${formatBytes(last.size)})` : ''}. Send a smaller or simpler image.`,
    );
  }

  private async encode(bytes: Uint8Array, out: 'jpg' | 'png' | 'gif', width: number, quality?: number): Promise<Uint8Array> {
    const format = out === 'jpg' ? 'image/jpeg' : out === 'png' ? 'image/png' : 'image/gif';
    try {
      const result = await this.binding
        .input(stream(bytes))
        .transform({ width, fit: 'scale-down' })
        .output({ format, ...(quality !== undefined && { quality }), ...(out === 'jpg' && { background: '#ffffff' }), ...(out === 'gif' && { anim: true }) });
      return await readAll(result.image());
    } catch (cause) {
      throw new AppError(502, 'image_service_error', 'Cloudflare Images could not process this image just now; nothing was stored. Try again.', { cause });
    }
  }
}

/** The slope of log(size) against quality from the two latest tries at this width; the usual one until there are two. */
function measuredSlope(tries: Try[]): number {
  if (tries.length < 2) return DEFAULT_SLOPE;
  const [a, b] = tries.slice(-2) as [Try, Try];
  if (a.quality === b.quality) return DEFAULT_SLOPE;
  return Math.log(a.size / b.size) / (a.quality - b.quality);
}

/** PNG colour types 4 and 6 carry alpha; a tRNS chunk (before the pixel data) gives the others transparency. */
function pngHasAlpha(bytes: Uint8Array): boolean {
  const colourType = bytes[25];
  if (colourType === 4 || colourType === 6) return true;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  for (let at = 8; at + 8 <= bytes.length; at += 12 + view.getUint32(at)) {
    const name = type(at + 4);
    if (name === 'tRNS') return true;
    if (name === 'IDAT' || name === 'IEND') return false;
  }
  return false;
}

function stream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}

const mp = (pixels: number) => `${Math.round(pixels / 100_000) / 10} megapixels`;
