import type { AvFormat } from './av-formats.js';
import type { Optimize } from './images.js';
import { mediaTypeForExtension, type MediaType } from './media-types.js';
import { refuseAv } from './av-refusals.js';

/**
 * What happens to a video or an audio file, whichever converter (or none) is at hand: when it passes untouched,
 * when a remux (no re-encode) is enough, when it is re-encoded. The converter reads the facts and asks here.
 *
 * What every handset plays: MP4 with H.264 Constrained Baseline (or Main), yuv420p, AAC-LC, the index first
 * (`+faststart`) so a carrier can stream it; MP3 for audio. Anything else is converted to those.
 */

/** `optimize` and `keep_metadata` mean what they mean for images; `trim` cuts a clip too long for the budget. */
export interface AvOptions {
  optimize: Optimize;
  keepMetadata: boolean;
  /** Cut a clip longer than the budget carries to the longest that fits, instead of refusing it. */
  trim: boolean;
  /** Told how far an encode has got (0 to 1), when the converter can say; for a background job's status. */
  onProgress?: (fraction: number) => void;
}

export function resolveAvOptions(given: Partial<AvOptions> = {}): AvOptions {
  return { optimize: given.optimize ?? 'auto', keepMetadata: given.keepMetadata ?? false, trim: given.trim ?? false };
}

export interface VideoStreamFacts {
  codec: string;
  /** As ffprobe names it: "Constrained Baseline", "Main", "High", "Main 10"… */
  profile?: string;
  pixFmt?: string;
  /** As stored, before the rotation. */
  width: number;
  height: number;
  /** Frames per second (average); undefined when the file does not say. */
  fps?: number;
  /** Clockwise degrees to turn the stored picture to show it upright: 0, 90, 180 or 270. */
  rotation: number;
}

export interface AudioStreamFacts {
  codec: string;
  profile?: string;
  channels?: number;
  sampleRate?: number;
}

/** What a converter reads (with a probe, before decoding anything) and hands to the policy. */
export interface AvFacts {
  format: AvFormat;
  size: number;
  /** Seconds. */
  duration: number;
  /** The first picture stream that is not cover art. */
  video?: VideoStreamFacts;
  audio?: AudioStreamFacts;
  /** Names of tags that say where, when or on what it was recorded (location, make, model…). */
  metadata: readonly string[];
  /** ISO media: the index (moov) is before the media data, so playback can start before the whole file is in. */
  faststart?: boolean;
}

export type AvKind = 'video' | 'audio';
export const avKind = (facts: Pick<AvFacts, 'video'>): AvKind => (facts.video ? 'video' : 'audio');

/** The size of a picture once shown upright. */
export function displaySize(video: Pick<VideoStreamFacts, 'width' | 'height' | 'rotation'>): { width: number; height: number } {
  return video.rotation % 180 === 0 ? { width: video.width, height: video.height } : { width: video.height, height: video.width };
}

/**
 * Tags that are only technical (brands, the muxer's name, track handlers, language) or say nothing about a person
 * (creation_time, which every MP4 header also holds). Any other tag (location, make, model, software, comments,
 * titles, cover art…) counts as metadata to remove.
 */
const TECHNICAL_TAGS = new Set(['major_brand', 'minor_version', 'compatible_brands', 'encoder', 'handler_name', 'vendor_id', 'language', 'creation_time', 'duration']);
export const isPersonalTag = (name: string): boolean => !TECHNICAL_TAGS.has(name.toLowerCase());

/** H.264 profiles every handset decodes. */
const PLAYABLE_H264 = new Set(['Constrained Baseline', 'Baseline', 'Main']);

/** Why a file cannot pass with its own bytes. The first four need a re-encode; the last three only a remux. */
export type AvRework = 'asked' | 'codec' | 'budget' | 'orientation' | 'container' | 'metadata' | 'faststart';

/** What becomes of a file: its own bytes, the same streams in a new container (remux), or a re-encode. */
export type AvWork = { action: 'keep' } | { action: 'remux' | 'encode'; reasons: AvRework[] };

const ENCODE: ReadonlySet<AvRework> = new Set(['asked', 'codec', 'budget', 'orientation']);

/** Whether the streams are what carriers play: H.264 (Baseline/Main, yuv420p) with AAC-LC, or MP3 alone. */
export function playableCodecs(facts: Pick<AvFacts, 'video' | 'audio'>): boolean {
  const { video, audio } = facts;
  if (!video) return audio?.codec === 'mp3';
  const picture = video.codec === 'h264' && PLAYABLE_H264.has(video.profile ?? '') && (video.pixFmt === 'yuv420p' || video.pixFmt === 'yuvj420p');
  return picture && (!audio || (audio.codec === 'aac' && audio.profile === 'LC'));
}

/** The container a file of this kind is delivered in: MP4 for video, MP3 for audio. */
export function deliveryType(kind: AvKind): MediaType {
  return mediaTypeForExtension(kind === 'video' ? 'mp4' : 'mp3')!;
}

