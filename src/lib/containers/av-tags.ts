import { Pieces } from '../pieces.js';
import { eachBox, type Box } from './iso-boxes.js';
import { id3v1EndsAt, id3v2End } from './mpeg-audio.js';

/**
 * Video and audio files without their tags, rewritten without decoding anything: MP4/3GP/MOV without `udta` and
 * `meta` boxes (location, make, model, encoder) and XMP, MP3 without ID3v2, ID3v1 and APEv2 tags, WAV without its
 * `LIST`/`INFO`, ID3, `bext`, `iXML` and `_PMX` chunks. Each returns the bytes and the names of what it removed
 * (the same bytes, and nothing named, when there was nothing to remove), or undefined when the file's structure
 * cannot be walked or rewritten safely: bounded by the file's size, never throwing on hostile input.
 */
export interface WithoutTags {
  bytes: Uint8Array;
  removed: string[];
}

const unchanged = (bytes: Uint8Array): WithoutTags => ({ bytes, removed: [] });

/** Bytes [from, to) of the file left out of the copy. */
interface Cut {
  from: number;
  to: number;
}

/** How many cut bytes lie before `at`, or undefined when `at` falls inside a cut. `cuts` are sorted and apart. */
function cutBefore(cuts: readonly Cut[], at: number): number | undefined {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]!.to <= at) lo = mid + 1;
    else hi = mid;
  }
  if (lo < cuts.length && cuts[lo]!.from <= at) return undefined;
  let before = 0;
  for (let i = 0; i < lo; i++) before += cuts[i]!.to - cuts[i]!.from;
  return before;
}

/** The file without the cut ranges: a new array the size of what remains. */
function withoutCuts(bytes: Uint8Array, cuts: readonly Cut[]): Uint8Array {
  const removed = cuts.reduce((n, c) => n + c.to - c.from, 0);
  const out = new Uint8Array(bytes.length - removed);
  let at = 0;
  let from = 0;
  for (const cut of cuts) {
    out.set(bytes.subarray(from, cut.from), at);
    at += cut.from - from;
    from = cut.to;
  }
  out.set(bytes.subarray(from), at);
  return out;
}

// ISO base media (MP4, 3GP, MOV)

/** Boxes that hold metadata and nothing a player needs. */
const ISO_TAGS = new Set(['udta', 'meta']);
/**
 * The `uuid` box of an XMP packet (XMP specification part 3: a top-level box in MP4), which can hold a location
 * (exif:GPSLatitude) as any tag: written by exiftool and Adobe's tools. Other `uuid` boxes are left as they are.
 */
const XMP_UUID = [0xbe, 0x7a, 0xcf, 0xcb, 0x97, 0xa9, 0x42, 0xe8, 0x9c, 0x71, 0x99, 0x94, 0x91, 0xe3, 0xaf, 0xac];
const isXmpBox = (b: Pieces, box: Box) => box.type === 'uuid' && box.body + 16 <= box.end && XMP_UUID.every((v, i) => b.byte(box.body + i) === v);
/** The boxes walked into, down to the sample tables whose chunk offsets move when bytes before the media go. */
const ISO_CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);

/**
 * An MP4/3GP/MOV without its `udta` and `meta` boxes and its XMP, at the top level and anywhere in the index (`moov`, its
 * tracks, their media and sample-table boxes). The size of every box that held one shrinks by what it held, and
 * every chunk offset (`stco`, `co64`) moves back by the bytes removed before it: when the index precedes the media
 * data, that is all of them; so do a fragmented file's absolute offsets (`tfhd` base data offsets, `mfra`/`tfra`
 * fragment offsets). Undefined when a box does not fit where it sits, a chunk offset points into a removed box,
 * the sample tables give auxiliary information at absolute offsets (`saio`, encryption), or a fragment's offsets
 * cannot be read.
 */
