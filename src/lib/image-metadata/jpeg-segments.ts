import { Buffer } from 'node:buffer';
import { orientationOnly, withExifHeader } from './exif.js';

/**
 * JPEG marker segments, handled without touching the compressed pixels: for optimize=off (drop metadata, keep
 * the picture byte for byte) and for keep_metadata (put the original EXIF/XMP back after a re-encode).
 */
interface Segment {
  marker: number;
  start: number;
  end: number;
}

const XMP_HEADER = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const MAX_SEGMENT_PAYLOAD = 65_533;

/** The segments before the first scan, and where the scan data starts; undefined if this is not a sane JPEG. */
function headerSegments(b: Buffer): { segments: Segment[]; scanStart: number } | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  const segments: Segment[] = [];
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return undefined;
    const marker = b[p + 1]!;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === 0xda) return { segments, scanStart: p };
    const end = p + 2 + b.readUInt16BE(p + 2);
    if (end > b.length) return undefined;
    segments.push({ marker, start: p, end });
    p = end;
  }
  return undefined;
}

/** Where EOI ends, walking scans and the segments between them (an FF D9 inside a table is not the end). */
function endOfImage(b: Buffer, scanStart: number): number | undefined {
  let p = scanStart;
  while (p + 1 < b.length) {
    if (b[p] !== 0xff) return undefined;
    const marker = b[p + 1]!;
    if (marker === 0xd9) return p + 2;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (p + 4 > b.length) return undefined;
    p += 2 + b.readUInt16BE(p + 2);
    if (marker !== 0xda) continue;
    // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or a restart marker; anything else is a marker.
    while (p + 1 < b.length && !(b[p] === 0xff && b[p + 1] !== 0x00 && (b[p + 1]! < 0xd0 || b[p + 1]! > 0xd7))) p++;
  }
  return undefined;
}

function isKept(b: Buffer, s: Segment): boolean {
  const id = (text: string) => b.toString('latin1', s.start + 4, s.start + 4 + text.length) === text;
  if (s.marker === 0xe0) return id('JFIF\0'); // JFXX carries a thumbnail
  if (s.marker === 0xe2) return id('ICC_PROFILE\0'); // colour; MPF/FPXR point at extra images
  if (s.marker === 0xee) return id('Adobe'); // needed to decode CMYK/YCCK correctly
  return s.marker < 0xe0 || (s.marker > 0xef && s.marker !== 0xfe); // tables and frame headers; not APPn or COM
}

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/**
 * The same picture without EXIF, XMP, IPTC, comments, thumbnails or trailing extra images. When the EXIF said
 * the picture must be turned, a block holding only that instruction is kept so it still shows upright.
 */
export function stripJpeg(bytes: Uint8Array, orientation: number): Buffer | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const header = headerSegments(b);
  const eoi = header && endOfImage(b, header.scanStart);
  if (!header || eoi === undefined) return undefined;
  const kept = header.segments.filter((s) => isKept(b, s)).map((s) => b.subarray(s.start, s.end));
  const exif = orientation > 1 ? [segment(0xe1, withExifHeader(orientationOnly(orientation)))] : [];
  const jfif = kept[0] && kept[0][1] === 0xe0 ? [kept.shift()!] : [];
  return Buffer.concat([b.subarray(0, 2), ...jfif, ...exif, ...kept, b.subarray(header.scanStart, eoi)]);
}

/** The first EXIF block (the APP1 payload, "Exif\0\0" included) before the scan, if any: where the orientation is. */
export function jpegExif(bytes: Uint8Array): Buffer | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const exif = headerSegments(b)?.segments.find((s) => s.marker === 0xe1 && b.toString('latin1', s.start + 4, s.start + 10) === 'Exif\0\0');
  return exif && b.subarray(exif.start + 4, exif.end);
}

/** Puts EXIF (TIFF bytes) and XMP into a freshly encoded JPEG, after SOI and any JFIF segment. */
export function insertJpegMetadata(jpeg: Buffer, meta: { tiff?: Buffer; xmp?: Buffer }): Buffer {
  const header = headerSegments(jpeg);
  if (!header) return jpeg;
  const extra: Buffer[] = [];
  if (meta.tiff && meta.tiff.length + 6 <= MAX_SEGMENT_PAYLOAD) extra.push(segment(0xe1, withExifHeader(meta.tiff)));
  if (meta.xmp && meta.xmp.length + XMP_HEADER.length <= MAX_SEGMENT_PAYLOAD) extra.push(segment(0xe1, Buffer.concat([XMP_HEADER, meta.xmp])));
  const first = header.segments[0];
  const at = first && first.marker === 0xe0 ? first.end : 2;
  return Buffer.concat([jpeg.subarray(0, at), ...extra, jpeg.subarray(at)]);
}

/** How many bytes insertJpegMetadata will add: the fit leaves room for them. */
export function jpegMetadataBytes(meta: { tiff?: Buffer; xmp?: Buffer }): number {
  const exif = meta.tiff && meta.tiff.length + 6 <= MAX_SEGMENT_PAYLOAD ? meta.tiff.length + 10 : 0;
  const xmp = meta.xmp && meta.xmp.length + XMP_HEADER.length <= MAX_SEGMENT_PAYLOAD ? meta.xmp.length + XMP_HEADER.length + 4 : 0;
  return exif + xmp;
}
