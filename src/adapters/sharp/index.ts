import { transformName } from '../../core/image-formats.js';
import { mediaTypeForExtension } from '../../core/policy.js';
import type { ImageInput, ImageOptions, ImageProcessor, ProcessedImage } from '../../core/ports.js';
import { decodeStill } from './decode.js';
import { uprightTiff, uprightXmp } from '../../lib/image-metadata/exif.js';
import { asSourceFormat, isCarrierFormat, refuse, type SourceFormat } from './formats.js';
import { fitAnimation } from './gif.js';
import { HeicDecoder } from './heic.js';
import { inspect, type Header } from './inspect.js';
import { Limiter } from './limiter.js';
import { loadSharp, type SharpFactory } from './load.js';
import { assertDecodable, withoutMetadata } from './passthrough.js';
import { fitStill } from './still.js';

export interface SharpImagesOptions {
  /** The delivery budget: what every image is fitted under (see targetBytesFor in src/core/policy.ts). */
  targetBytes: number;
  /** The long edge of anything re-encoded, in pixels; smaller images are never enlarged. */
  maxDimension: number;
  /** The largest upload taken before processing; larger ones are refused with 413. */
  maxInputBytes: number;
  /** Width × height (× frames) read from the header, refused with 422 before anything is decoded. */
  maxPixels: number;
  /** Images decoded at once; the number of cores is right (more only adds memory). */
  concurrency: number;
  /** Images that may wait for a turn; beyond that, 503 with Retry-After. */
  queueLimit: number;
  /** Called after each processed image: for metrics and the benchmark (how many encodes the fit took). */
  observe?: (stats: ImageStats) => void;
}

export interface ImageStats {
  format: string;
  output: string;
  encodes: number;
  bytes: number;
}

/**
 * Images made carrier-ready with sharp (libvips): upright, without metadata, sRGB, in a carrier format and
 * within the delivery budget, in as few encodes as it takes. Each image waits its turn in a bounded queue; when it
 * comes, the header is read first, and pixel bombs and unreadable files are refused before anything is decoded.
 */
export class SharpImages implements ImageProcessor {
  readonly maxInputBytes: number;
  private readonly limiter: Limiter;
  private readonly heic = new HeicDecoder();

  constructor(private readonly options: SharpImagesOptions) {
    this.maxInputBytes = options.maxInputBytes;
    this.limiter = new Limiter(options.concurrency, options.queueLimit);
  }

  accepts(detected: { ext: string; mime: string }): boolean {
    return asSourceFormat(detected.ext) !== undefined;
  }

  async process(input: ImageInput, options: ImageOptions): Promise<ProcessedImage> {
    const format = asSourceFormat(input.detected.ext);
    if (!format) throw refuse.unsupported(input.detected.ext); // not reached: the service asks accepts() first
    const { size } = input;
    if (size > this.maxInputBytes) throw refuse.tooLarge(size, this.maxInputBytes, 'the limit for images before processing');
    if (options.optimize === 'off') this.checkSendableAsIs(format, size);
    const sharp = await loadSharp();
    // The file is copied out of the service's pooled blocks once, when its turn comes, and its header is read from
    // that copy: a copy made before the wait, even for the header alone, would be garbage beside the blocks the
    // image waits in.
    return this.limiter.run(() => this.processNow(sharp, input.read(), format, options));
  }

  private async processNow(sharp: SharpFactory, bytes: Uint8Array, format: SourceFormat, options: ImageOptions): Promise<ProcessedImage> {
    const header = await inspect(sharp, bytes, format, this.options.maxPixels);
    const done = (out: ProcessedImage, encodes: number): ProcessedImage => {
      this.options.observe?.({ format, output: out.extension, encodes, bytes: out.bytes.length });
      return out;
    };
    if (options.optimize === 'off' || (options.optimize === 'auto' && this.isReady(header, bytes.length, options.keepMetadata))) {
      return done(await this.asSent(sharp, bytes, header, options.keepMetadata), 0);
    }
    const { image, encodes } = await this.reencode(sharp, bytes, header, options.keepMetadata);
    return done(image, encodes);
  }

