import type { AppError } from '../errors.js';
import type { Detected, Shown } from '../sniff.js';
import type { Splice } from '../../lib/pieces.js';
import { asSourceFormat } from './image-formats.js';
import { mediaTypeForExtension, type MediaType } from './media-types.js';
import { refuse, type SendInstead } from './refusals.js';

/**
 * Video, audio and documents, which are kept as sent: which carrier type a file is when it goes by another name,
 * what the refusal calls the formats the endpoint does not take, and the few bytes put right before storing.
 * (Whether video and audio can be played: playable.ts; other names of image formats: image-formats.ts.)
 */

/**
 * The same thing under another name. An M4V is Apple's name for an MP4 (H.264 and AAC under the brand `M4V `): it
 * is stored as mp4, with its brand saying so too (see changeWhenStored).
 */
const SAME_AS: Readonly<Record<string, string>> = { m4v: 'mp4' };

/**
 * The carrier type a detected file is, whatever name detection gave it (an APNG is a PNG, an M4V an MP4), or
 * undefined when the endpoint does not take it: what uploads store it as, and what preflight reports it as.
 */
export function carrierTypeFor(detected: Pick<Detected, 'ext'>): MediaType | undefined {
  return mediaTypeForExtension(asSourceFormat(detected.ext) ?? SAME_AS[detected.ext] ?? detected.ext);
}

/** Formats people send that the endpoint does not take, named as they know them: what it is, what else it is called. */
const OTHER_MEDIA: Readonly<Record<string, { name: string; aka?: string; sendAs: SendInstead }>> = {
  mov: { name: 'a QuickTime movie', aka: 'MOV', sendAs: 'video' },
  m4a: { name: 'M4A audio', aka: 'AAC in an MPEG-4 container', sendAs: 'audio' },
  m4b: { name: 'an M4B audiobook', aka: 'AAC in an MPEG-4 container', sendAs: 'audio' },
  m4p: { name: 'M4P audio', aka: 'DRM-protected AAC from the iTunes Store', sendAs: 'audio without DRM' },
  aac: { name: 'raw AAC audio', aka: 'ADTS', sendAs: 'audio' },
  flac: { name: 'FLAC audio', sendAs: 'audio' },
  amr: { name: 'AMR audio', aka: 'a phone voice recording', sendAs: 'audio' },
  aif: { name: 'AIFF audio', sendAs: 'audio' },
  spx: { name: 'Speex audio in Ogg', sendAs: 'audio' },
  wv: { name: 'WavPack audio', sendAs: 'audio' },
  ac3: { name: 'Dolby Digital audio', aka: 'AC-3', sendAs: 'audio' },
  webm: { name: 'a WebM video', sendAs: 'video' },
  mkv: { name: 'a Matroska video', aka: 'MKV', sendAs: 'video' },
  avi: { name: 'an AVI video', sendAs: 'video' },
  asf: { name: 'a Windows Media file', aka: 'WMV, WMA or ASF', sendAs: 'video' },
  '3g2': { name: 'a 3GPP2 video', aka: '3G2', sendAs: 'video' },
  mpg: { name: 'an MPEG program stream video', aka: 'MPG', sendAs: 'video' },
  mts: { name: 'an AVCHD video', aka: 'MTS', sendAs: 'video' },
  flv: { name: 'a Flash video', aka: 'FLV', sendAs: 'video' },
  ogv: { name: 'an Ogg video', aka: 'Theora', sendAs: 'video' },
};

/**
 * The refusal for a file that is neither an image read here nor a carrier type. One whose first bytes show what
 * it would be (an ID3 tag, TIFF's byte-order mark) but that was not recognised is that, damaged: it is told so,
 * not that it might be text.
 */
export function refuseType(detected: Detected | undefined, shown?: Shown): AppError {
  if (!detected && shown?.format === 'mp3') return refuse.unplayable({ format: 'MP3', problem: 'no-frames' });
  if (!detected && shown?.format === 'tif') return refuse.unreadable('tif');
  const known = detected && Object.hasOwn(OTHER_MEDIA, detected.ext) ? OTHER_MEDIA[detected.ext] : undefined;
  if (!known) return refuse.unsupportedType(detected);
  return refuse.notCarrierMedia(`${known.name} (${[known.aka, detected!.mime].filter(Boolean).join(', ')})`, known.sendAs);
}

export interface StoredChange {
  splice: Splice;
  /** As `transformations` names it. */
  transformation: string;
}

/**
 * Files kept as sent are stored byte for byte, but for bytes that make a file read as something else where its
 * type is checked from its first bytes (MMSCs and phones sniff at fixed offsets, as file-type does):
 * - a PDF's leading bytes are cut (`trim_leading_bytes`): viewers search the first 1,024 bytes for the header,
 *   but a handset or gateway that checks for `%PDF` at byte 0 refuses the file. Leading bytes are put in front
 *   of a finished file (a gateway's status line, a mail header), so its offsets count from its header: cut, it
 *   is the file its writer made, which every viewer opens without repairing its cross-reference table;
 * - the junk between an MP3's ID3 tag and its first frame is cut (`trim_junk_after_id3`): players skip it,
 *   sniffers looking for a frame right after the tag do not;
 * - an M4V's major brand becomes `isom` (`rebrand:m4v->mp4`), so the file says what its Content-Type says: the
 *   ISO base brand every MP4 reader takes, and the minor version and compatible brands stay as they are.
 */
export function changeWhenStored(detected: Detected): StoredChange | undefined {
  // A new array each time: storage may take ownership of the pieces it is given.
  if (detected.ext === 'm4v') return { splice: { at: 8, remove: 4, insert: new TextEncoder().encode('isom') }, transformation: 'rebrand:m4v->mp4' };
  if (!detected.stray) return undefined;
  const splice = { at: detected.stray.at, remove: detected.stray.length, insert: new Uint8Array(0) };
  if (detected.ext === 'pdf' && detected.stray.at === 0) return { splice, transformation: 'trim_leading_bytes' };
  if (detected.ext === 'mp3') return { splice, transformation: 'trim_junk_after_id3' };
  return undefined;
}
