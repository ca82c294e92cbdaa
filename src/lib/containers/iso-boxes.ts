import { Pieces } from '../pieces.js';

/**
 * The boxes of the ISO base media file format (ISO/IEC 14496-12), the structure of MP4, 3GP, MOV, HEIF and AVIF
 * alike: each a 32-bit size (1: a 64-bit size follows; 0: it runs to the end of what holds it), a four-character
 * type, then its payload, which may be more boxes. The one walker of them that the readers of video (iso-bmff.ts)
 * and of images (../isobmff.ts) are built on, with the few fields they share: brands, handlers, sample entries.
 * It reads a file held in pieces without joining it and never throws.
 */

export interface Box {
  type: string;
  start: number;
  /** Where the payload starts (after the 8- or 16-byte header). */
  body: number;
  end: number;
}

/** Where the boxes stop adding up: a box that runs past the end of what holds it, or a header that cannot be one. */
export interface BoxBreak {
  at: number;
  /** The box's type, when its header could be read. */
  type?: string;
  /** Where its payload starts and its own end, when its header is whole and it runs past its container's end. */
  body?: number;
  end?: number;
}

/**
 * Visits the boxes from `from` to `to` in order (a file may hold millions of tiny ones: none is kept), stopping at
 * the first that does not fit, which it returns; or when `visit` returns false.
 */
export function eachBox(b: Pieces, from: number, to: number, visit: (box: Box) => boolean | void): BoxBreak | undefined {
  for (let p = from; p < to; ) {
    if (p + 8 > to) return zeros(b, p, to) ? undefined : { at: p }; // QuickTime ends some lists with a zero word
    let size = b.u32be(p);
    let body = p + 8;
    const type = b.latin1(p + 4, p + 8);
    if (size === 1) {
      if (p + 16 > to) return { at: p, type };
      size = b.u64be(p + 8);
      body = p + 16;
    } else if (size === 0) size = to - p; // the last box: it runs to the end of what holds it
    if (size < body - p) return { at: p, type };
    if (p + size > to) return { at: p, type, body, end: p + size };
    if (visit({ type, start: p, body, end: p + size }) === false) return undefined;
    p += size;
  }
  return undefined;
}

const zeros = (b: Pieces, from: number, to: number) => {
  for (let i = from; i < to; i++) if (b.byte(i) !== 0) return false;
  return true;
};

const piecesOf = (b: Uint8Array | Pieces) => (b instanceof Pieces ? b : Pieces.of(b));

/**
 * The boxes between `from` and `to`, one level deep, for readers that take what a damaged file still holds: a box
 * that runs past `to` is cut there and ends the list, and so does a header that cannot be one.
 */
export function boxes(b: Uint8Array | Pieces, from = 0, to = b.length): Box[] {
  const out: Box[] = [];
  const cut = eachBox(piecesOf(b), from, to, (box) => {
    out.push(box);
  });
  if (cut?.type !== undefined && cut.body !== undefined) out.push({ type: cut.type, start: cut.at, body: cut.body, end: to });
  return out;
}

export interface Brands {
  major: string;
  compatible: string[];
}

/** The brands an `ftyp` box's payload [from, to) lists: the major one, a minor version, the compatible ones. */
export function readBrands(b: Pieces, from: number, to: number): Brands | undefined {
  if (to - from < 8) return undefined;
  const compatible: string[] = [];
  for (let p = from + 8; p + 4 <= to; p += 4) compatible.push(b.latin1(p, p + 4));
  return { major: b.latin1(from, from + 4), compatible };
}

/** The brands of a file that starts with a whole `ftyp` box (what a sniffer holds of it); undefined otherwise. */
export function fileBrands(bytes: Uint8Array): Brands | undefined {
  const b = Pieces.of(bytes);
  if (b.length < 16 || !b.startsWith('ftyp', 4)) return undefined;
  const size = b.u32be(0);
  if (size < 16 || size > b.length) return undefined;
  return readBrands(b, 8, size);
}

/** A copy whose major brand is `brand` (the same length, so no offset moves). */
export function withMajorBrand(b: Uint8Array, brand: string): Uint8Array {
  const copy = b.slice();
  for (let i = 0; i < 4; i++) copy[8 + i] = brand.charCodeAt(i);
  return copy;
}

/** An `hdlr` box's handler type (`vide`, `soun`, `pict`…): after its version and flags and a predefined word. */
export function handlerType(b: Pieces, hdlr: Box): string | undefined {
  return hdlr.body + 12 <= hdlr.end ? b.latin1(hdlr.body + 8, hdlr.body + 12) : undefined;
}

/**
 * The type of an `stsd` box's first sample entry — the codec (`avc1`, `hvc1`, `av01`, `mp4a`…), or `encv`/`enca`
 * when encrypted — when the table lists one: version and flags, the entry count, then the entries (boxes).
 */
export function firstSampleEntry(b: Pieces, stsd: Box): string | undefined {
  if (stsd.body + 16 > stsd.end || b.u32be(stsd.body + 4) === 0) return undefined;
  return b.latin1(stsd.body + 12, stsd.body + 16);
}
