import { formatBytes } from '../core/errors.js';
import type { Media } from '../core/media-record.js';

/**
 * Hosted media as a person reads it: the URL, the size, and what was done to it, in words. The service names
 * each change in `transformations` ("convert:heic->jpeg"); this is the one place they are put into words.
 */
export function describeMedia(media: Media): string {
  return `${media.url}  ${formatBytes(media.size)}  ${whatWasDone(media.transformations ?? [])}`;
}

export function whatWasDone(steps: readonly string[]): string {
  if (steps.length === 0) return 'unchanged';
  // auto_orient (images) and rotate:N (video) both say the same thing to a person.
  const words = steps.map(stepInWords).filter((w, i, all) => all.indexOf(w) === i);
  return words.join(', ');
}

const upper = (name: string) => name.toUpperCase();
const size = (wxh: string) => wxh.replace('x', '×');

/** One `transformations` entry in words; an entry this version does not know is shown as the service wrote it. */
export function stepInWords(step: string): string {
  const [name = '', value = ''] = splitOnce(step, ':');
  const [from = '', to = ''] = value.split('->');
  switch (name) {
    case 'auto_orient':
    case 'rotate':
      return 'turned upright';
    case 'strip_metadata':
      return 'metadata removed (location included)';
    case 'keep_metadata':
      return `metadata kept (${value.split(',').join(', ')})`;
    case 'convert':
      return `converted from ${upper(from)} to ${upper(to)}`;
    case 'transcode':
      return `re-encoded from ${codec(from)} to ${codec(to)}`;
    case 'resize':
    case 'scale':
      return `resized to ${size(to)}`;
    case 'quality':
      return `compressed (quality ${value})`;
    case 'recompress':
      return `recompressed as ${upper(value)}`;
    case 'reencode':
      return value === 'corrupt_data' ? 're-encoded (damaged data repaired)' : `re-encoded (${value})`;
    case 'convert_colour':
      return `colours converted to ${value === 'srgb' ? 'sRGB' : value}`;
    case 'palette':
    case 'colors':
      return `reduced to ${value} colours`;
    case 'dither':
      return 'without dithering';
    case 'frames':
      return `${to} of ${from} frames kept`;
    case 'fps':
      return `${to} frames a second (was ${from})`;
    case 'bitrate':
      return `bit rate ${value.replace(/k$/, ' kbit/s')}`;
    case 'channels':
      return to === '1' ? 'mono' : `${to} channels`;
    case 'profile':
      return `H.264 ${to} profile (was ${from})`;
    case 'trim':
      return `cut to the first ${to.replace(/s$/, ' s')} (of ${from.replace(/s$/, ' s')})`;
    case 'faststart':
      return 'index moved to the front for streaming';
    default:
      return step;
  }
}

const CODECS: Record<string, string> = { h264: 'H.264', hevc: 'HEVC', aac: 'AAC', mp3: 'MP3', opus: 'Opus', vorbis: 'Vorbis', vp8: 'VP8', vp9: 'VP9', av1: 'AV1' };
const codec = (name: string) => CODECS[name] ?? name;

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
