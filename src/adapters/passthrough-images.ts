import { AppError } from '../core/errors.js';
import { MEDIA_TYPES, mediaTypeForExtension } from '../core/policy.js';
import type { ImageInput, ImageOptions, ImageProcessor, ProcessedImage } from '../core/ports.js';

/**
 * For runtimes without an image library: carrier-format images within the endpoint's limit pass as they
 * are; nothing is converted or resized.
 */
export class PassthroughImages implements ImageProcessor {
  readonly maxInputBytes = Math.max(...MEDIA_TYPES.filter((t) => t.kind === 'image').map((t) => t.maxBytes));

  accepts(detected: { ext: string }): boolean {
    return mediaTypeForExtension(detected.ext)?.kind === 'image';
  }

  async process(input: ImageInput, options: ImageOptions): Promise<ProcessedImage> {
    const type = mediaTypeForExtension(input.detected.ext);
    if (!type) throw new AppError(415, 'unsupported_media_type', `${input.detected.ext} images are not accepted.`);
    if (options.optimize === 'always') {
      throw new AppError(422, 'image_processing_unavailable', 'This deployment cannot re-encode images; send with optimize=auto or off.');
    }
    return { bytes: input.bytes, extension: type.extension, contentType: type.contentType, original: {}, transformations: [] };
  }
}
