import type { Pixels } from './decode.js';
import { jpegMetadataBytes, insertJpegMetadata, keptInJpeg } from '../../lib/image-metadata/jpeg-segments.js';
import { recompressStep, refuse, type SourceFormat } from '../../core/policy.js';
import { scaleToFit, searchQuality } from '../../core/fit-bytes.js';
import type { SharpFactory } from './load.js';
import { sampleBlockRows } from './sample.js';
import { exifChunk, insertPngChunks, xmpChunk } from '../../lib/image-metadata/png-chunks.js';

/** Metadata to put back into the output (keep_metadata=true); the orientation in it already says "upright". */
export interface KeptMetadata {
  tiff?: Buffer;
  xmp?: Buffer;
}

export interface StillResult {
  bytes: Buffer;
  extension: 'jpg' | 'png';
  width: number;
  height: number;
  steps: string[];
  /** The kinds of metadata put back (keep_metadata): exif, xmp. */
  kept: string[];
  encodes: number;
  /** Encodes of a sample of the picture, to aim the first full encode. */
  probes: number;
}

export interface StillOptions {
  target: number;
  source: SourceFormat;
  /** The uploaded file's size and pixel count: a PNG's own compression predicts a lossless re-encode. */
  sourceBytes: number;
  sourcePixels: number;
  keep?: KeptMetadata;
}

// Baseline (not progressive) JPEG: every handset decodes it. Measured at equal file size (docs/performance.md):
// trellis quantisation makes an encode 5–13× slower for at most +0.001 SSIM; deringing ~15 % slower for no gain;
// optimised Huffman tables make it ~3× slower (~25 ms at 2048 px) and save ~3.5 % of the bytes — two quality
// steps, +0.003 SSIM on a detailed photo — so they stay.
export const JPEG_OPTIONS = { trellisQuantisation: false, overshootDeringing: false, optimiseCoding: true, progressive: false } as const;
// The sample that aims the first full encode: a quarter of each row of blocks. Pictures under 32 block rows
// (~500 px) get none: their full encodes cost about what the probes would.
const SAMPLE_PARTS = 4;
const SAMPLE_MIN_BLOCK_ROWS = 32;
const MIN_SIDE = 160;
const PALETTE_RATIO = 0.3;

/**
 * Encodes decoded pixels within the budget. Photos go JPEG with the quality search. PNGs stay PNG when a
 * lossless or 256-colour version fits at full size; an opaque PNG that cannot becomes JPEG; a transparent one
 * stays PNG, shrinking and then dropping to 16 colours before giving up. Other formats become JPEG, or PNG
 * where transparency matters.
 */
export async function fitStill(sharp: SharpFactory, pixels: Pixels, o: StillOptions): Promise<StillResult> {
  const sizes = new Map<string, Promise<Pixels>>([[`${pixels.width}x${pixels.height}`, Promise.resolve(pixels)]]);
  const at = (width: number, height: number): Promise<Pixels> => {
    const key = `${width}x${height}`;
    if (!sizes.has(key)) sizes.set(key, resized(sharp, pixels, width, height));
    return sizes.get(key)!;
  };
  let encodes = 0;
  if (pixels.channels === 4 || o.source === 'png') {
    const png = await fitPng(sharp, pixels, o, at);
    encodes = png.encodes;
    if (png.result) return png.result;
    if (pixels.channels === 4) throw refuse.transparentDoesNotFit(png.last, png.lastBytes, o.target);
  }
  const room = jpegMetadataBytes(o.keep ?? {});
  if (room >= o.target / 2) throw refuse.metadataTooLarge(room, o.target);
  const search = await searchQuality({
    target: o.target - room,
    width: pixels.width,
    height: pixels.height,
    encode: async (quality, width, height) => jpeg(sharp, await at(width, height), quality),
    estimate: sampleEstimate(sharp, pixels),
  });
  encodes += search.encodes;
  const best = search.best;
  if (!best) throw refuse.photoDoesNotFit(o.target);
  const bytes = o.keep ? insertJpegMetadata(best.bytes, o.keep) : best.bytes;
  const kept = keptKinds(o.keep && keptInJpeg(o.keep));
  return { bytes, extension: 'jpg', width: best.width, height: best.height, steps: [`quality:${best.quality}`], kept, encodes, probes: search.probes };
}

interface PngFit {
  result?: StillResult;
  encodes: number;
  last: string;
  lastBytes: number;
}

