import { Buffer } from 'node:buffer';
import { orientationOnly, withExifHeader } from './exif.js';
import type { Layout, MetadataKind, Span } from './layout.js';

/**
 * JPEG marker segments, handled without touching the compressed pixels: metadata cut out of a file passed as it
 * is (see layout.ts), and EXIF/XMP put back after a re-encode for keep_metadata.
 */
interface Segment {
  marker: number;
  /** Where the segment's bytes begin: fill bytes (0xFF) before the marker belong to it. */
  from: number;
  /** Where its marker is. */
  at: number;
  /** Past its end; for a scan (SOS), past its entropy-coded data. */
  end: number;
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP1 = 0xe1;
const COM = 0xfe;
const XMP_HEADER = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const MAX_SEGMENT_PAYLOAD = 65_533;
/** A JFIF APP0 without a thumbnail: marker, length, "JFIF\0", version, units, densities, thumbnail 0×0. */
const JFIF_BYTES = 18;

const isRestart = (marker: number) => marker >= 0xd0 && marker <= 0xd7;

/**
 * Every segment from SOI to EOI, scans and the segments between them included (metadata can sit between the
 * scans of a progressive JPEG), and where EOI ends. Undefined when the file is cut short, or something other than
 * a marker stands where one must (an FF D9 inside a table or a scan is not the end).
 */
function walk(b: Buffer): { segments: Segment[]; end: number } | undefined {
  if (b[0] !== 0xff || b[1] !== SOI) return undefined;
  const segments: Segment[] = [];
  for (let p = 2; ; ) {
    let at = p;
    while (b[at] === 0xff && b[at + 1] === 0xff) at++; // fill bytes
    if (at + 1 >= b.length || b[at] !== 0xff) return undefined;
    const marker = b[at + 1]!;
    if (marker === EOI) return { segments, end: at + 2 };
    if (marker === 0x00 || marker === 0x01 || marker === SOI || isRestart(marker) || at + 4 > b.length) return undefined;
    let end = at + 2 + b.readUInt16BE(at + 2);
    if (end > b.length) return undefined;
    if (marker === SOS) end = entropyEnd(b, end);
    segments.push({ marker, from: p, at, end });
    p = end;
  }
}

/** Entropy-coded data runs to the first 0xFF that is not stuffing (FF 00) or a restart marker (FF D0–D7). */
function entropyEnd(b: Buffer, from: number): number {
  for (let p = b.indexOf(0xff, from); p !== -1 && p + 1 < b.length; p = b.indexOf(0xff, p + 2)) {
    const next = b[p + 1]!;
    if (next !== 0x00 && !isRestart(next)) return p;
  }
  return b.length;
}

/** The kind of metadata a segment holds, or undefined when it is needed to show the picture. */
function kindOf(b: Buffer, s: Segment): MetadataKind | undefined {
  const id = (text: string) => b.toString('latin1', s.at + 4, s.at + 4 + text.length) === text;
  if (s.marker === COM) return 'comments';
  if (s.marker < APP0 || s.marker > 0xef) return undefined; // tables, frame and scan headers
  switch (s.marker) {
    case APP0:
      // JFIF tells the pixel density (and may carry a thumbnail, handled by the caller); JFXX is a thumbnail.
      return id('JFIF\0') ? undefined : id('JFXX\0') ? 'thumbnail' : 'other';
    case APP1:
      return id('Exif\0') ? 'exif' : id('http://ns.adobe.com/') ? 'xmp' : 'other';
    case 0xe2:
      return id('ICC_PROFILE\0') ? undefined : 'other'; // the colour profile; MPF and FPXR point at extra images
    case 0xed:
      return 'iptc'; // Photoshop's block: IPTC, and Photoshop's own paths, captions and thumbnails
    case 0xee:
      return id('Adobe') ? undefined : 'other'; // Adobe's tells how to decode CMYK and YCCK colours
    default:
      return 'other';
  }
}

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/**
 * The file as spans: EXIF (reduced to the orientation by the caller), XMP, IPTC, comments, thumbnails (a JFIF
 * header's own, kept without it), extra images and anything after EOI are metadata; the JFIF header, the colour
 * profile, Adobe's colour-transform marker, tables, frame headers and scans are the picture.
 */
export function jpegLayout(bytes: Uint8Array): Layout | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const walked = walk(b);
  if (!walked) return undefined;
  const spans: Span[] = [{ start: 0, end: 2 }];
  for (const s of walked.segments) {
    const span: Span = { start: s.from, end: s.end, kind: kindOf(b, s) };
    if (s.marker === APP0 && !span.kind && s.end - s.at > JFIF_BYTES) {
      // A JFIF thumbnail can show what was cropped out of the picture: the header stays, the thumbnail goes.
      const header = Buffer.from(b.subarray(s.at + 4, s.at + JFIF_BYTES));
      header[12] = header[13] = 0;
      Object.assign(span, { kind: 'thumbnail', replacement: segment(APP0, header) });
    }
    spans.push(span);
  }
  const last = walked.segments.at(-1)?.end ?? 2;
  spans.push({ start: last, end: walked.end });
  if (walked.end < b.length) spans.push({ start: walked.end, end: b.length, kind: 'trailing_data' });
  // JFIF must come first; the orientation block goes right after it (or after SOI).
  const first = walked.segments[0];
  const exifAt = first && first.marker === APP0 && b.toString('latin1', first.at + 4, first.at + 9) === 'JFIF\0' ? 2 : 1;
  return { spans, exifAt, orientationBlock: (orientation) => segment(APP1, withExifHeader(orientationOnly(orientation))) };
}

