import type { Pieces } from '../pieces.js';
import { eachBox, firstSampleEntry, handlerType, readBrands, type Box, type BoxBreak, type Brands } from './iso-boxes.js';

/**
 * The ISO base media file format (ISO/IEC 14496-12: MP4, 3GP, MOV, HEIF) read for what a player needs before it
 * can start: the file's brands, its index (`moov`) with each track's kind, codec and sample tables, the fragments
 * of a fragmented file, and where the box structure stops making sense. It reads box headers and a few tables;
 * it never decodes a sample. The boxes are walked by iso-boxes.ts.
 */

export interface Track {
  /** The handler: `vide`, `soun`, `pict`, `hint`, `text`… */
  handler: string;
  /** The first sample entry's type: the codec (`avc1`, `hvc1`, `mp4a`, `s263`…), or `encv`/`enca` when encrypted. */
  codec?: string;
  samples: number;
  /** The nearest and furthest chunk offsets in the sample tables: where the track's media data lies. */
  chunks?: { first: number; last: number };
}

export interface IsoFile {
  brands?: Brands;
  /** The index, whole or cut off. */
  moov?: { start: number; end: number; whole: boolean };
  /** A box inside the index that does not fit in the box holding it. */
  damaged?: BoxBreak & { parent: string };
  tracks: Track[];
  /** The index announces fragments (`mvex`), and how many samples the `moof` fragments hold. */
  fragmented: boolean;
  fragmentSamples: number;
  /** A top-level `meta` box whose handler is `pict`: the file holds image items (HEIF, AVIF). */
  imageItems: boolean;
}

/**
 * The boxes inside a track that hold others, down to the sample tables (trak, mdia, minf, stbl: three levels in),
 * and inside a fragment. Boxes are read no deeper than the standard puts them: a file that nests them further is
 * not followed down (it could nest them a million deep).
 */
const TRACK_CONTAINERS = new Set(['mdia', 'minf', 'stbl', 'edts']);
const FRAGMENT_CONTAINERS = new Set(['traf']);
const MAX_DEPTH = 3;

export function readIsoFile(b: Pieces): IsoFile {
  const file: IsoFile = { tracks: [], fragmented: false, fragmentSamples: 0, imageItems: false };
  const top = (box: Box) => {
    const end = Math.min(box.end, b.length);
    if (box.type === 'ftyp' && !file.brands) file.brands = readBrands(b, box.body, end);
    else if (box.type === 'moov' && !file.moov) {
      file.moov = { start: box.start, end: box.end, whole: box.end <= b.length };
      if (file.moov.whole) readIndex(b, box, file);
    } else if (box.type === 'moof') file.fragmentSamples += fragmentSamples(b, box);
    else if (box.type === 'meta') file.imageItems ||= metaHandler(b, box) === 'pict';
  };
  const cut = eachBox(b, 0, b.length, top);
  // A box cut off by the end of the file still says what it is and where it starts.
  if (cut?.type && cut.body !== undefined && cut.end !== undefined) top({ type: cut.type, start: cut.at, body: cut.body, end: cut.end });
  return file;
}

function readIndex(b: Pieces, moov: Box, file: IsoFile): void {
  const walk = (parent: Box, found: Map<string, Box>, depth: number): boolean => {
    const broken = eachBox(b, parent.body, parent.end, (box) => {
      if (!found.has(box.type)) found.set(box.type, box);
      return !TRACK_CONTAINERS.has(box.type) || depth >= MAX_DEPTH || walk(box, found, depth + 1);
    });
    if (broken) file.damaged = { ...broken, parent: parent.type };
    return !file.damaged;
  };
  const broken = eachBox(b, moov.body, moov.end, (box) => {
    if (box.type === 'mvex') file.fragmented = true;
    if (box.type !== 'trak') return true;
    const found = new Map<string, Box>();
    if (!walk(box, found, 0)) return false;
    file.tracks.push(readTrack(b, found));
    return true;
  });
  if (broken) file.damaged = { ...broken, parent: 'moov' };
}

function readTrack(b: Pieces, found: Map<string, Box>): Track {
  const field = (type: string, offset: number): number | undefined => {
    const box = found.get(type);
    return box && box.body + offset + 4 <= box.end ? b.u32be(box.body + offset) : undefined;
  };
  const hdlr = found.get('hdlr');
  const stsd = found.get('stsd');
  const track: Track = {
    handler: (hdlr && handlerType(b, hdlr)) ?? '',
    codec: stsd && firstSampleEntry(b, stsd),
    // stsz: version and flags, sample size, sample count; stz2: version and flags, field size, sample count.
    samples: field('stsz', 8) ?? field('stz2', 8) ?? 0,
  };
  let first = Infinity;
  let last = -1;
  for (const [type, size] of [['stco', 4], ['co64', 8]] as const) {
    // Version and flags, entry count, then the offsets: read as one array, as a table may hold millions.
    const box = found.get(type);
    const count = field(type, 4);
    if (!box || count === undefined) continue;
    const table = b.slice(box.body + 8, box.end);
    const view = new DataView(table.buffer, table.byteOffset, table.length);
    const entries = Math.min(count, Math.floor(table.length / size));
    for (let i = 0; i < entries; i++) {
      const offset = size === 8 ? view.getUint32(i * 8) * 0x100000000 + view.getUint32(i * 8 + 4) : view.getUint32(i * 4);
      if (offset < first) first = offset;
      if (offset > last) last = offset;
    }
  }
  if (last >= 0) track.chunks = { first, last };
  return track;
}

/** The samples the track runs (`trun`) of a `moof` fragment announce. */
function fragmentSamples(b: Pieces, moof: Box): number {
  let samples = 0;
  const walk = (parent: Box, depth: number) =>
    eachBox(b, parent.body, Math.min(parent.end, b.length), (box) => {
      if (box.type === 'trun' && box.body + 8 <= box.end) samples += b.u32be(box.body + 4);
      else if (FRAGMENT_CONTAINERS.has(box.type) && depth < MAX_DEPTH) walk(box, depth + 1);
    });
  walk(moof, 0);
  return samples;
}

/** The handler of a top-level `meta` box (a full box: version and flags, then its boxes). */
function metaHandler(b: Pieces, meta: Box): string | undefined {
  let handler: string | undefined;
  eachBox(b, meta.body + 4, Math.min(meta.end, b.length), (box) => {
    if (box.type !== 'hdlr') return true;
    handler = handlerType(b, box);
    return false;
  });
  return handler;
}
