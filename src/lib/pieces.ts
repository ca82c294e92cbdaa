/**
 * A file held as a list of pieces (pooled blocks, network chunks), read at any offset without joining them: the
 * container readers look at a few bytes here and there of files as large as an upload may be, and a copy of the
 * whole file for that would double the memory it takes.
 */
export class Pieces {
  readonly length: number;
  private readonly pieces: readonly Uint8Array[];
  /** Where each piece starts in the file. */
  private readonly starts: number[] = [];
  /** The piece the last read found: readers mostly move forward a little at a time. */
  private last = 0;

  constructor(pieces: readonly Uint8Array[]) {
    this.pieces = pieces.filter((p) => p.length > 0);
    let at = 0;
    for (const p of this.pieces) {
      this.starts.push(at);
      at += p.length;
    }
    this.length = at;
  }

  static of(bytes: Uint8Array): Pieces {
    return new Pieces([bytes]);
  }

  /** The byte at `i`, which must be below `length`. */
  byte(i: number): number {
    const k = this.pieceOf(i);
    return this.pieces[k]![i - this.starts[k]!]!;
  }

  u16be(i: number): number {
    return (this.byte(i) << 8) | this.byte(i + 1);
  }

  u16le(i: number): number {
    return this.byte(i) | (this.byte(i + 1) << 8);
  }

  u32be(i: number): number {
    return this.byte(i) * 0x1000000 + ((this.byte(i + 1) << 16) | (this.byte(i + 2) << 8) | this.byte(i + 3));
  }

  u32le(i: number): number {
    return this.byte(i + 3) * 0x1000000 + ((this.byte(i + 2) << 16) | (this.byte(i + 1) << 8) | this.byte(i));
  }

  /** A 64-bit big-endian number; above 2^53 it loses precision, which only matters for offsets no file here reaches. */
  u64be(i: number): number {
    return this.u32be(i) * 0x100000000 + this.u32be(i + 4);
  }

  /** Bytes [from, to), clamped to the file: a view when they lie in one piece, else a copy. */
  slice(from: number, to: number): Uint8Array {
    const start = Math.max(0, from);
    const end = Math.min(this.length, to);
    if (end <= start) return new Uint8Array(0);
    const k = this.pieceOf(start);
    const piece = this.pieces[k]!;
    const offset = start - this.starts[k]!;
    if (offset + (end - start) <= piece.length) return piece.subarray(offset, offset + (end - start));
    const out = new Uint8Array(end - start);
    for (let at = start, i = k; at < end; i++) {
      const p = this.pieces[i]!;
      const o = at - this.starts[i]!;
      const n = Math.min(p.length - o, end - at);
      out.set(p.subarray(o, o + n), at - start);
      at += n;
    }
    return out;
  }

  /** Bytes [from, to) as Latin-1 text (four-character codes, signatures), clamped to the file. */
  latin1(from: number, to: number): string {
    let text = '';
    for (const byte of this.slice(from, to)) text += String.fromCharCode(byte);
    return text;
  }

  /** Whether the bytes at `i` are `ascii`. */
  startsWith(ascii: string, i = 0): boolean {
    if (i < 0 || i + ascii.length > this.length) return false;
    for (let k = 0; k < ascii.length; k++) if (this.byte(i + k) !== ascii.charCodeAt(k)) return false;
    return true;
  }

  /** Where `ascii` first starts in [from, to), or -1. */
  indexOf(ascii: string, from = 0, to = this.length): number {
    const end = Math.min(to, this.length) - ascii.length;
    for (let i = Math.max(0, from); i <= end; i++) if (this.startsWith(ascii, i)) return i;
    return -1;
  }

  private pieceOf(i: number): number {
    if (i < 0 || i >= this.length) throw new RangeError(`byte ${i} is outside the ${this.length} held`);
    let k = this.last;
    if (i < this.starts[k]!) k = 0;
    while (i >= this.starts[k]! + this.pieces[k]!.length) k++;
    this.last = k;
    return k;
  }
}

/**
 * A change to a file's bytes: `remove` bytes at `at` give way to `insert`. The file's pieces with it made, as
 * views of the same memory (plus `insert`): nothing is copied.
 */
export interface Splice {
  at: number;
  remove: number;
  insert: Uint8Array;
}

export function spliced(pieces: readonly Uint8Array[], splice: Splice | undefined): Uint8Array[] {
  if (!splice) return [...pieces];
  const out: Uint8Array[] = [];
  const cutEnd = splice.at + splice.remove;
  let start = 0;
  let inserted = false;
  const insert = () => {
    if (!inserted && splice.insert.length > 0) out.push(splice.insert);
    inserted = true;
  };
  for (const p of pieces) {
    const end = start + p.length;
    // The part of this piece before the cut, then (once) the insert, then the part after the cut.
    if (start < splice.at) out.push(p.subarray(0, Math.min(p.length, splice.at - start)));
    if (end >= splice.at) insert();
    if (end > cutEnd) out.push(p.subarray(Math.max(0, cutEnd - start)));
    start = end;
  }
  insert(); // a splice at the very end
  return out.filter((p) => p.length > 0);
}
