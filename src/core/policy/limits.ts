import { MAX_MEDIA_BYTES, endpointBytes, type MediaKind, type MediaType } from './media-types.js';

/** Delivery profiles (MEDIA_PROFILE, or its older name IMAGE_PROFILE): what every processed file is fitted under. */
export type ImageProfile = 'safe' | 'standard' | 'max';

/** Decimal bytes, as the endpoint's table counts: 600 KB every US carrier takes, 1 MB AT&T/Verizon long codes, 5 MB the endpoint. */
export const IMAGE_PROFILES: Readonly<Record<ImageProfile, number>> = { safe: 600_000, standard: 1_000_000, max: 5_000_000 };

/** The delivery budget for a profile, unless IMAGE_TARGET_BYTES overrides it. */
export function targetBytesFor(profile: ImageProfile, override?: number): number {
  return override ?? IMAGE_PROFILES[profile];
}

export interface LimitsSettings {
  /** MEDIA_PROFILE, and IMAGE_TARGET_BYTES when it overrides the profile. */
  profile: ImageProfile;
  targetBytes?: number;
  /**
   * For each kind this deployment converts and fits to the budget, the largest input it reads before processing
   * (images: IMAGE_MAX_INPUT_BYTES). A kind left out is taken only up to the endpoint's own limit for that kind.
   */
  processedInputBytes?: Partial<Record<MediaKind, number>>;
}

/** What a file is, once its first bytes are sniffed: a kind a processor here takes, or a carrier type stored as sent. */
export type FileClass = { processed: true; kind: MediaKind } | { processed: false; type: MediaType };

/** A file's size limit, and what it applies to (the refusal names it). */
export type SizeLimit = FileClass & { bytes: number };

/**
 * Every byte limit of a deployment, computed once at its entry from config and read by http and core alike:
 * the largest body worth reading, the limit for each kind or type once the file is sniffed, and the delivery
 * budget processed media is fitted under. A new processed kind (video) is one more entry in
 * `processedInputBytes`, not a new call site.
 */
export class Limits {
  /** What every processed file is fitted under (MEDIA_PROFILE, or IMAGE_TARGET_BYTES). */
  readonly budgetBytes: number;
  /** The largest body worth starting to read: anything declared larger is refused before it is read. */
  readonly maxBodyBytes: number;
  /**
   * The largest file ever held whole in memory: images (decoded whole) and anything kept as sent. Video and audio
   * larger than the endpoint takes are read only where a converter streams them to its disk.
   */
  readonly heldBytes: number;
  private readonly processed: Partial<Record<MediaKind, number>>;

  constructor(settings: LimitsSettings) {
    this.budgetBytes = targetBytesFor(settings.profile, settings.targetBytes);
    this.processed = { ...settings.processedInputBytes };
    this.maxBodyBytes = Math.max(MAX_MEDIA_BYTES, ...Object.values(this.processed));
    this.heldBytes = Math.max(MAX_MEDIA_BYTES, this.inputBytes('image'));
  }

  /** The largest input of a kind taken for processing: its own setting, else what the endpoint takes of that kind. */
  inputBytes(kind: MediaKind): number {
    return this.processed[kind] ?? endpointBytes(kind);
  }

  /** How many bytes a file may have: a processed kind before processing, anything else as the endpoint takes its type. */
  forFile(file: FileClass): SizeLimit {
    return file.processed ? { ...file, bytes: this.inputBytes(file.kind) } : { ...file, bytes: file.type.maxBytes };
  }
}