/**
 * The as-is rule for `optimize=auto` and `always` (for `off` see avAsSent): a file passes with its own bytes when it
 * is in the delivery container (MP4 or MP3) with playable codecs, within the budget, upright, with its index first
 * and, unless it is to be kept, no metadata. Playable streams in another ISO container (MOV, M4V, 3GP), or with
 * metadata or the index last, are remuxed; anything else is re-encoded.
 */
export function avWork(facts: AvFacts, options: AvOptions, budgetBytes: number): AvWork {
  const reasons: AvRework[] = [];
  const kind = avKind(facts);
  if (options.optimize === 'always') reasons.push('asked');
  if (!playableCodecs(facts)) reasons.push('codec');
  if (facts.size > budgetBytes) reasons.push('budget');
  if (facts.video && facts.video.rotation !== 0) reasons.push('orientation');
  if (facts.format !== deliveryType(kind).extension) reasons.push('container');
  if (!options.keepMetadata && facts.metadata.length > 0) reasons.push('metadata');
  if (kind === 'video' && facts.faststart === false) reasons.push('faststart');
  if (reasons.length === 0) return { action: 'keep' };
  // Remuxing moves streams between ISO containers only: MP3 out of anything else means a re-encode.
  const remuxable = kind === 'video' ? ['mp4', 'm4v', 'mov', '3gp', '3g2'].includes(facts.format) : facts.format === 'mp3';
  return { action: reasons.some((r) => ENCODE.has(r)) || !remuxable ? 'encode' : 'remux', reasons };
}

/**
 * `optimize=off`: the bytes as sent, so the endpoint must take the format and its size; only metadata is cut
 * out, by a remux into the same container. Returns the type it is stored as, and whether to remux.
 */
export function avAsSent(facts: Pick<AvFacts, 'format' | 'size' | 'metadata'>, keepMetadata: boolean): { type: MediaType; strip: boolean } {
  const type = assertAvSendableAsIs(facts.format, facts.size);
  return { type, strip: !keepMetadata && facts.metadata.length > 0 };
}

/**
 * Whether a file passes with its own bytes, byte for byte: under `off` unless metadata must be cut out (avAsSent),
 * under `auto` when avWork keeps it, never under `always`. Refusals (a type the endpoint does not take, too large)
 * are avAsSent's.
 */
export function avKeptAsSent(facts: AvFacts, options: AvOptions, budgetBytes: number): boolean {
  if (options.optimize === 'off') return !avAsSent(facts, options.keepMetadata).strip;
  return avWork(facts, options, budgetBytes).action === 'keep';
}

/**
 * The largest file of a format that could pass with its own bytes (see avKeptAsSent), 0 when none can: under
 * `off` the endpoint's limit for its type, under `auto` the budget for the delivery container, under `always`
 * nothing. Files up to this size are worth holding whole to describe them without a converter.
 */
export function avKeepableBytes(format: AvFormat, options: Pick<AvOptions, 'optimize'>, budgetBytes: number): number {
  const type = mediaTypeForExtension(format);
  if (options.optimize === 'always' || !type || (type.kind !== 'video' && type.kind !== 'audio')) return 0;
  if (options.optimize === 'off') return type.maxBytes;
  return format === deliveryType(type.kind).extension ? Math.min(budgetBytes, type.maxBytes) : 0;
}

/** The endpoint's type for a file sent exactly as it is, or the refusal: not a type it takes, or too large. */
export function assertAvSendableAsIs(format: AvFormat, size: number): MediaType {
  const type = mediaTypeForExtension(format);
  if (!type || (type.kind !== 'video' && type.kind !== 'audio')) throw refuseAv.notCarrierFormat(format);
  if (size > type.maxBytes) throw refuseAv.tooLargeAsIs(size, type);
  return type;
}

/** A frame larger than 8K UHD is refused before decoding; so is more than 8K at 30 frames a second. */
export const MAX_FRAME_PIXELS = 7680 * 4320;
export const MAX_PIXEL_RATE = 7680 * 4320 * 30;

/**
 * What the probe shows is checked before anything is decoded: a file with no stream to play, longer than
 * MEDIA_MAX_INPUT_SECONDS, or with too many pixels per frame or per second, is refused at once.
 */
export function assertProcessable(facts: AvFacts, maxInputSeconds: number): void {
  if (!facts.video && !facts.audio) throw refuseAv.noStreams(facts.format);
  if (facts.duration > maxInputSeconds) throw refuseAv.inputTooLong(avKind(facts), facts.duration, maxInputSeconds);
  if (facts.video) {
    const { width, height, fps } = facts.video;
    if (width * height > MAX_FRAME_PIXELS || width * height * (fps ?? 30) > MAX_PIXEL_RATE) throw refuseAv.tooManyPixels(width, height, fps);
  }
  if (!(facts.duration > 0)) throw refuseAv.unreadable(facts.format);
}
