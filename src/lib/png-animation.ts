import { chunkEnd, pngChunks, type PngChunk } from './png.js';

/**
 * Animated PNG (APNG): a PNG with an animation control chunk (acTL), and for each frame a frame control chunk
 * (fcTL) followed by its compressed data (IDAT for a first frame that is also the default image, fdAT after).
 * Every PNG decoder shows the default image and skips the rest, so an APNG is a PNG; this reads the frames so they
 * can be composed, and drops them to leave the default image. Runtime-neutral, never throws.
 */

export interface ApngFrame {
  width: number;
  height: number;
  x: number;
  y: number;
  delayMs: number;
  /** After the frame is shown, its area is 0: left, 1: cleared to transparent, 2: put back as it was before. */
  dispose: number;
  /** 0: the frame replaces its area; 1: it is drawn over it (alpha blending). */
  blend: number;
  /** Its compressed data, in pieces (the zlib stream split across IDAT or fdAT chunks, sequence numbers removed). */
  data: Uint8Array[];
}

export interface Apng {
  frames: ApngFrame[];
  /** How many times the animation plays; 0: for ever. */
  plays: number;
  /** The chunks every frame's picture needs (IHDR, PLTE, tRNS, colour information), in file order. */
  shared: PngChunk[];
}

/** Chunks that say how pixels look, which every frame shares; anything else before the frames is left out. */
const SHARED = new Set(['IHDR', 'PLTE', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'cICP']);
const ANIMATION = new Set(['acTL', 'fcTL', 'fdAT']);

/** The frames of an APNG with more than one; undefined for a still PNG (or an animation of a single frame). */
export function readApng(b: Uint8Array): Apng | undefined {
  const chunks = pngChunks(b);
  const actl = chunks?.find((c) => c.type === 'acTL');
  if (!chunks || !actl || actl.end - actl.data < 8) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const frames: ApngFrame[] = [];
  let current: ApngFrame | undefined;
  for (const c of chunks) {
    if (c.type === 'fcTL' && c.end - c.data >= 26) {
      const den = v.getUint16(c.data + 22);
      current = {
        width: v.getUint32(c.data + 4),
        height: v.getUint32(c.data + 8),
        x: v.getUint32(c.data + 12),
        y: v.getUint32(c.data + 16),
        // A denominator of 0 means hundredths of a second.
        delayMs: Math.round((v.getUint16(c.data + 20) * 1000) / (den || 100)),
        dispose: b[c.data + 24]!,
        blend: b[c.data + 25]!,
        data: [],
      };
      frames.push(current);
    } else if (c.type === 'IDAT' && current) current.data.push(b.subarray(c.data, c.end));
    else if (c.type === 'fdAT' && current && c.end - c.data > 4) current.data.push(b.subarray(c.data + 4, c.end));
  }
  // acTL's frame count is not trusted: some writers leave a placeholder there. The frames are what the file holds.
  const whole = frames.filter((f) => f.data.length > 0 && f.width > 0 && f.height > 0);
  if (whole.length < 2) return undefined;
  return { frames: whole, plays: v.getUint32(actl.data + 4), shared: chunks.filter((c) => SHARED.has(c.type)) };
}

/** The PNG without its animation chunks: the default image alone, its compressed pixels untouched. */
export function withoutAnimation(b: Uint8Array): Uint8Array {
  const chunks = pngChunks(b);
  if (!chunks) return b;
  const kept = chunks.filter((c) => !ANIMATION.has(c.type));
  const out = new Uint8Array(8 + kept.reduce((n, c) => n + chunkEnd(c) - c.start, 0));
  out.set(b.subarray(0, 8));
  kept.reduce((at, c) => (out.set(b.subarray(c.start, chunkEnd(c)), at), at + chunkEnd(c) - c.start), 8);
  return out;
}