  /** The decode queue now, for /metrics: images being decoded and images waiting for a slot. */
  stats(): { active: number; waiting: number } {
    return this.limiter.stats;
  }

  /** Ends the HEIC decoding workers (they also end themselves when idle). */
  close(): Promise<void> {
    return this.heic.close();
  }

  /** optimize=off sends the bytes as they are, so they must already be something carriers take. */
  private checkSendableAsIs(format: SourceFormat, size: number): void {
    if (!isCarrierFormat(format)) throw refuse.notCarrierFormat(format);
    const limit = mediaTypeForExtension(format)!.maxBytes;
    if (size > limit) throw refuse.tooLargeAsIs(size, limit, format);
  }

  /** The upload's own bytes, proven whole, minus metadata unless it is to be kept. */
  private async asSent(sharp: SharpFactory, bytes: Uint8Array, header: Header, keepMetadata: boolean): Promise<ProcessedImage> {
    await assertDecodable(sharp, bytes, header, this.options.maxPixels);
    const kept = withoutMetadata(bytes, header, keepMetadata);
    const type = mediaTypeForExtension(header.format)!;
    return {
      bytes: kept.bytes,
      extension: type.extension,
      contentType: type.contentType,
      width: header.width,
      height: header.height,
      original: { width: header.width, height: header.height },
      transformations: kept.stripped ? ['strip_metadata'] : [],
    };
  }

  /** auto: nothing to do when it is a carrier format within budget, upright, sRGB and (unless kept) free of metadata. */
  private isReady(h: Header, size: number, keepMetadata: boolean): boolean {
    return (
      isCarrierFormat(h.format) &&
      size <= this.options.targetBytes &&
      h.orientation === 1 &&
      !h.needsColourConversion &&
      (keepMetadata || h.metadata.length === 0)
    );
  }

  private async reencode(sharp: SharpFactory, bytes: Uint8Array, header: Header, keepMetadata: boolean): Promise<{ image: ProcessedImage; encodes: number }> {
    const { targetBytes: target, maxDimension, maxPixels } = this.options;
    const stripped = header.metadata.length > 0 && !keepMetadata ? ['strip_metadata'] : [];
    const original = { width: header.width, height: header.height };
    const resize = (w: number, h: number) => (w === header.width && h === header.height ? [] : [`resize:${header.width}x${header.height}->${w}x${h}`]);

    if (header.format === 'gif' || header.frames > 1) {
      const out = await fitAnimation(sharp, bytes, header, { target, maxDimension, maxPixels });
      const converted = header.format === 'gif' ? [] : [`convert:${transformName(header.format)}->gif`];
      const image = { bytes: out.bytes, extension: 'gif', contentType: 'image/gif', width: out.width, height: out.height, original };
      return { image: { ...image, transformations: [...stripped, ...converted, ...out.steps] }, encodes: out.encodes };
    }

    const decoded = await decodeStill(bytes, header, { sharp, heic: this.heic, maxDimension, maxPixels });
    const keep = keepMetadata ? { tiff: header.exif && uprightTiff(header.exif), xmp: header.xmp && uprightXmp(header.xmp) } : undefined;
    const out = await fitStill(sharp, decoded.pixels, {
      target,
      source: header.format,
      sourceBytes: bytes.length,
      sourcePixels: header.width * header.height,
      keep,
    });
    const converted = transformName(header.format) === transformName(out.extension) ? [] : [`convert:${transformName(header.format)}->${transformName(out.extension)}`];
    const type = mediaTypeForExtension(out.extension)!;
    const image: ProcessedImage = {
      bytes: out.bytes,
      extension: type.extension,
      contentType: type.contentType,
      width: out.width,
      height: out.height,
      original,
      transformations: [
        ...(decoded.oriented ? ['auto_orient'] : []),
        ...stripped,
        ...(decoded.colourConverted ? ['convert_colour:srgb'] : []),
        ...converted,
        ...resize(out.width, out.height),
        ...out.steps,
      ],
    };
    return { image, encodes: out.encodes };
  }
}
