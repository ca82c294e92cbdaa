import { imagePlan, refuse, transformName, type SourceFormat } from '../core/policy.js';
import { jpegFromHeif } from '../lib/heif-jpeg.js';

/**
 * An upload as the image adapters (sharp on Node, the Workers one) take it: its variant checked against the
 * policy (src/core/policy/image-variants.ts), which refuses by name what is not read, and a JPEG-coded HEIF
 * already the JPEG inside it, so that every later step — the as-is rule, metadata, fitting — sees a JPEG.
 */
export interface ImageSource {
  bytes: Uint8Array;
  format: SourceFormat;
  /** What was done to reach these bytes, first in `transformations` (e.g. convert:heif->jpeg). */
  steps: string[];
  /** HEIF/AVIF: how the primary image is coded, when the header says. */
  heifCodec?: 'hevc' | 'av1';
}

export function readableImage(bytes: Uint8Array, format: SourceFormat, keepMetadata: boolean): ImageSource {
  const plan = imagePlan(bytes, format);
  if (plan.read === 'heif') return { bytes, format, steps: [], heifCodec: plan.codec };
  if (plan.read === 'as-is') return { bytes, format, steps: [] };
  const jpeg = jpegFromHeif(bytes, plan.layout, keepMetadata);
  if (!jpeg) throw refuse.unreadable(format);
  const inner = readableImage(jpeg, 'jpg', keepMetadata); // the JPEG inside may itself be a variant
  return { ...inner, steps: [`convert:${transformName(format)}->jpeg`, ...inner.steps] };
}
