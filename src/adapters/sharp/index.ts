import {
  DAMAGED_STEP,
  asSourceFormat,
  assertSendableAsIs,
  deliveryFormat,
  isCarrierFormat,
  mediaTypeForExtension,
  metadataSteps,
  refuse,
  reworkNeeded,
  transformName,
  type SourceFormat,
} from '../../core/policy.js';
import type { ImageInput, ImageOptions, ImageProcessor, ProcessedImage } from '../../core/ports.js';
import { readableImage } from '../image-source.js';
import { composeApng } from './apng.js';
import { decodeStill } from './decode.js';
import { uprightTiff, uprightXmp } from '../../lib/image-metadata/exif.js';
import { fitAnimation } from './gif.js';
import { HeicDecoder } from './heic.js';
import { decodableHeif } from './heif.js';
import { inspect, type Header } from './inspect.js';
import { Limiter } from './limiter.js';
import { loadSharp, type SharpFactory } from './load.js';
import { metadataIn } from '../../lib/image-metadata/strip.js';
import { passThrough } from './passthrough.js';
import { fitStill } from './still.js';

export interface SharpImagesOptions {
  /** The delivery budget: what every image is fitted under (Limits.budgetBytes). */
  targetBytes: number;
  /** The long edge of anything re-encoded, in pixels; smaller images are never enlarged. */
  maxDimension: number;
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
  /** Full encodes. */
  encodes: number;
  /** Encodes of a sample of the picture, each a fraction of a full one, to aim the first full encode. */
  probes: number;
  bytes: number;
}

/**
 * Images made carrier-ready with sharp (libvips): upright, without metadata, sRGB, in a carrier format and
 * within the delivery budget, in as few encodes as it takes. Each image waits its turn in a bounded queue; when it
 * comes, the header is read first, and pixel bombs and unreadable files are refused before anything is decoded.
 * What to do with an image is the policy's (src/core/policy/images.ts): this reads the facts and does it.
 */
export class SharpImages implements ImageProcessor {
  private readonly limiter: Limiter;
  private readonly heic = new HeicDecoder();

  constructor(private readonly options: SharpImagesOptions) {
    this.limiter = new Limiter(options.concurrency, options.queueLimit);
  }

  accepts(detected: { ext: string; mime: string }): boolean {
    return asSourceFormat(detected.ext) !== undefined;
  }

  async process(input: ImageInput, options: ImageOptions): Promise<ProcessedImage> {
    const format = asSourceFormat(input.detected.ext);
    if (!format) throw refuse.unsupportedType(input.detected); // not reached: the service asks accepts() first
    if (options.optimize === 'off') assertSendableAsIs(format, input.size);
    const sharp = await loadSharp();
    // The file is copied out of the service's pooled blocks once, when its turn comes, and its header is read from
    // that copy: a copy made before the wait, even for the header alone, would be garbage beside the blocks the
    // image waits in.
    return this.limiter.run(() => this.processNow(sharp, input.read(), format, options));
  }

  private async processNow(sharp: SharpFactory, upload: Uint8Array, format: SourceFormat, options: ImageOptions): Promise<ProcessedImage> {
    // The variant first: one no decoder here reads is refused by name, a JPEG-coded HEIF becomes its JPEG.
    const source = readableImage(upload, format, options.keepMetadata);
    const bytes = decodableHeif(source.bytes, source.heifCodec);
    const header = await inspect(sharp, bytes, source.format, this.options.maxPixels, source.heifCodec);
    const done = (out: ProcessedImage, encodes: number, probes = 0): ProcessedImage => {
      this.options.observe?.({ format, output: out.extension, encodes, probes, bytes: out.bytes.length });
      return { ...out, transformations: [...source.steps, ...out.transformations] };
    };
    let rework = options.optimize === 'off' ? undefined : reworkNeeded({ ...header, size: bytes.length }, options, this.options.targetBytes);
    if (!rework) {
      const sent = await passThrough(sharp, bytes, header, { ...options, maxPixels: this.options.maxPixels });
      if ('image' in sent) return done(sent.image, 0);
      rework = sent.rework;
    }
    const { image, encodes, probes } = await this.reencode(sharp, bytes, header, options.keepMetadata);
    if (rework === 'damaged') image.transformations.unshift(DAMAGED_STEP);
    return done(image, encodes, probes);
  }

  /** The decode queue now, for /metrics: images being decoded and images waiting for a slot. */
  stats(): { active: number; waiting: number } {
    return this.limiter.stats;
  }

  /** Ends the HEIC decoding workers (they also end themselves when idle). */
  close(): Promise<void> {
    return this.heic.close();
  }

  private async reencode(sharp: SharpFactory, bytes: Uint8Array, header: Header, keepMetadata: boolean): Promise<{ image: ProcessedImage; encodes: number; probes?: number }> {
    const { targetBytes: target, maxDimension, maxPixels } = this.options;
    // What the file holds: what the decoder reports, and what its container walk finds (metadata after a PNG's
    // image data, GIF extensions); a re-encode keeps at most the EXIF and XMP.
    const found = [...new Set([...header.metadata, ...((isCarrierFormat(header.format) && metadataIn(bytes, header.format)) || [])])];
    const metadata = (kept: string[]) => metadataSteps({ removed: found.filter((k) => !kept.includes(k)), kept });
    const original = { width: header.width, height: header.height };
    const resize = (w: number, h: number) => (w === header.width && h === header.height ? [] : [`resize:${header.width}x${header.height}->${w}x${h}`]);

    if (deliveryFormat({ ...header, transparent: header.hasAlpha }) === 'gif') {
      // An APNG's frames are composed here (libvips reads only its default image); GIF and WebP frames by libvips.
      const apng = header.format === 'png';
      const frames = apng ? await composeApng(sharp, bytes, maxPixels) : bytes;
      const out = await fitAnimation(sharp, frames, header, { target, maxDimension, maxPixels });
      const converted = header.format === 'gif' ? [] : [`convert:${apng ? 'apng' : transformName(header.format)}->gif`];
      const image = { bytes: out.bytes, extension: 'gif', contentType: 'image/gif', width: out.width, height: out.height, original };
      return { image: { ...image, transformations: [...metadata([]), ...converted, ...out.steps] }, encodes: out.encodes };
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
        ...metadata(out.kept),
        ...(decoded.colourConverted ? ['convert_colour:srgb'] : []),
        ...converted,
        ...resize(out.width, out.height),
        ...out.steps,
      ],
    };
    return { image, encodes: out.encodes, probes: out.probes };
  }
}
