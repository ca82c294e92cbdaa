import { Buffer } from 'node:buffer';

/**
 * A file cut into the spans its container is made of (JPEG segments, PNG chunks, GIF blocks), each marked with
 * the kind of metadata it holds or unmarked when it is needed to show the picture. Dropping the marked spans
 * removes the metadata without touching the compressed pixels; a file with no marked span comes back as it is.
 */

/** Kinds of metadata, in the order replies list them. */
export const METADATA_KINDS = ['exif', 'xmp', 'iptc', 'comments', 'text', 'time', 'thumbnail', 'icc', 'other', 'trailing_data'] as const;
export type MetadataKind = (typeof METADATA_KINDS)[number];

export interface Span {
  start: number;
  end: number;
  /** Unset: needed to show the picture, always kept. */
  kind?: MetadataKind;
  /** What stands in its place when the metadata goes (a JFIF header without its thumbnail); else it is dropped. */
  replacement?: Uint8Array;
}

export interface Layout {
  /** Contiguous, from byte 0 to the end of the file (bytes after the image's end are a `trailing_data` span). */
  spans: Span[];
  /** Where an orientation-only EXIF block goes (before spans[exifAt]), for formats that carry one. */
  exifAt?: number;
  /** That block, in the container's own form (an APP1 segment, an eXIf chunk). */
  orientationBlock?: (orientation: number) => Uint8Array;
}

export interface Rewritten {
  /** The input itself when nothing was removed. */
  bytes: Uint8Array;
  /** Kinds of metadata in the file, in METADATA_KINDS order. */
  found: MetadataKind[];
  /** Kinds taken out (empty when the bytes are unchanged). */
  removed: MetadataKind[];
}

export const kindsIn = (spans: readonly Span[]): MetadataKind[] => METADATA_KINDS.filter((k) => spans.some((s) => s.kind === k));

/**
 * The file without its metadata spans. `orientation` > 1 keeps the picture's turn as a one-tag EXIF block, so it
 * still shows upright (the EXIF it came from is gone with the rest). `keep` leaves the file as it is.
 */
export function rebuild(bytes: Uint8Array, layout: Layout, o: { keep: boolean; orientation: number }): Rewritten {
  const found = kindsIn(layout.spans);
  if (o.keep) return { bytes, found, removed: [] };
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: Uint8Array[] = [];
  layout.spans.forEach((s, i) => {
    if (i === layout.exifAt && o.orientation > 1 && layout.orientationBlock) out.push(layout.orientationBlock(o.orientation));
    if (!s.kind) out.push(b.subarray(s.start, s.end));
    else if (s.replacement) out.push(s.replacement);
  });
  const rebuilt = Buffer.concat(out);
  // An EXIF that already held only the orientation comes back the same: then nothing was removed.
  if (rebuilt.equals(b)) return { bytes, found, removed: [] };
  return { bytes: rebuilt, found, removed: found };
}
