import type { ImageInput, ImageOptions, ImageProcessor, ProcessedImage } from '../../src/core/ports.js';
import { SIGNATURES } from './url-fixtures.js';

/**
 * A stand-in for the real image processor (sharp + heic-decode, wired by another module): it takes what a
 * converting processor takes (carrier images and HEIC; the service limits their size) and "converts" HEIC or "fits" anything
 * over the budget by returning a small JPEG. Enough to test rehosting without decoding real images.
 */
export class FittingImages implements ImageProcessor {
  readonly calls: Array<{ ext: string; size: number }> = [];

  constructor(private readonly budget = 600_000) {}

  accepts(detected: { ext: string }): boolean {
    return ['jpg', 'png', 'gif', 'heic'].includes(detected.ext);
  }

  async process(input: ImageInput, _options: ImageOptions): Promise<ProcessedImage> {
    this.calls.push({ ext: input.detected.ext, size: input.size });
    const convert = input.detected.ext === 'heic';
    if (!convert && input.size <= this.budget) {
      const ext = input.detected.ext;
      return { bytes: input.read(), extension: ext, contentType: input.detected.mime, original: {}, transformations: [] };
    }
    const bytes = new Uint8Array(2_000);
    bytes.set(SIGNATURES.jpg);
    return {
      bytes,
      extension: 'jpg',
      contentType: 'image/jpeg',
      original: {},
      transformations: [convert ? 'converted heic to jpg' : `fitted to ${this.budget} bytes`],
    };
  }
}
