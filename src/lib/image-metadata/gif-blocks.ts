import type { Layout, MetadataKind, Span } from './layout.js';

/**
 * GIF blocks (GIF89a specification): the header and colour table, extensions, images and the trailer, walked
 * without decoding, for cutting metadata out of a file passed as it is (see layout.ts), for telling a cut-short
 * file from a whole one, and for gif-lzw.ts to read each image's data.
 */
export interface GifImage {
  width: number;
  height: number;
  /** Entries in the colour table this image uses: its own, else the global one (0: none). */
  colours: number;
  /** The LZW minimum code size. */
  codeSize: number;
  /** Where its data sub-blocks begin (a length byte). */
  data: number;
}

export interface GifWalk {
  spans: Span[];
  images: GifImage[];
}

const EXTENSION = 0x21;
const IMAGE = 0x2c;
const TRAILER = 0x3b;
const GRAPHIC_CONTROL = 0xf9;
const PLAIN_TEXT = 0x01;
const COMMENT = 0xfe;
const APPLICATION = 0xff;

/** Application extensions by identifier (8 bytes and a 3-byte code): only the animation loop is the picture's. */
function applicationKind(id: string): MetadataKind | undefined {
  if (id === 'NETSCAPE2.0' || id === 'ANIMEXTS1.0') return undefined;
  if (id === 'XMP DataXMP') return 'xmp';
  if (id === 'ICCRGBG1012') return 'icc';
  if (id.startsWith('MGK8BIM') || id.startsWith('MGKIPTC')) return 'iptc'; // ImageMagick's Photoshop and IPTC blocks
  return 'other';
}

const tableSize = (packed: number) => (packed & 0x80 ? 2 << (packed & 7) : 0);

/**
 * The file's blocks up to the trailer, and anything after it; undefined when a block is cut short or something
 * other than a block stands where one must. GIF decoders quietly show what they have of a cut-short file, so
 * this is how a truncated upload is told apart from a whole one.
 */
export function gifWalk(bytes: Uint8Array): GifWalk | undefined {
  const b = bytes;
  if (b.length < 14 || b[0] !== 0x47 || b[1] !== 0x49 || b[2] !== 0x46) return undefined; // "GIF"
  const globalColours = tableSize(b[10]!);
  const spans: Span[] = [{ start: 0, end: 13 + 3 * globalColours }];
  const images: GifImage[] = [];
  /** Past the data sub-blocks that start at `p` (each a length byte and that many bytes; a 0 ends them). */
  const subBlocksEnd = (p: number): number | undefined => {
    while (p < b.length) {
      const n = b[p]!;
      p += 1 + n;
      if (n === 0) return p;
    }
    return undefined;
  };
  for (let p = spans[0]!.end; p < b.length; ) {
    const block = b[p];
    if (block === TRAILER) {
      spans.push({ start: p, end: p + 1 });
      if (p + 1 < b.length) spans.push({ start: p + 1, end: b.length, kind: 'trailing_data' });
      return { spans, images };
    }
    if (block === EXTENSION) {
      const label = b[p + 1];
      const end = subBlocksEnd(p + 2);
      if (end === undefined) return undefined;
      const kind = extensionKind(b, p, label);
      // A plain-text extension is drawn with the graphic control block before it: they go together.
      const previous = spans.at(-1)!;
      if (label === PLAIN_TEXT && !previous.kind && b[previous.start] === EXTENSION && b[previous.start + 1] === GRAPHIC_CONTROL) previous.kind = 'text';
      spans.push({ start: p, end, kind });
      p = end;
    } else if (block === IMAGE) {
      if (p + 11 > b.length) return undefined;
      const localColours = tableSize(b[p + 9]!);
      const codeSizeAt = p + 10 + 3 * localColours;
      const end = codeSizeAt < b.length ? subBlocksEnd(codeSizeAt + 1) : undefined;
      if (end === undefined) return undefined;
      const u16 = (at: number) => b[at]! | (b[at + 1]! << 8);
      images.push({ width: u16(p + 5), height: u16(p + 7), colours: localColours || globalColours, codeSize: b[codeSizeAt]!, data: codeSizeAt + 1 });
      spans.push({ start: p, end });
      p = end;
    } else return undefined;
  }
  return undefined; // no trailer
}

function extensionKind(b: Uint8Array, p: number, label: number | undefined): MetadataKind | undefined {
  switch (label) {
    case GRAPHIC_CONTROL:
      return undefined; // frame delays, disposal and transparency
    case APPLICATION:
      return applicationKind(String.fromCharCode(...b.subarray(p + 3, Math.min(b.length, p + 14))));
    case COMMENT:
      return 'comments';
    case PLAIN_TEXT:
      return 'text'; // text to draw over the picture, which decoders ignore: a caption, at best
    default:
      return 'other';
  }
}

export const gifIsComplete = (bytes: Uint8Array): boolean => gifWalk(bytes) !== undefined;

/** The file as spans: comments, text, application data other than the animation loop, and anything after the trailer are metadata. */
export function gifLayout(bytes: Uint8Array): Layout | undefined {
  const walked = gifWalk(bytes);
  return walked && { spans: walked.spans };
}
