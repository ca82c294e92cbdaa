import { Buffer } from 'node:buffer';
import { deflateSync } from 'node:zlib';
import { chunkEnd, completePngChunks, type PngChunk } from '../png.js';
import { orientationOnly } from './exif.js';
import type { Layout, MetadataKind, Span } from './layout.js';

/**
 * PNG chunks, handled without touching the compressed pixels: metadata cut out of a file passed as it is (see
 * layout.ts), EXIF/XMP put back for keep_metadata, and decoded HEIC pixels labelled with their colour profile so
 * sharp can convert them.
 */
/** Ancillary chunks that change how the picture looks or moves; every other ancillary chunk is metadata. */
const KEPT = new Set(['tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'pHYs', 'bKGD', 'hIST', 'acTL', 'fcTL', 'fdAT', 'cICP', 'mDCV', 'cLLI']);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Whether every chunk is whole and IEND is there: PNG decoders may show a cut-short file without complaint. */
export const pngIsComplete = (bytes: Uint8Array): boolean => completePngChunks(bytes) !== undefined;

/**
 * The file as spans: text (tEXt, zTXt, iTXt: comments, authors, dates, file paths, XMP, raw EXIF or IPTC
 * profiles), eXIf, tIME and private chunks are metadata wherever they sit, after the image data too, and so is
 * anything after IEND; critical chunks and those that change how the picture looks or moves are the picture.
 */
export function pngLayout(bytes: Uint8Array): Layout | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const list = completePngChunks(b);
  if (!list) return undefined;
  const spans: Span[] = [{ start: 0, end: 8 }, ...list.map((c) => ({ start: c.start, end: chunkEnd(c), kind: chunkKind(b, c) }))];
  const end = chunkEnd(list.at(-1)!);
  if (end < b.length) spans.push({ start: end, end: b.length, kind: 'trailing_data' });
  // The orientation goes before the first IDAT: decoders read it only there.
  const idat = list.findIndex((c) => c.type === 'IDAT');
  return { spans, exifAt: idat === -1 ? undefined : idat + 1, orientationBlock: (orientation) => chunk('eXIf', orientationOnly(orientation)) };
}

function chunkKind(b: Buffer, c: PngChunk): MetadataKind | undefined {
  const critical = c.type.charCodeAt(0) < 0x61; // an upper-case first letter marks a chunk needed to decode
  if (critical || KEPT.has(c.type)) return undefined;
  if (c.type === 'eXIf') return 'exif';
  if (c.type === 'tIME') return 'time';
  if (c.type !== 'tEXt' && c.type !== 'zTXt' && c.type !== 'iTXt') return 'other';
  // Text chunks carry what editors could not put elsewhere, named by their keyword (ImageMagick's "Raw profile type …").
  const keyword = b.toString('latin1', c.data, Math.min(c.end, c.data + 80)).split('\0')[0]!.toLowerCase();
  if (keyword === 'xml:com.adobe.xmp' || keyword === 'raw profile type xmp') return 'xmp';
  if (keyword === 'raw profile type exif' || keyword === 'raw profile type app1') return 'exif';
  if (keyword === 'raw profile type iptc' || keyword === 'raw profile type 8bim') return 'iptc';
  return 'text';
}

/** The eXIf chunk's data (TIFF bytes), if there is one: where the orientation is. */
export function pngExif(bytes: Uint8Array): Buffer | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const exif = completePngChunks(b)?.find((c) => c.type === 'eXIf');
  return exif && b.subarray(exif.data, exif.end);
}

/** Inserts chunks right after IHDR (where iCCP must be, and early enough for eXIf and iTXt). */
export function insertPngChunks(png: Buffer, extra: Buffer[]): Buffer {
  const ihdr = completePngChunks(png)?.[0];
  if (!ihdr || ihdr.type !== 'IHDR' || extra.length === 0) return png;
  return Buffer.concat([png.subarray(0, chunkEnd(ihdr)), ...extra, png.subarray(chunkEnd(ihdr))]);
}

export const iccpChunk = (profile: Buffer): Buffer => chunk('iCCP', Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(profile)]));

export const exifChunk = (tiff: Buffer): Buffer => chunk('eXIf', tiff);

/** XMP goes in an uncompressed iTXt chunk under the keyword the XMP specification names. */
export const xmpChunk = (xmp: Buffer): Buffer => chunk('iTXt', Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'), xmp]));
