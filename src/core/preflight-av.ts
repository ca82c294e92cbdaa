import { formatBytes } from './errors.js';
import type { MediaType } from './policy.js';
import { hostIt, problem, type Problem } from './preflight-problem.js';
import type { Detected } from './sniff.js';

/**
 * What preflight says about a video or audio URL, from its first bytes and its size: over the delivery budget, the
 * MP4 index after the media data, and whether hosting a copy fixes either (it does where video and audio are
 * converted: ffmpeg on Node). What only the index shows (HEVC, a rotation) is not read from a URL.
 */

/** What hosting can do with video and audio here: given only where they are converted. */
export interface AvReach {
  accepts(detected: { ext: string; mime: string }): boolean;
  /** VIDEO_MAX_INPUT_BYTES: the largest file an import reads for conversion. */
  readonly maxInputBytes: number;
}

export const isAvKind = (detected: Detected, type: MediaType | undefined): boolean =>
  type ? type.kind === 'video' || type.kind === 'audio' : /^(video|audio)\//.test(detected.mime);

/** The fix for a video or audio format carriers do not take, and whether hosting makes it. */
export function avFormatFix(detected: Detected, av: AvReach | undefined): { fix: string; rehostable: boolean } | undefined {
  if (!av?.accepts(detected)) return undefined;
  return { fix: `Convert it to mp4 (H.264, AAC) or mp3, ${hostIt('it is converted to mp4 or mp3 within the delivery budget')}`, rehostable: true };
}

/**
 * Size and layout problems of a video or audio file. `size` null: unknown (the caller reports that). Over the
 * endpoint's limit for its type is too_large unless hosting converts it (then the import's own limit applies);
 * over the delivery budget is over_media_budget.
 */
export function avProblems(detected: Detected, type: MediaType | undefined, size: number | null, head: Uint8Array, budgetBytes: number, av: AvReach | undefined): Problem[] {
  const converts = av?.accepts(detected) ?? false;
  const out: Problem[] = [];
  const limit = converts ? av!.maxInputBytes : type?.maxBytes;
  const budget = formatBytes(budgetBytes);
  if (size !== null && limit !== undefined && size > limit) {
    out.push(problem('too_large', 'error', `The file is ${formatBytes(size)}; the limit for ${converts ? 'video and audio taken for conversion' : `${detected.ext} files`} is ${formatBytes(limit)}.`,
      `Make it smaller than ${formatBytes(limit)} (shorter, lower resolution or bit rate).`));
  } else if (size !== null && size > budgetBytes) {
    out.push(problem('over_media_budget', 'error', `The file is ${formatBytes(size)}; video and audio over ${budget} often "send" but never arrive (carriers deliver about ${budget}).`,
      converts ? `Re-encode it under ${budget}, ${hostIt(`it is re-encoded to fit ${budget}`)}` : `Re-encode it under ${budget} (shorter, smaller or at a lower bit rate) before sending it.`, converts));
  }
  if (type?.extension === 'mp4' || type?.extension === '3gp') {
    if (indexAfterData(head)) {
      out.push(problem('no_faststart', 'warning', 'The index (moov) comes after the media data (mdat): a phone or gateway must download the whole file before it can play any of it, and some give up.',
        converts ? `Move the index first (ffmpeg -movflags +faststart), ${hostIt('the copy has its index first')}` : 'Move the index first (ffmpeg -c copy -movflags +faststart).', converts));
    }
  }
  return out;
}

/** ISO media: true when the top-level boxes in `head` reach the media data (mdat) before the index (moov). */
export function indexAfterData(head: Uint8Array): boolean {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  for (let at = 0; at + 8 <= head.length; ) {
    const type = String.fromCharCode(...head.subarray(at + 4, at + 8));
    if (type === 'moov') return false;
    if (type === 'mdat') return true;
    let length = view.getUint32(at);
    if (length === 1 && at + 16 <= head.length) length = Number(view.getBigUint64(at + 8));
    if (length < 8) return false;
    at += length;
  }
  return false;
}
