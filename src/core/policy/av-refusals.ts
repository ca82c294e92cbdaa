import { AppError, formatBytes, formatBytesBeside } from '../errors.js';
import { AV_FORMAT_LABELS, asAvFormat, formatDuration, type AvFormat } from './av-formats.js';
import type { MediaType } from './media-types.js';

/**
 * Every refusal of a video or audio file: the status, the stable code, and a sentence that says what is wrong and
 * what to do. Part of `refuse` (refusals.ts); kept apart so that file stays about images.
 */

const label = (format: string) => {
  const known = asAvFormat(format);
  return known ? AV_FORMAT_LABELS[known] : format.toUpperCase();
};
const noun = (kind: 'video' | 'audio') => (kind === 'video' ? 'video' : 'audio file');
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Why a file needs a converter, as the middle of a sentence. */
export type NeedsConverting = 'format' | 'budget' | 'asked' | 'metadata';

const why = (need: NeedsConverting, format: string, size: number, budgetBytes: number) => {
  switch (need) {
    case 'format':
      return `it is ${label(format)}, which must be converted to MP4 (video) or MP3 (audio) for carriers to take it`;
    case 'budget':
      return `it is ${formatBytesBeside(size, budgetBytes)}, over the ${formatBytes(budgetBytes)} delivery budget, so it must be re-encoded smaller`;
    case 'asked':
      return 'optimize=always asks for it to be re-encoded';
    case 'metadata':
      return `its ${label(format)} structure cannot be rewritten in place to remove its tags (location, device), so it must be remuxed; keep_metadata=true stores it as sent`;
  }
};

export const refuseAv = {
  /** The clip is longer than the budget carries even at the lowest rung; `trim=true` would send its start. */
  tooLongForBudget: (kind: 'video' | 'audio', budgetBytes: number, maxSeconds: number, duration: number) =>
    new AppError(
      422,
      'media_too_long',
      `At the ${formatBytes(budgetBytes)} delivery budget, ${kind === 'video' ? 'video' : 'audio'} up to ${formatDuration(maxSeconds)} fits; this ${kind === 'video' ? 'clip' : 'recording'} is ${formatDuration(duration)}. Send a shorter ${kind === 'video' ? 'clip' : 'recording'}, or add trim=true to send its first ${formatDuration(maxSeconds)}.`,
      { extra: { max_duration: maxSeconds } },
    ),

  /**
   * Longer than MEDIA_MAX_INPUT_SECONDS: refused from the probe, before anything is decoded. `duration` undefined:
   * its length is not known, only that it is longer (a recording whose header states none is counted up to the limit).
   */
  inputTooLong: (kind: 'video' | 'audio', duration: number | undefined, maxSeconds: number) =>
    new AppError(
      422,
      'input_too_long',
      `This ${noun(kind)} is ${duration === undefined ? `longer than ${formatDuration(maxSeconds)}` : `${formatDuration(duration)} long`}; files up to ${formatDuration(maxSeconds)} are taken for processing. Send a shorter one.`,
    ),

  tooManyPixels: (width: number, height: number, fps: number | undefined) =>
    new AppError(
      422,
      'media_too_many_pixels',
      `The video is ${width}×${height}${fps ? ` at ${Math.round(fps)} frames a second` : ''}; videos up to 8K (7680×4320) at 30 frames a second are taken. Send a smaller one.`,
    ),

  noStreams: (format: string) =>
    new AppError(422, 'unreadable_media', `The ${label(format)} file holds no video or audio stream: there is nothing to play. Send the original recording.`),

  unreadable: (format: string, cause?: unknown) =>
    new AppError(
      422,
      'unreadable_media',
      `The ${label(format)} file could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.`,
      { cause },
    ),

  /** An ISO file whose brands say it is a HEIF or AVIF still image, which the image pipeline did not take. */
  heifImage: (brands: readonly string[]) =>
    new AppError(
      415,
      'unsupported_media_type',
      `This file is ${brands.includes('jpeg') ? 'a JPEG-coded HEIF image' : 'a HEIF image'} (brands ${brands.join(', ')}), not a video, and this kind is not converted here. Save it as JPEG or PNG and send it again.`,
    ),

  /** The converter ran past MEDIA_PROCESS_TIMEOUT_MS and was stopped. */
  timedOut: (kind: 'video' | 'audio', seconds: number) =>
    new AppError(
      422,
      'media_processing_timeout',
      `Converting this ${noun(kind)} took longer than ${formatDuration(seconds)}, so it was stopped and nothing was stored. Send a shorter or smaller one.`,
    ),

  /** The converter failed on a file it could probe: its own message stays in the logs. */
  failed: (kind: 'video' | 'audio', cause?: unknown) =>
    new AppError(422, 'media_processing_failed', `This ${noun(kind)} could not be converted: its streams could not be decoded. Send the original file again.`, { cause }),

  /** Over the budget even after a re-encode and one lower retry. */
  doesNotFit: (kind: 'video' | 'audio', size: number, budgetBytes: number) =>
    new AppError(
      422,
      'media_does_not_fit',
      `Even re-encoded at the lowest settings, this ${noun(kind)} is ${formatBytesBeside(size, budgetBytes)}, over the ${formatBytes(budgetBytes)} delivery budget. Send a shorter one.`,
    ),

  notCarrierFormat: (format: string) =>
    new AppError(
      415,
      'unsupported_media_type',
      `With optimize=off the file is kept exactly as sent, but carriers do not accept ${label(format)} files. Send it with optimize=auto to have it converted, or send an MP4, 3GP, MP3, WAV or Ogg file.`,
    ),

  tooLargeAsIs: (size: number, type: MediaType) =>
    new AppError(
      413,
      'file_too_large',
      `The file is ${formatBytesBeside(size, type.maxBytes)}; with optimize=off it is sent exactly as it is, and the send endpoint takes ${type.extension} files up to ${formatBytes(type.maxBytes)}. Send it with optimize=auto to have it made smaller.`,
    ),

  /** No converter here (no ffmpeg on this server, or a Workers deployment): the file needs one. */
  unavailable: (need: NeedsConverting, file: { format: string; size: number }, budgetBytes: number, where: 'node' | 'workers') =>
    new AppError(
      422,
      'media_processing_unavailable',
      `This file needs converting (${why(need, file.format, file.size, budgetBytes)}), and ${
        where === 'node'
          ? 'this server has no ffmpeg: install it (apt-get install ffmpeg on Debian or Ubuntu), or point FFMPEG_PATH and FFPROBE_PATH at it, and restart the service.'
          : 'this Cloudflare Workers deployment cannot convert video or audio: send it through a Node deployment of mms-media with ffmpeg.'
      }${need === 'metadata' ? '' : ` An MP4 (H.264 and AAC) or MP3 under ${formatBytes(budgetBytes)} is stored as it is.`}`,
    ),

  busy: (seconds: number) =>
    new AppError(503, 'server_busy', `Too many videos and audio files are being converted right now; try again in ${plural(seconds, 'second')}.`, {
      headers: { 'Retry-After': String(seconds) },
    }),
};

export type { AvFormat };