async function fitPng(sharp: SharpFactory, pixels: Pixels, o: StillOptions, at: (w: number, h: number) => Promise<Pixels>): Promise<PngFit> {
  const extra = [o.keep?.tiff && exifChunk(o.keep.tiff), o.keep?.xmp && xmpChunk(o.keep.xmp)].filter((c): c is Buffer => Boolean(c));
  const room = extra.reduce((n, c) => n + c.length, 0);
  // As for JPEG: metadata taking half the budget leaves too little for the picture (at or over all of it, no size
  // would fit). Transparency must stay PNG; an opaque picture still has JPEG, where the metadata is weighed again.
  if (room >= o.target / 2) {
    if (pixels.channels === 4) throw refuse.metadataTooLarge(room, o.target);
    return { encodes: 0, last: '', lastBytes: 0 };
  }
  const target = o.target - room;
  let encodes = 0;
  let { width, height } = pixels;
  let bytes: Buffer = Buffer.alloc(0);
  /** Shrinks towards what `size` bytes suggest, never below MIN_SIDE (or the original); false when no smaller. */
  const shrinkFor = (size: number): boolean => {
    const next = scaleToFit(width, height, size, target);
    const floor = Math.min(MIN_SIDE, Math.max(pixels.width, pixels.height));
    const scale = Math.max(next.width / width, floor / Math.max(width, height));
    if (scale >= 0.98) return false;
    width = Math.max(1, Math.round(width * scale));
    height = Math.max(1, Math.round(height * scale));
    return true;
  };
  const done = (steps: string[]): PngFit => ({
    result: { bytes: insertPngChunks(bytes, extra), extension: 'png', width, height, steps, kept: keptKinds(o.keep), encodes, probes: 0 },
    encodes,
    last: '',
    lastBytes: bytes.length,
  });
  const encode = async (colours?: number) => {
    const img = rawInput(sharp, await at(width, height));
    encodes++;
    bytes = await (colours
      ? img.png({ palette: true, colours, dither: 1, effort: 4, compressionLevel: 9 })
      : img.png({ compressionLevel: 9, adaptiveFiltering: true })
    ).toBuffer();
    return bytes.length <= target;
  };
  // The upload's own PNG compression predicts a lossless re-encode's size: try lossless only when it can fit.
  let lossless = o.source === 'png' ? (o.sourceBytes * width * height) / o.sourcePixels : undefined;
  if (lossless !== undefined && lossless <= 1.3 * target) {
    if (await encode()) return done([recompressStep('png')]);
    lossless = bytes.length;
  }
  // 256 colours typically take 30–50% of the lossless size. When even 30% would not fit, an opaque image goes
  // straight to JPEG (quantising 2 MP costs more than a JPEG search); a transparent one starts smaller.
  if (lossless !== undefined && PALETTE_RATIO * lossless > target) {
    if (pixels.channels === 3) return { encodes, last: '', lastBytes: bytes.length };
    shrinkFor(PALETTE_RATIO * lossless);
  }
  if (await encode(256)) return done(['palette:256']);
  if (pixels.channels === 3) return { encodes, last: '', lastBytes: bytes.length };
  for (let i = 0; i < 3 && shrinkFor(bytes.length); i++) {
    if (await encode(256)) return done(['palette:256']);
  }
  if (await encode(16)) return done(['palette:16']);
  return { encodes, last: `${width}×${height} with 16 colours`, lastBytes: bytes.length };
}

const keptKinds = (meta?: KeptMetadata): string[] => [...(meta?.tiff ? ['exif'] : []), ...(meta?.xmp ? ['xmp'] : [])];

const jpeg = (sharp: SharpFactory, px: Pixels, quality: number) => rawInput(sharp, px).jpeg({ quality, ...JPEG_OPTIONS }).toBuffer();

/** The quality search's estimate of a full encode's size: a sample of the picture, encoded and scaled up. */
function sampleEstimate(sharp: SharpFactory, px: Pixels): ((quality: number) => Promise<number>) | undefined {
  const sample = sampleBlockRows(px, SAMPLE_PARTS, SAMPLE_MIN_BLOCK_ROWS);
  return sample && (async (quality) => (await jpeg(sharp, sample.pixels, quality)).length * sample.scale);
}

function rawInput(sharp: SharpFactory, px: Pixels) {
  return sharp(px.data, { raw: { width: px.width, height: px.height, channels: px.channels } });
}

async function resized(sharp: SharpFactory, px: Pixels, width: number, height: number): Promise<Pixels> {
  const { data, info } = await rawInput(sharp, px).resize({ width, height, fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: px.channels };
}
