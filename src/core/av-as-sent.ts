import { describeAv } from '../lib/containers/av-describe.js';
import { Pieces } from '../lib/pieces.js';
import { assertProcessable, avKeepableBytes, avKeptAsSent, avKind, codecName, mediaTypeForExtension, whyUnplayable, type AvFacts, type AvFormat, type AvOptions, type MediaType } from './policy.js';
import type { KeptAv } from './ports.js';

/** What a converter is told to fit and refuse by (its share of the config). */
export interface AvAsSentSettings {
  budgetBytes: number;
  /** MEDIA_MAX_INPUT_SECONDS. */
  maxInputSeconds: number;
}

/** The formats describeAv reads: only these are worth holding to describe. */
const DESCRIBED: ReadonlySet<AvFormat> = new Set(['mp4', 'mp3']);

/**
 * How large a file of this format may be and still be held whole to be described in-process (0: never): what
 * could pass with its own bytes (avKeepableBytes), for the formats the reader reads.
 */
export function describableBytes(format: AvFormat, options: Pick<AvOptions, 'optimize'>, budgetBytes: number): number {
  return DESCRIBED.has(format) ? avKeepableBytes(format, options, budgetBytes) : 0;
}

/**
 * A file held whole that passes with its own bytes, told from its container headers in-process (see
 * lib/containers/av-describe.ts): an MP4 or MP3 the reader fully understands, playable, within every limit, and
 * kept as sent by the same rule a probe's facts go through (avKeptAsSent). Undefined for anything else, refusals
 * included: such a file is probed with ffprobe as any other, and refused, converted or kept on its facts.
 */
export function describeKept(chunks: readonly Uint8Array[], format: AvFormat, options: AvOptions, settings: AvAsSentSettings): KeptAv | undefined {
  const type = mediaTypeForExtension(format);
  const file = new Pieces(chunks);
  try {
    const described = type && describeAv(file, format);
    if (!type || !described || whyUnplayable(type, file)) return undefined;
    const facts: AvFacts = { format, size: file.length, metadata: [], ...described };
    assertProcessable(facts, settings.maxInputSeconds);
    return avKeptAsSent(facts, options, settings.budgetBytes) ? keptAv(facts, type) : undefined;
  } catch {
    return undefined; // a refusal, or a reader's bug on a hostile file: ffprobe decides
  }
}

/** A file stored byte for byte, described by its facts: the same answer whether a probe or the reader found them. */
export function keptAv(facts: AvFacts, type: MediaType): KeptAv {
  const shown = facts.video && { width: facts.video.width, height: facts.video.height };
  return { extension: type.extension, contentType: type.contentType, kind: avKind(facts), duration: roundSeconds(facts.duration), ...shown, original: originalAv(facts), transformations: [] };
}

/** What the upload was, as every processed video or audio reports it. */
export function originalAv(facts: AvFacts): KeptAv['original'] {
  return {
    duration: roundSeconds(facts.duration),
    width: facts.video?.width,
    height: facts.video?.height,
    codecs: [facts.video?.codec, facts.audio?.codec].filter((c): c is string => c !== undefined).map(codecName),
  };
}

export const roundSeconds = (seconds: number) => Math.round(seconds * 1000) / 1000;