/** The first EXIF block (the APP1 payload, "Exif\0\0" included) before the scan, if any: where the orientation is. */
export function jpegExif(bytes: Uint8Array): Buffer | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const segments = walk(b)?.segments ?? [];
  const scan = segments.findIndex((s) => s.marker === SOS);
  const exif = segments.slice(0, scan === -1 ? undefined : scan).find((s) => s.marker === APP1 && b.toString('latin1', s.at + 4, s.at + 10) === 'Exif\0\0');
  return exif && b.subarray(exif.at + 4, exif.end);
}

/** Which of the blocks fit in a JPEG segment: what insertJpegMetadata puts in (a larger one would need splitting). */
export function keptInJpeg(meta: { tiff?: Buffer; xmp?: Buffer }): { tiff?: Buffer; xmp?: Buffer } {
  return {
    ...(meta.tiff && meta.tiff.length + 6 <= MAX_SEGMENT_PAYLOAD && { tiff: meta.tiff }),
    ...(meta.xmp && meta.xmp.length + XMP_HEADER.length <= MAX_SEGMENT_PAYLOAD && { xmp: meta.xmp }),
  };
}

/** Puts EXIF (TIFF bytes) and XMP into a freshly encoded JPEG, after SOI and any JFIF segment. */
export function insertJpegMetadata(jpeg: Buffer, meta: { tiff?: Buffer; xmp?: Buffer }): Buffer {
  const segments = walk(jpeg)?.segments;
  if (!segments) return jpeg;
  const { tiff, xmp } = keptInJpeg(meta);
  const extra: Buffer[] = [];
  if (tiff) extra.push(segment(APP1, withExifHeader(tiff)));
  if (xmp) extra.push(segment(APP1, Buffer.concat([XMP_HEADER, xmp])));
  const first = segments[0];
  const at = first && first.marker === APP0 ? first.end : 2;
  return Buffer.concat([jpeg.subarray(0, at), ...extra, jpeg.subarray(at)]);
}

/** How many bytes insertJpegMetadata will add: the fit leaves room for them. */
export function jpegMetadataBytes(meta: { tiff?: Buffer; xmp?: Buffer }): number {
  const { tiff, xmp } = keptInJpeg(meta);
  return (tiff ? tiff.length + 10 : 0) + (xmp ? xmp.length + XMP_HEADER.length + 4 : 0);
}