export function withoutIsoMetadata(bytes: Uint8Array): WithoutTags | undefined {
  const b = Pieces.of(bytes);
  const cuts: Cut[] = [];
  const removed: string[] = [];
  /** Containers that lost boxes: where their size field is, how it is written, and what they lost. */
  const shrunk = new Map<Box, number>();
  const offsetTables: Box[] = [];
  const fragments: Box[] = [];
  const indexes: Box[] = [];
  /** Sample auxiliary information (encryption) at absolute offsets: not moved here. */
  let auxOffsets = false;
  let broken = false;

  // Returns the bytes removed inside [from, to).
  const walk = (from: number, to: number, top: boolean): number => {
    let lost = 0;
    const cut = eachBox(b, from, to, (box) => {
      if (ISO_TAGS.has(box.type) || isXmpBox(b, box)) {
        cuts.push({ from: box.start, to: box.end });
        removed.push(box.type === 'uuid' ? 'xmp' : box.type);
        lost += box.end - box.start;
      } else if (ISO_CONTAINERS.has(box.type) && (top ? box.type === 'moov' : box.type !== 'moov')) {
        const inside = walk(box.body, box.end, false);
        if (inside > 0) shrunk.set(box, inside);
        lost += inside;
      } else if (box.type === 'stco' || box.type === 'co64') offsetTables.push(box);
      else if (box.type === 'saio') auxOffsets = true;
      else if (top && box.type === 'moof') fragments.push(box);
      else if (top && box.type === 'mfra') indexes.push(box);
      return !broken;
    });
    // The last top-level box may be cut off by the end of the file (media data still arriving): it is kept as it is.
    if (cut && !(top && cut.type !== undefined && cut.body !== undefined && cut.type !== 'moov' && !ISO_TAGS.has(cut.type))) broken = true;
    return lost;
  };
  walk(0, bytes.length, true);
  if (broken) return undefined;
  if (cuts.length === 0) return unchanged(bytes);
  cuts.sort((x, y) => x.from - y.from);
  if (auxOffsets) return undefined;
  const absolute = fragmentOffsets(b, fragments, indexes);
  if (!absolute) return undefined;

  const out = withoutCuts(bytes, cuts);
  const view = new DataView(out.buffer, out.byteOffset, out.length);
  const moved = (at: number) => at - cutBefore(cuts, at)!;
  for (const [box, lost] of shrunk) {
    const declared = b.u32be(box.start);
    if (declared === 0) continue; // runs to the end of the file: still does
    if (declared === 1) {
      const size = b.u64be(box.start + 8) - lost;
      view.setUint32(moved(box.start) + 8, Math.floor(size / 0x100000000));
      view.setUint32(moved(box.start) + 12, size % 0x100000000);
    } else view.setUint32(moved(box.start), declared - lost);
  }
  const read = (field: OffsetField) => (field.wide ? view.getUint32(field.at) * 0x100000000 + view.getUint32(field.at + 4) : view.getUint32(field.at));
  const write = (field: OffsetField, value: number) => {
    if (field.wide) {
      view.setUint32(field.at, Math.floor(value / 0x100000000));
      view.setUint32(field.at + 4, value % 0x100000000);
    } else view.setUint32(field.at, value);
  };
  for (const { at: was, wide } of absolute) {
    const field = { at: moved(was), wide };
    const before = cutBefore(cuts, read(field));
    if (before === undefined) return undefined;
    if (before > 0) write(field, read(field) - before);
  }
  for (const table of offsetTables) {
    const wide = table.type === 'co64';
    if (table.body + 8 > table.end) continue;
    const entries = Math.min(b.u32be(table.body + 4), Math.floor((table.end - table.body - 8) / (wide ? 8 : 4)));
    const at = moved(table.body + 8);
    for (let i = 0; i < entries; i++) {
      const field = { at: at + i * (wide ? 8 : 4), wide };
      const offset = read(field);
      const before = cutBefore(cuts, offset);
      if (before === undefined) return undefined; // the chunk lay in a removed box: not media data
      if (before > 0) write(field, offset - before);
    }
  }
  return { bytes: out, removed };
}

/** A field holding a file offset, to move back by the bytes removed before that offset; `wide`: 64 bits, else 32. */
interface OffsetField {
  at: number;
  wide: boolean;
}

/**
 * The absolute offsets a fragmented file holds: the base data offsets of its track fragments (`tfhd` with flag
 * 0x000001) and the fragment offsets of its random-access index (`mfra`/`tfra`). Undefined when they cannot be read.
 */
function fragmentOffsets(b: Pieces, moofs: readonly Box[], mfras: readonly Box[]): OffsetField[] | undefined {
  const fields: OffsetField[] = [];
  let bad = false;
  for (const moof of moofs) {
    eachBox(b, moof.body, moof.end, (traf) => {
      if (traf.type !== 'traf') return;
      eachBox(b, traf.body, traf.end, (tfhd) => {
        if (tfhd.type !== 'tfhd' || tfhd.body + 4 > tfhd.end || (b.byte(tfhd.body + 3) & 1) === 0) return;
        if (tfhd.body + 16 > tfhd.end) bad = true;
        else fields.push({ at: tfhd.body + 8, wide: true });
      });
    });
  }
  for (const mfra of mfras) {
    eachBox(b, mfra.body, mfra.end, (tfra) => {
      if (tfra.type !== 'tfra') return;
      // Version and flags, track, the sizes of three numbers per entry, the entry count, then the entries.
      if (tfra.body + 16 > tfra.end) return void (bad = true);
      const wide = b.byte(tfra.body) === 1;
      const sizes = b.byte(tfra.body + 11);
      const entry = (wide ? 16 : 8) + ((sizes >> 4) & 3) + ((sizes >> 2) & 3) + (sizes & 3) + 3;
      const count = b.u32be(tfra.body + 12);
      if (count > (tfra.end - tfra.body - 16) / entry) return void (bad = true);
      for (let i = 0; i < count; i++) fields.push({ at: tfra.body + 16 + i * entry + (wide ? 8 : 4), wide });
    });
  }
  return bad ? undefined : fields;
}

