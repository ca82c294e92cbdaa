import { readIsoFile, type IsoFile } from '../../lib/containers/iso-bmff.js';
import { audioEnd, findFrameChain, firstFrameHeader, id3v2End } from '../../lib/containers/mpeg-audio.js';
import { readOgg, type OggCodec } from '../../lib/containers/ogg.js';
import { readWave } from '../../lib/containers/riff-wave.js';
import type { Pieces } from '../../lib/pieces.js';
import type { MediaType } from './media-types.js';
import { refuse } from './refusals.js';

/**
 * Only playable media is hosted as media. Until video and audio are probed with a decoder, a file's container
 * must show what a player needs before it can start: an MP4/3GP index (`moov`) that is whole, with a video or
 * sound track whose samples are in the file; an MP3 frame of sound, with the next frame's header where it says;
 * a WAV format chunk a player can use, and samples; an Ogg Vorbis or Opus stream with audio after its headers.
 * Each problem is named for the refusal sentence (see refuse.unplayable).
 */
export type Unplayable =
  | { format: 'MP4' | '3GP'; problem: 'no-index' | 'no-tracks' | 'encrypted' }
  | { format: 'MP4' | '3GP'; problem: 'index-cut'; missing: number }
  | { format: 'MP4' | '3GP'; problem: 'still-image'; brands: string[] }
  | { format: 'MP4' | '3GP'; problem: 'index-damaged'; box: string; parent: string }
  | { format: 'MP4' | '3GP'; problem: 'data-missing'; size: number }
  | { format: 'MP3'; problem: 'cut-in-first-frame'; frame: number; held: number }
  | { format: 'MP3'; problem: 'no-frames' | 'frames-do-not-follow' | 'info-frame-only' }
  | { format: 'WAV'; problem: 'no-data' | 'no-format' | 'empty-data' | 'cut-before-samples' }
  | { format: 'WAV'; problem: 'impossible-format'; detail: string }
  | { format: 'Ogg'; problem: 'codec'; codec: Exclude<OggCodec, 'vorbis' | 'opus'> }
  | { format: 'Ogg'; problem: 'no-audio'; codec: 'vorbis' | 'opus' }
  | { format: 'Ogg'; problem: 'damaged'; at: number };

/**
 * Throws the refusal when a video or audio file kept as sent cannot be played; documents and images are not
 * checked here. The fallback for when no decoder probes media: a probe replaces this call, not its callers.
 */
export function checkPlayable(type: MediaType, file: Pieces): void {
  const why = whyUnplayable(type, file);
  if (why) throw refuse.unplayable(why);
}

export function whyUnplayable(type: MediaType, file: Pieces): Unplayable | undefined {
  switch (type.extension) {
    case 'mp4':
    case '3gp':
      return isoProblem(type.extension === 'mp4' ? 'MP4' : '3GP', readIsoFile(file), file.length);
    case 'mp3':
      return mp3Problem(file);
    case 'wav':
      return wavProblem(file);
    case 'ogg':
      return oggProblem(file);
    default:
      return undefined;
  }
}

/** A four-character code as a sentence may quote it, or undefined when it is not one (damaged bytes). */
const printable = (code: string | undefined) => (code && /^[!-~][ -~]{3}$/.test(code) ? code : undefined);

/** Sample entries of encrypted (DRM) tracks: common encryption and Apple's FairPlay. */
const ENCRYPTED = new Set(['encv', 'enca', 'drmi', 'drms']);

function isoProblem(format: 'MP4' | '3GP', iso: IsoFile, size: number): Unplayable | undefined {
  if (!iso.moov && iso.imageItems) return { format, problem: 'still-image', brands: [...new Set([iso.brands?.major ?? '', ...(iso.brands?.compatible ?? [])])].filter((x) => printable(x)) };
  if (!iso.moov) return { format, problem: 'no-index' };
  if (!iso.moov.whole) return { format, problem: 'index-cut', missing: iso.moov.end - size };
  if (iso.damaged) return { format, problem: 'index-damaged', box: printable(iso.damaged.type) ?? 'unreadable', parent: iso.damaged.parent };
  // A fragmented file's index lists its tracks with empty sample tables; the fragments hold the samples.
  const withSamples = iso.tracks.filter((t) => (t.handler === 'vide' || t.handler === 'soun') && (t.samples > 0 || (iso.fragmented && iso.fragmentSamples > 0)));
  if (withSamples.length === 0) return { format, problem: 'no-tracks' };
  const clear = withSamples.filter((t) => !ENCRYPTED.has(t.codec ?? ''));
  if (clear.length === 0) return { format, problem: 'encrypted' };
  if (!iso.fragmented && clear.every((t) => !t.chunks || t.chunks.first >= size)) return { format, problem: 'data-missing', size };
  return undefined;
}

function mp3Problem(b: Pieces): Unplayable | undefined {
  const start = id3v2End(b);
  const chain = findFrameChain(b, start, 0, 2);
  if (chain) return chain.audioFrames > 0 ? undefined : { format: 'MP3', problem: 'info-frame-only' };
  const header = firstFrameHeader(b, start, 0);
  if (!header) return { format: 'MP3', problem: 'no-frames' };
  const held = audioEnd(b) - header.at;
  if (header.frame.length > held) return { format: 'MP3', problem: 'cut-in-first-frame', frame: header.frame.length, held };
  return { format: 'MP3', problem: 'frames-do-not-follow' };
}

function wavProblem(b: Pieces): Unplayable | undefined {
  const wave = readWave(b);
  if (!wave.data) return { format: 'WAV', problem: 'no-data' };
  if (!wave.format || wave.dataBeforeFormat) return { format: 'WAV', problem: 'no-format' };
  const { channels, sampleRate, blockAlign } = wave.format;
  const impossible = channels === 0 ? '0 channels' : sampleRate === 0 ? 'a sample rate of 0 Hz' : blockAlign === 0 ? 'samples of 0 bytes' : undefined;
  if (impossible) return { format: 'WAV', problem: 'impossible-format', detail: impossible };
  if (wave.data.declared === 0) return { format: 'WAV', problem: 'empty-data' };
  if (wave.data.present < blockAlign) return { format: 'WAV', problem: 'cut-before-samples' };
  return undefined;
}

function oggProblem(b: Pieces): Unplayable | undefined {
  const ogg = readOgg(b);
  if (!ogg.codec) return { format: 'Ogg', problem: 'damaged', at: ogg.brokenAt ?? 0 };
  if (ogg.codec !== 'vorbis' && ogg.codec !== 'opus') return { format: 'Ogg', problem: 'codec', codec: ogg.codec };
  if (ogg.contentPages > 0) return undefined;
  return ogg.brokenAt !== undefined ? { format: 'Ogg', problem: 'damaged', at: ogg.brokenAt } : { format: 'Ogg', problem: 'no-audio', codec: ogg.codec };
}
