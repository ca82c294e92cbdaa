import type { AvFormat } from '../../core/policy.js';

/**
 * The ffmpeg demuxer for each sniffed format, always forced (`-f`) on ffprobe and ffmpeg alike: a file is read only
 * as what its bytes were found to be, never as whatever ffmpeg's own probing would take it for (an HLS playlist
 * or a concat list named .mp4 would otherwise be followed to other files). ISO media (MP4, MOV, 3GP, M4A) is one
 * demuxer, `mov`; its external data references stay off (`enable_drefs` defaults to 0).
 */
export const DEMUXERS: Readonly<Record<AvFormat, string>> = {
  mp4: 'mov',
  m4v: 'mov',
  mov: 'mov',
  '3gp': 'mov',
  '3g2': 'mov',
  m4a: 'mov',
  webm: 'matroska',
  mkv: 'matroska',
  aac: 'aac',
  amr: 'amr',
  mp3: 'mp3',
  wav: 'wav',
  ogg: 'ogg',
  opus: 'ogg',
  flac: 'flac',
};

/** The muxer that writes a file back in its own format (optimize=off, metadata cut out by a remux). */
export const MUXERS: Partial<Readonly<Record<AvFormat, string>>> = { mp4: 'mp4', '3gp': '3gp', mp3: 'mp3', wav: 'wav', ogg: 'ogg' };

/**
 * The options every run starts with: no standard input, no banner, errors only, and no protocol but plain files
 * (and pipes, for -progress). Files are always named `file:<absolute path>` so that no name is taken for a
 * protocol (`concat:`, `subfile:`…).
 */
export const COMMON = ['-nostdin', '-hide_banner', '-loglevel', 'error'];
export const inputArgs = (format: AvFormat, path: string) => ['-protocol_whitelist', 'file,pipe', '-f', DEMUXERS[format], '-i', `file:${path}`];
