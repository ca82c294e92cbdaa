import { MIN_SIDE, scaleToFit, searchQuality } from '../core/fit-bytes.js';
import {
  DAMAGED_STEP,
  asSourceFormat,
  assertSendableAsIs,
  deliveryFormat,
  isCarrierFormat,
  mediaTypeForExtension,
  metadataSteps,
  recompressStep,
  refuse,
  reworkDamaged,
  reworkNeeded,
  transformName,
  type CarrierFormat,
  type Rework,
  type SourceFormat,
} from '../core/policy.js';
import type { ImageInput, ImageOptions, ImageProcessor, ProcessedImage } from '../core/ports.js';
import { readAll } from '../core/streams.js';
import { gifDataProblem } from '../lib/image-metadata/gif-lzw.js';
import { metadataIn, stripMetadata } from '../lib/image-metadata/strip.js';
import { pngChunks } from '../lib/png.js';
import { readApng, withoutAnimation } from '../lib/png-animation.js';
import { readableImage, type ImageSource } from './image-source.js';

/**
 * Images on Workers, where sharp cannot run. Without a decoder this reads only an image's format, size and header
 * (its variant, see image-source.ts: refused by name when it is one no decoder reads, a JPEG-coded HEIF taken as the
 * JPEG inside it, an APNG as its default image), and asks the policy (src/core/policy/images.ts) what to do: an image that may pass goes with its pictures untouched
 * (JPEG, PNG and GIF metadata, GPS included, cut out without re-encoding unless it is to be kept); one that needs work
 * goes to the Cloudflare Images binding when one is configured (IMAGES), fitted to the budget with the core
 * quality search; without it, it is refused with 422 `image_processing_unavailable`, saying which deployment can
 * handle it. Nothing over the budget is stored unless the caller asked for the file as it is (optimize=off).
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
  /** The delivery budget (Limits.budgetBytes). */
  targetBytes: number;
  maxDimension: number;
  maxPixels: number;
}

/** What Cloudflare Images reads (SVG aside, which is never accepted). */
const BINDING_FORMATS: ReadonlySet<SourceFormat> = new Set(['jpg', 'png', 'gif', 'webp', 'heic']);
const CF_MAX_PIXELS = 100_000_000; // Cloudflare Images' own limit on the input's area
const MAX_ENCODES = 6; // each is a call to the Images service

export class WorkerImages implements ImageProcessor {
  constructor(private readonly options: WorkerImagesOptions) {}

  accepts(detected: { ext: string }): boolean {
    // What sharp reads (a Node deployment converts them); taken here too, so the refusal can say so.
    return asSourceFormat(detected.ext) !== undefined;
  }

  /** Whether hosting can fix an image of this type (convert it, fit it): only with the binding, for what it reads. */
  canFix(detected: { ext: string }): boolean {
    const format = asSourceFormat(detected.ext);
    return this.options.binding !== undefined && format !== undefined && BINDING_FORMATS.has(format);
  }

  async process(input: ImageInput, options: ImageOptions): Promise<ProcessedImage> {
    const uploaded = asSourceFormat(input.detected.ext);
    if (!uploaded) throw refuse.unsupportedType(input.detected); // not reached: the service asks accepts() first
    if (options.optimize === 'off') assertSendableAsIs(uploaded, input.size);
    const { bytes, format, steps } = source(input.read(), uploaded, options);
    const { targetBytes, binding } = this.options;
    let why = options.optimize === 'off' ? undefined : reworkNeeded({ format, size: bytes.length }, options, targetBytes);
    const done = (out: ProcessedImage): ProcessedImage => ({ ...out, transformations: [...steps, ...out.transformations] });
    if (!why) {
      const sent = asSent(bytes, format, options);
      if ('image' in sent) return done(sent.image);
      why = sent.rework;
    }
    if (!binding) throw refuse.noImageProcessing(why, { format, size: bytes.length }, targetBytes);
    if (!BINDING_FORMATS.has(format)) throw refuse.imagesServiceCannotRead(why, { format, size: bytes.length }, targetBytes);
    const image = await new BindingFit(binding, this.options).run(bytes, format);
    if (why === 'damaged') image.transformations.unshift(DAMAGED_STEP);
    return done(image);
  }
}

/**
 * The upload with its variant checked (a JPEG-coded HEIF is the JPEG inside it, see image-source.ts). Nothing here
 * composes an APNG's frames into a GIF, so an animated PNG goes as its default image — the picture every PNG
 * decoder shows — and says so; with optimize=off it goes as sent.
 */
function source(bytes: Uint8Array, format: SourceFormat, options: ImageOptions): ImageSource {
  const checked = readableImage(bytes, format, options.keepMetadata);
  const apng = options.optimize !== 'off' && checked.format === 'png' ? readApng(checked.bytes) : undefined;
  if (!apng) return checked;
  return { ...checked, bytes: withoutAnimation(checked.bytes), steps: [...checked.steps, `frames:${apng.frames.length}->1`] };
}

/**
 * optimize=off, or nothing to do: the bytes as they came, if the endpoint takes them as they are — minus their
 * metadata unless it is to be kept (the compressed pixels stay byte-identical; a clean file is unchanged). Without
 * a decoder only a GIF's data can be checked here (its colour indexes, in JavaScript): a damaged one is re-encoded.
 */
function asSent(bytes: Uint8Array, source: SourceFormat, options: ImageOptions): { image: ProcessedImage } | { rework: Rework } {
  const format = assertSendableAsIs(source, bytes.length);
  const type = mediaTypeForExtension(format)!;
  // Without a walkable structure the metadata cannot be found, so it could not be kept from leaving: refused.
  const sent = stripMetadata(bytes, format, { keep: options.keepMetadata });
  if (!sent) throw refuse.unreadable(format);
  const problem = format === 'gif' ? gifDataProblem(sent.bytes) : undefined;
  if (problem) return { rework: reworkDamaged(format, options.optimize, problem) };
  const transformations = metadataSteps({ removed: sent.removed, kept: options.keepMetadata ? sent.found : [] });
  return { image: { extension: type.extension, contentType: type.contentType, original: {}, bytes: sent.bytes, transformations } };
}

