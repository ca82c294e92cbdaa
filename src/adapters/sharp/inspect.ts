import type { Metadata } from 'sharp';
import { refuse, type SourceFormat } from '../../core/policy.js';
import { exifTiff } from '../../lib/image-metadata/exif.js';
import { boxes } from '../../lib/isobmff.js';
import { readApng } from '../../lib/png-animation.js';
import { SHARP_FORMATS } from './formats.js';
import type { SharpFactory } from './load.js';

/** What the header says, read without decoding a pixel: enough to refuse early and to decide what to do. */
export interface Header {
  format: SourceFormat;
  /** As shown, after the EXIF orientation; per frame for animations. */
  width: number;
  height: number;
  frames: number;
  /** The EXIF orientation still to apply (1: none). HEIF decoders apply irot/imir themselves. */
  orientation: number;
  /** HEIF only: the file asks to be turned or mirrored (irot/imir), which the decoder does. */
  heifTransform: boolean;
  hasAlpha: boolean;
  /** Kinds of metadata present: what auto mode must not pass on. */
  metadata: string[];
  /** The pixels are not plain sRGB (another ICC profile, CMYK): they must be converted. */
  needsColourConversion: boolean;
  /** HEVC-coded HEIF, which sharp's libvips cannot decode: heic.ts does it. */
  hevc: boolean;
  delay?: number[];
  loop?: number;
  icc?: Buffer;
  exif?: Buffer;
  xmp?: Buffer;
}

/**
 * Reads the header and refuses at once what is unreadable or has more pixels than allowed. `heifCodec`: how a
 * HEIF's primary image is coded, read from its boxes (sharp guesses it from the major brand).
 */
export async function inspect(sharp: SharpFactory, bytes: Uint8Array, format: SourceFormat, maxPixels: number, heifCodec?: 'hevc' | 'av1'): Promise<Header> {
  const header = fromSharp(format, await readMetadata(sharp, bytes, format), bytes, heifCodec);
  if (header.width <= 0 || header.height <= 0) throw refuse.unreadable(format);
  if (header.width * header.height * header.frames > maxPixels) {
    throw refuse.tooManyPixels(header.width, header.height, header.frames, maxPixels);
  }
  return header;
}

async function readMetadata(sharp: SharpFactory, bytes: Uint8Array, format: SourceFormat): Promise<Metadata> {
  try {
    // No pixel limit here: this reads the header only, and the limit is checked right after with a clear message.
    const m = await sharp(bytes, { limitInputPixels: false, animated: format === 'gif' || format === 'webp' }).metadata();
    if (!SHARP_FORMATS[format].includes(m.format)) throw new Error(`decodes as ${m.format}`);
    return m;
  } catch (err) {
    throw refuse.unreadable(format, err);
  }
}

function fromSharp(format: SourceFormat, m: Metadata, bytes: Uint8Array, heifCodec?: 'hevc' | 'av1'): Header {
  const heif = m.format === 'heif';
  // libvips reads an APNG's default image only: its frames are read from its chunks (and composed by apng.ts).
  const apng = format === 'png' ? readApng(bytes) : undefined;
  const orientation = heif ? 1 : (m.orientation ?? 1);
  const turned = orientation >= 5;
  // With `animated`, height is all frames stacked; pageHeight is one frame.
  const frameHeight = m.pageHeight ?? m.height;
  const metadata = [m.exif && 'exif', m.xmp && 'xmp', m.iptc && 'iptc', m.comments?.length && 'comments', m.tifftagPhotoshop && 'photoshop'].filter(
    (k): k is string => typeof k === 'string',
  );
  return {
    format,
    width: turned ? frameHeight : m.width,
    height: turned ? m.width : frameHeight,
    // Only GIF and WebP pages and APNG frames are animation frames; other formats' extra pages (TIFF pages, HEIF
    // auxiliary images) are never decoded, so they neither count against the pixel limit nor make an animation.
    frames: apng ? apng.frames.length : format === 'gif' || format === 'webp' ? Math.max(1, m.pages ?? 1) : 1,
    orientation: orientation >= 1 && orientation <= 8 ? orientation : 1,
    heifTransform: heif && hasHeifTransform(bytes),
    hasAlpha: m.hasAlpha,
    metadata,
    needsColourConversion: m.space === 'cmyk' || (m.icc !== undefined && !isSrgbProfile(m.icc)),
    hevc: heif && (heifCodec ? heifCodec === 'hevc' : m.compression === 'hevc'),
    delay: apng ? apng.frames.map((f) => f.delayMs) : m.delay,
    loop: apng ? apng.plays : m.loop,
    icc: m.icc,
    exif: m.exif && exifTiff(m.exif),
    xmp: m.xmp,
  };
}

/**
 * Whether an ICC profile is sRGB, from its description tag ('desc' v2 ASCII or 'mluc' v4 UTF-16): sRGB needs no
 * conversion, so a small JPEG that only carries "sRGB IEC61966-2.1" can still pass untouched.
 */
export function isSrgbProfile(icc: Buffer): boolean {
  if (icc.length < 132) return false;
  const count = icc.readUInt32BE(128);
  for (let i = 0; i < count && 132 + i * 12 + 12 <= icc.length; i++) {
    const at = 132 + i * 12;
    if (icc.toString('latin1', at, at + 4) !== 'desc') continue;
    const start = icc.readUInt32BE(at + 4);
    const text = icc.toString('latin1', start, Math.min(icc.length, start + icc.readUInt32BE(at + 8))).replace(/\0/g, '');
    return /sRGB/.test(text);
  }
  return false;
}

/** Looks for irot/imir property boxes inside the leading `meta` box (it is small; this is a bounded scan). */
function hasHeifTransform(bytes: Uint8Array): boolean {
  const meta = boxes(bytes).find((box) => box.type === 'meta');
  if (!meta) return false;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).subarray(meta.start, meta.end);
  return b.includes('irot', 0, 'latin1') || b.includes('imir', 0, 'latin1');
}
