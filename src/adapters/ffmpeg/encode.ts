import { VIDEO_AUDIO_RATE, type AudioPlan, type AvFormat, type VideoPlan } from '../../core/policy.js';
import { COMMON, MUXERS, inputArgs } from './demuxers.js';

/**
 * The ffmpeg command lines, as argument arrays. Metadata: `-map_metadata -1 -map_chapters -1` and only the
 * streams wanted are mapped, unless it is to be kept; `-fflags +bitexact` leaves out the muxer's own name and
 * version. Every output is bounded in time by `-t`.
 */

const metadata = (keep: boolean) => (keep ? [] : ['-map_metadata', '-1', '-map_chapters', '-1', '-fflags', '+bitexact']);
const seconds = (s: number) => s.toFixed(3);

/**
 * Video → MP4: H.264 Constrained Baseline (x264 `-profile:v baseline`), yuv420p, the planned size (ffmpeg turns
 * the picture upright first, from the display matrix, and writes none), frame rate and bit rate; AAC-LC mono;
 * the index first (`+faststart`). One pass at an average bit rate: two passes took ~2.5× the time for no better
 * result.
 */
export function videoArgs(p: { format: AvFormat; input: string; output: string; plan: VideoPlan; audio: boolean; keepMetadata: boolean; threads: number }): string[] {
  const { plan } = p;
  const filters = [`scale=${plan.width}:${plan.height}:flags=bicubic`, 'setsar=1', ...(plan.fps ? [`fps=${plan.fps}`] : []), 'format=yuv420p'];
  const rate = plan.videoBitrate;
  return [
    ...COMMON,
    '-threads', String(p.threads),
    ...inputArgs(p.format, p.input),
    '-map', '0:V:0',
    ...(p.audio ? ['-map', '0:a:0'] : []),
    '-t', seconds(plan.duration),
    '-vf', filters.join(','),
    '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'medium', '-threads', String(p.threads),
    // Average bit rate alone, no VBV (-maxrate/-bufsize): the file's size is what counts, not its peaks, and x264's
    // VBV with frame threads depends on timing (the same upload gave files a few bytes apart). Without it, frame
    // threads give the same file every time, and use two cores on a small picture where slice threads did not.
    '-b:v', String(rate),
    ...(p.audio && plan.audioBitrate ? ['-c:a', 'aac', '-profile:a', 'aac_low', '-ac', '1', '-ar', String(VIDEO_AUDIO_RATE), '-b:a', String(plan.audioBitrate)] : []),
    ...metadata(p.keepMetadata),
    '-movflags', p.keepMetadata ? '+faststart+use_metadata_tags' : '+faststart',
    '-f', 'mp4', `file:${p.output}`,
  ];
}

/** Audio → MP3 at a constant bit rate, mono; no ID3 tag unless the metadata is kept. */
export function audioArgs(p: { format: AvFormat; input: string; output: string; plan: AudioPlan; keepMetadata: boolean; threads: number }): string[] {
  return [
    ...COMMON,
    '-threads', String(p.threads),
    ...inputArgs(p.format, p.input),
    '-map', '0:a:0',
    '-t', seconds(p.plan.duration),
    '-c:a', 'libmp3lame', '-b:a', String(p.plan.bitrate), '-ac', '1', '-ar', String(p.plan.sampleRate),
    ...metadata(p.keepMetadata),
    ...(p.keepMetadata ? [] : ['-id3v2_version', '0', '-write_id3v1', '0']),
    '-f', 'mp3', `file:${p.output}`,
  ];
}

/**
 * The same streams in another container, nothing re-encoded: playable streams out of MOV or M4V into MP4, the
 * index moved first, metadata cut out. `into` is mp4 for optimize=auto; for optimize=off, the file's own format.
 */
export function remuxArgs(p: { format: AvFormat; input: string; output: string; into: AvFormat; video: boolean; keepMetadata: boolean }): string[] {
  const muxer = MUXERS[p.into] ?? 'mp4';
  const iso = muxer === 'mp4' || muxer === '3gp';
  return [
    ...COMMON,
    ...inputArgs(p.format, p.input),
    ...(p.video ? ['-map', '0:V:0', '-map', '0:a:0?'] : ['-map', '0:a:0']),
    '-c', 'copy',
    ...metadata(p.keepMetadata),
    ...(iso ? ['-movflags', p.keepMetadata ? '+faststart+use_metadata_tags' : '+faststart'] : []),
    ...(muxer === 'mp3' && !p.keepMetadata ? ['-id3v2_version', '0', '-write_id3v1', '0'] : []),
    '-f', muxer, `file:${p.output}`,
  ];
}