// MP3

const syncsafe = (b: Pieces, at: number) => ((b.byte(at) & 0x7f) << 21) | ((b.byte(at + 1) & 0x7f) << 14) | ((b.byte(at + 2) & 0x7f) << 7) | (b.byte(at + 3) & 0x7f);

/** Whether an APEv2 tag's footer (`APETAGEX`, 32 bytes) ends at `end`. */
export const apeFooterEndsAt = (b: Pieces, end: number): boolean => end >= 32 && b.startsWith('APETAGEX', end - 32);

/**
 * An MP3 without its tags: ID3v2 tags in front, and at the end an ID3v1 tag (`TAG`, the last 128 bytes), an APEv2
 * tag (`APETAGEX` footer, with or without its header) and an appended ID3v2 tag (its `3DI` footer), in whatever
 * order they were stacked. Undefined when a tag says it is longer than the file.
 */
export function withoutMp3Tags(bytes: Uint8Array): WithoutTags | undefined {
  const b = Pieces.of(bytes);
  const removed: string[] = [];
  let start = 0;
  // Some writers stack several ID3v2 tags; each starts where the one before ends.
  for (let tags = 0; tags < 8 && b.startsWith('ID3', start) && start + 10 <= b.length; tags++) {
    const end = start + id3v2End(new Pieces([bytes.subarray(start)]));
    if (end > b.length) return undefined;
    removed.push('ID3v2');
    start = end;
  }
  let end = b.length;
  for (let tags = 0; tags < 8; tags++) {
    if (end - start >= 128 && id3v1EndsAt(b, end)) {
      removed.push('ID3v1');
      end -= 128;
    } else if (end - start >= 32 && apeFooterEndsAt(b, end)) {
      // The footer: its size counts the items and the footer, not the header (flag bit 31: there is one).
      const size = b.u32le(end - 32 + 12) + (b.byte(end - 32 + 23) & 0x80 ? 32 : 0);
      if (size < 32 || size > end - start) return undefined;
      removed.push('APEv2');
      end -= size;
    } else if (end - start >= 10 && b.startsWith('3DI', end - 10)) {
      const size = syncsafe(b, end - 4) + 20;
      if (size > end - start) return undefined;
      removed.push('ID3v2');
      end -= size;
    } else break;
  }
  if (removed.length === 0) return unchanged(bytes);
  return { bytes: bytes.slice(start, end), removed };
}

// WAV

/** Chunks that hold metadata (tags, broadcast and production notes, XMP) and nothing a player needs. */
const WAVE_TAGS = new Set(['LIST', 'id3 ', 'ID3 ', 'bext', 'iXML', '_PMX']);

/**
 * A WAV without its metadata chunks (`LIST` with its INFO tags, `id3 `/`ID3 `, `bext`, `iXML`, `_PMX`), the RIFF
 * size less what they held. A chunk that runs past the end of the file ends the walk: kept as it is (a recording's
 * data still arriving), or removed to the end when it is a metadata chunk. Undefined when the file is not RIFF WAVE.
 */
export function withoutWaveMetadata(bytes: Uint8Array): WithoutTags | undefined {
  const b = Pieces.of(bytes);
  if (!b.startsWith('RIFF') || !b.startsWith('WAVE', 8)) return undefined;
  const cuts: Cut[] = [];
  const removed: string[] = [];
  for (let p = 12; p + 8 <= b.length; ) {
    const id = b.latin1(p, p + 4);
    const next = p + 8 + b.u32le(p + 4) + (b.u32le(p + 4) & 1);
    if (WAVE_TAGS.has(id)) {
      cuts.push({ from: p, to: Math.min(next, b.length) });
      removed.push(id.trim());
    }
    p = next;
  }
  if (cuts.length === 0) return unchanged(bytes);
  const out = withoutCuts(bytes, cuts);
  const declared = b.u32le(4);
  // What was removed of the bytes the RIFF size covers (a chunk may sit past its end).
  const lost = cuts.reduce((n, c) => n + Math.max(0, Math.min(c.to, 8 + declared) - c.from), 0);
  // A size of 0 or 0xFFFFFFFF says "unknown" (a recording streamed as it was made): left as it is.
  if (declared !== 0 && declared !== 0xffffffff) new DataView(out.buffer).setUint32(4, Math.max(4, declared - lost), true);
  return { bytes: out, removed };
}
