import type { Pieces } from '../pieces.js';

/**
 * Ogg (RFC 3533): a chain of pages, each with a 27-byte header and a table of segment sizes. The first page of a
 * stream carries its codec's identification header; pages with a granule position above zero carry its content.
 */

export type OggCodec = 'vorbis' | 'opus' | 'flac' | 'speex' | 'theora' | 'unknown';

export interface OggFile {
  /** The codec of the first stream, from its first packet. */
  codec?: OggCodec;
  /** Pages of the first stream that carry content (granule position above zero). */
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

export function readOgg(b: Pieces): OggFile {
  const file: OggFile = { contentPages: 0 };
  let serial: number | undefined;
  for (let p = 0; p < b.length; ) {
    if (!b.startsWith('OggS', p) || p + 27 > b.length) return { ...file, brokenAt: p };
    const segments = b.byte(p + 26);
    if (p + 27 + segments > b.length) return { ...file, brokenAt: p };
    let body = 0;
    for (let i = 0; i < segments; i++) body += b.byte(p + 27 + i);
    const data = p + 27 + segments;
    if (data + body > b.length) return { ...file, brokenAt: p };
    const pageSerial = b.u32le(p + 14);
    if (serial === undefined) {
      serial = pageSerial;
      file.codec = CODECS.find(([magic]) => b.startsWith(magic, data))?.[1] ?? 'unknown';
    }
    // The granule position is a signed 64-bit number; -1 (all ones) means no packet ends on this page.
    const high = b.u32le(p + 10);
    const low = b.u32le(p + 6);
    if (pageSerial === serial && high < 0x80000000 && (high > 0 || low > 0)) file.contentPages++;
    p = data + body;
  }
  return file;
}