interface Fit {
  bytes: Uint8Array;
  width: number;
  quality?: number;
}

/**
 * Fits an image under the budget with the Images binding in a few encodes: JPEG for photos through the core
 * quality search (quality first, then size); PNG kept for transparency and GIF for GIFs (animation preserved),
 * those two made smaller by the area the overshoot says. The binding is the encoder; it keeps the aspect ratio.
 */
class BindingFit {
  constructor(
    private readonly binding: ImagesBindingLike,
    private readonly o: WorkerImagesOptions,
  ) {}

  async run(bytes: Uint8Array, format: SourceFormat): Promise<ProcessedImage> {
    const info = await this.info(bytes, format);
    const original = { width: info.width, height: info.height };
    const limit = Math.min(this.o.maxPixels, CF_MAX_PIXELS);
    if (info.width * info.height > limit) throw refuse.tooManyPixels(info.width, info.height, 1, limit);
    const out = deliveryFormat({ format, transparent: format === 'png' && pngHasAlpha(bytes) });
    const scale = Math.min(1, this.o.maxDimension / info.width, this.o.maxDimension / info.height);
    const start = { width: Math.max(1, Math.round(info.width * scale)), height: Math.max(1, Math.round(info.height * scale)) };
    const fit = out === 'jpg' ? await this.fitJpeg(bytes, start) : await this.fitBySize(bytes, out, start);
    const type = mediaTypeForExtension(out)!;
    const result = await this.binding.info(stream(fit.bytes)).catch(() => undefined);
    const width = result?.width ?? fit.width;
    const height = result?.height ?? Math.round((info.height * fit.width) / info.width);
    const converted = transformName(format) === transformName(out) ? [] : [`convert:${transformName(format)}->${transformName(out)}`];
    const resized = width === info.width && height === info.height ? [] : [`resize:${info.width}x${info.height}->${width}x${height}`];
    const encoded = [...converted, ...resized, ...(fit.quality !== undefined ? [`quality:${fit.quality}`] : [])];
    // The binding keeps no metadata but a copyright notice; what the container held is named as removed.
    const found = (isCarrierFormat(format) && metadataIn(bytes, format)) || [];
    return {
      bytes: fit.bytes,
      extension: type.extension,
      contentType: type.contentType,
      width,
      height,
      original,
      transformations: [...metadataSteps({ removed: found, kept: [] }), ...(encoded.length > 0 ? encoded : [recompressStep(out)])],
    };
  }

  private async info(bytes: Uint8Array, format: SourceFormat): Promise<{ width: number; height: number }> {
    let info: Awaited<ReturnType<ImagesBindingLike['info']>>;
    try {
      info = await this.binding.info(stream(bytes));
    } catch (cause) {
      throw refuse.unreadable(format, cause);
    }
    if (!info.width || !info.height) throw refuse.noDimensions(format);
    return { width: info.width, height: info.height };
  }

  private async fitJpeg(bytes: Uint8Array, start: { width: number; height: number }): Promise<Fit> {
    const { best } = await searchQuality({
      target: this.o.targetBytes,
      ...start,
      maxEncodes: MAX_ENCODES,
      encode: (quality, width) => this.encode(bytes, 'jpg', width, quality),
    });
    if (!best) throw refuse.photoDoesNotFit(this.o.targetBytes);
    return best;
  }

  /** PNG and GIF have no quality dial here: each try is smaller by the area the last one overshot by. */
  private async fitBySize(bytes: Uint8Array, out: 'png' | 'gif', start: { width: number; height: number }): Promise<Fit> {
    const target = this.o.targetBytes;
    let { width, height } = start;
    let last = { width, size: 0 };
    for (let encodes = 0; encodes < MAX_ENCODES && width >= Math.min(MIN_SIDE, start.width); encodes++) {
      const encoded = await this.encode(bytes, out, width);
      if (encoded.length <= target) return { bytes: encoded, width };
      last = { width, size: encoded.length };
      ({ width, height } = scaleToFit(width, height, encoded.length, target));
    }
    const tried = `${last.width} px wide`;
    throw out === 'png' ? refuse.transparentDoesNotFit(tried, last.size, target) : refuse.animationDoesNotFit(tried, last.size, target);
  }

  private async encode(bytes: Uint8Array, out: CarrierFormat, width: number, quality?: number): Promise<Uint8Array> {
    const format = out === 'jpg' ? 'image/jpeg' : out === 'png' ? 'image/png' : 'image/gif';
    try {
      const result = await this.binding
        .input(stream(bytes))
        .transform({ width, fit: 'scale-down' })
        .output({ format, ...(quality !== undefined && { quality }), ...(out === 'jpg' && { background: '#ffffff' }), ...(out === 'gif' && { anim: true }) });
      return await readAll(result.image());
    } catch (cause) {
      throw refuse.imagesServiceFailed(cause);
    }
  }
}

/** PNG colour types 4 and 6 carry alpha; a tRNS chunk (before the pixel data) gives the others transparency. */
function pngHasAlpha(bytes: Uint8Array): boolean {
  const colourType = bytes[25];
  if (colourType === 4 || colourType === 6) return true;
  return pngChunks(bytes)?.find((c) => c.type === 'tRNS' || c.type === 'IDAT' || c.type === 'IEND')?.type === 'tRNS';
}

function stream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}
