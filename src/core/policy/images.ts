import { isCarrierFormat, transformName, type CarrierFormat, type SourceFormat } from './image-formats.js';
import { mediaTypeForExtension } from './media-types.js';
import { refuse } from './refusals.js';

/**
 * What happens to an image, whichever runtime processes it: when it may pass untouched, what `optimize` and
 * `keep_metadata` mean, what it is re-encoded to. The image adapters read the facts (format, size, orientation,
 * colour, metadata) and ask here; they decide none of this.
 */

/**
 * `optimize`:
 * - `auto` (the default): an image that needs nothing done (see reworkNeeded) passes with its own bytes; any
 *   other is re-encoded in a carrier format within the delivery budget.
 * - `always`: re-encoded within the budget even when it could pass.
 * - `off`: the bytes as sent — so they must already be a carrier format within the endpoint's limit for it
 *   (assertSendableAsIs); nothing is turned, converted or fitted.
 * `keep_metadata`: false (the default) removes EXIF (GPS, camera, thumbnails), XMP, IPTC, comments and the like;
 * bytes passed as they are lose theirs without a re-encode (stripsInPlace). True keeps them, saying "upright" once
 * the pixels are turned, and the reply lists what was kept (metadataSteps).
 */
export type Optimize = 'auto' | 'always' | 'off';

export interface ImageOptions {
  optimize: Optimize;
  keepMetadata: boolean;
}

/** The options a request did not give take their defaults: fit what needs it, and let no metadata leave. */
export function resolveImageOptions(given: Partial<ImageOptions> = {}): ImageOptions {
  return { optimize: given.optimize ?? 'auto', keepMetadata: given.keepMetadata ?? false };
}

/**
 * What an image adapter reads before deciding anything. A fact its runtime cannot read is left out and counts
 * for nothing (the Workers adapter, with no decoder, knows only the format and size).
 */
export interface ImageFacts {
  format: SourceFormat;
  size: number;
  /** The EXIF orientation still to apply (1: none). */
  orientation?: number;
  /** The pixels are not plain sRGB (another ICC profile, CMYK). */
  needsColourConversion?: boolean;
  /** Kinds of metadata present (exif, xmp, …). */
  metadata?: readonly string[];
  /** Frames of an animation (an APNG's, for a PNG). */
  frames?: number;
}

/** Why an image must be re-encoded rather than pass as it is (the refusal sentences name each). */
export type Rework = 'asked' | 'format' | 'animation' | 'budget' | 'orientation' | 'colour' | 'metadata' | 'damaged';

/**
 * The as-is rule: why this image cannot pass with its own bytes, or undefined when it can — a carrier format (a
 * PNG not animated) within the delivery budget, upright, sRGB and, unless it is to be kept, free of metadata that
 * cannot be cut out of its container (every carrier format's can: see stripsInPlace); and not asked to be
 * re-encoded (`always`). For `off` see assertSendableAsIs: nothing is re-encoded then. Bytes that pass must also
 * decode (reworkDamaged).
 */
export function reworkNeeded(facts: ImageFacts, options: ImageOptions, budgetBytes: number): Rework | undefined {
  if (options.optimize === 'always') return 'asked';
  if (!isCarrierFormat(facts.format)) return 'format';
  // An APNG is a PNG, but carriers take animations as GIF: like animated WebP, it becomes one.
  if (facts.format === 'png' && (facts.frames ?? 1) > 1) return 'animation';
  if (facts.size > budgetBytes) return 'budget';
  if (facts.orientation !== undefined && facts.orientation !== 1) return 'orientation';
  if (facts.needsColourConversion) return 'colour';
  if (!options.keepMetadata && (facts.metadata?.length ?? 0) > 0 && !stripsInPlace(facts.format)) return 'metadata';
  return undefined;
}

/** optimize=off: the bytes are sent as they are, so carriers must take the format, and the endpoint its size. */
export function assertSendableAsIs(format: SourceFormat, size: number): CarrierFormat {
  if (!isCarrierFormat(format)) throw refuse.notCarrierFormat(format);
  const limit = mediaTypeForExtension(format)!.maxBytes;
  if (size > limit) throw refuse.tooLargeAsIs(size, limit, format);
  return format;
}

/**
 * Bytes passed as they are have their metadata cut out of their container (JPEG segments, PNG chunks, GIF
 * extensions) without a re-encode, unless it is to be kept: the compressed pixels stay as they are, and an
 * orientation stays as a one-tag EXIF. So metadata alone never makes an image be re-encoded.
 */
export const stripsInPlace = (format: SourceFormat): format is CarrierFormat => isCarrierFormat(format);

/**
 * A carrier-format image that would pass as it is, but that a strict decoder does not read without error
 * (corrupt data, colour indexes past its table, damaged structure): phones may show it wrongly or not at all, so
 * it does not pass. It is re-encoded from what a lenient decoder reads, saying so (DAMAGED_STEP) — but with
 * optimize=off nothing is re-encoded, so it is refused.
 */
export function reworkDamaged(format: CarrierFormat, optimize: Optimize, problem?: string): Rework {
  if (optimize === 'off') throw refuse.damagedAsIs(format, problem);
  return 'damaged';
}

/** In `transformations`: re-encoded because the bytes as sent did not decode cleanly. */
export const DAMAGED_STEP = 'reencode:corrupt_data';

/**
 * In `transformations`: re-encoded in its own format with nothing else to say (a lossless PNG, a GIF at its own
 * size and colours), so a file hosted with other bytes than it came with always says why.
 */
export const recompressStep = (format: CarrierFormat): string => `recompress:${transformName(format)}`;

/**
 * What `transformations` says about metadata: `strip_metadata` when any was removed, and with keep_metadata the
 * kinds kept, e.g. `keep_metadata:exif,xmp` (nothing when there was none to keep).
 */
export function metadataSteps(o: { removed: readonly string[]; kept: readonly string[] }): string[] {
  return [...(o.removed.length > 0 ? ['strip_metadata'] : []), ...(o.kept.length > 0 ? [`keep_metadata:${o.kept.join(',')}`] : [])];
}

/**
 * The carrier format an image is re-encoded to: a GIF (it may be animated) or any animation stays or becomes
 * GIF; transparency needs PNG; anything else is a photo as far as carriers care, so JPEG. (An opaque PNG may
 * stay PNG where the adapter can show a lossless or palette version fits: that is an encoder's choice.)
 */
export function deliveryFormat(image: { format: SourceFormat; frames?: number; transparent: boolean }): CarrierFormat {
  if (image.format === 'gif' || (image.frames ?? 1) > 1) return 'gif';
  return image.transparent ? 'png' : 'jpg';
}
