/**
 * The video and audio formats read for conversion, named as file-type names them from the bytes, and how
 * messages and `transformations` call them. Which of them carriers take as they are is the as-is rule's
 * (av.ts); how a converter opens each one is the converter's.
 */

/** Every container read: ISO media (MP4 and its relatives), Matroska/WebM, and the audio-only formats. */
export type AvFormat = 'mp4' | 'm4v' | 'mov' | '3gp' | '3g2' | 'm4a' | 'webm' | 'mkv' | 'aac' | 'amr' | 'mp3' | 'wav' | 'ogg' | 'opus' | 'flac';

/** How messages name each format. */
export const AV_FORMAT_LABELS: Readonly<Record<AvFormat, string>> = {
  mp4: 'MP4',
  m4v: 'M4V',
  mov: 'QuickTime (MOV)',
  '3gp': '3GP',
  '3g2': '3G2',
  m4a: 'M4A',
  webm: 'WebM',
  mkv: 'Matroska (MKV)',
  aac: 'AAC',
  amr: 'AMR',
  mp3: 'MP3',
  wav: 'WAV',
  ogg: 'Ogg',
  opus: 'Opus',
  flac: 'FLAC',
};

/** The format of a sniffed extension, or undefined for one not read as video or audio. */
export function asAvFormat(ext: string): AvFormat | undefined {
  const name = ext.toLowerCase();
  return Object.hasOwn(AV_FORMAT_LABELS, name) ? (name as AvFormat) : undefined;
}

/** How codecs are named in `transformations` and `original.codecs` (ffprobe's names, a few made plainer). */
const CODEC_NAMES: Readonly<Record<string, string>> = { hevc: 'hevc', h264: 'h264', mp3float: 'mp3', amr_nb: 'amr-nb', amr_wb: 'amr-wb', amrnb: 'amr-nb', amrwb: 'amr-wb' };
export const codecName = (codec: string): string => CODEC_NAMES[codec] ?? codec.replace(/_/g, '-');

/** Durations the way people say them: "38 s", "2 min 10 s", "1 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${Math.max(s, seconds > 0 ? 1 : 0)} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const m = Math.round(s / 60);
  return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
