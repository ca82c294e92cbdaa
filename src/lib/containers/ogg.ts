import type { Pieces } from '../pieces.js';

/**
 * Ogg (RFC 3533): a chain of pages, each with a 27-byte header and a table of segment sizes. The first page of
 * each stream (flagged "beginning of stream") carries its codec's identification header; pages with a granule
 * position above zero carry content.
 */

export type OggCodec = 'vorbis' | 'opus' | 'flac' | 'speex' | 'theora' | 'unknown';

export interface OggFile {
  /** The codec of the audio stream (Vorbis or Opus) when there is one, else of the first stream. */
  codec?: OggCodec;
  /** Pages of that stream that carry content (granule position above zero). */
  contentPages: number;
  /** Where the page chain breaks (no page where one should start, or one cut off by the end of the file). */
  brokenAt?: number;
}

const CODECS: readonly [string, OggCodec][] = [
  ['\x01vorbis', 'vorbis'],
  ['OpusHead', 'opus'],
  ['\x7fFLAC', 'flac'],
  ['Speex   ', 'speex'],
  ['\x80theora', 'theora'],
];
const isAudio = (codec: OggCodec | undefined) => codec === 'vorbis' || codec === 'opus';

export function readOgg(b: Pieces): OggFile {
  const streams = new Map<number, { codec: OggCodec; contentPages: number }>();
  let chosen: number | undefined; // the serial of the stream reported: the first audio stream, else the first stream
  let brokenAt: number | undefined;
  for (let p = 0; p < b.length; ) {
    if (!b.startsWith('OggS', p) || p + 27 > b.length) {
      brokenAt = p;
      break;
    }
    const segments = b.byte(p + 26);
    let body = 0;
    for (let i = 0; i < segments && p + 27 + i < b.length; i++) body += b.byte(p + 27 + i);
    const data = p + 27 + segments;
    if (data + body > b.length) {
      brokenAt = p;
      break;
    }
    const serial = b.u32le(p + 14);
    if (b.byte(p + 5) & 2 && !streams.has(serial)) {
      const codec = CODECS.find(([magic]) => b.startsWith(magic, data))?.[1] ?? 'unknown';
      streams.set(serial, { codec, contentPages: 0 });
      if (chosen === undefined || (isAudio(codec) && !isAudio(streams.get(chosen)?.codec))) chosen = serial;
    }
    // The granule position is a signed 64-bit number; -1 (all ones) means no packet ends on this page.
    const high = b.u32le(p + 10);
    const low = b.u32le(p + 6);
    const stream = streams.get(serial);
    if (stream && high < 0x80000000 && (high > 0 || low > 0)) stream.contentPages++;
    p = data + body;
  }
  const stream = chosen === undefined ? undefined : streams.get(chosen);
  return { codec: stream?.codec, contentPages: stream?.contentPages ?? 0, ...(brokenAt === undefined ? {} : { brokenAt }) };
}
