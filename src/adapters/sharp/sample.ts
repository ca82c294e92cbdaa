import type { Pixels } from './decode.js';

/**
 * A sample of a picture whose JPEG size stands for the whole picture's: whole rows of JPEG blocks (16 pixel rows,
 * one row of 4:2:0 blocks), one from each of equal bands down the picture. JPEG codes its blocks one by one, so
 * the sample's encoded size times the rows it stands for is within a few percent of the whole picture's, at any
 * quality. A downscaled copy would not do: it packs more detail per pixel, and how much more depends on the
 * picture. Each band gives the row at a pseudo-random place within it, so a pattern that repeats down the
 * picture cannot line up with the sampling.
 */
export interface Sample {
  pixels: Pixels;
  /** The picture's rows per sampled row: the sample's encoded size times this estimates the picture's. */
  scale: number;
}

const BLOCK_ROWS = 16;

/**
 * `share` of the block rows, at least `minRows` of them; undefined when that would be more than half the
 * picture, where encoding the sample would cost about as much as encoding the picture.
 */
export function sampleRows(px: Pixels, share: number, minRows: number): Sample | undefined {
  const rows = Math.ceil(px.height / BLOCK_ROWS);
  const take = Math.max(minRows, Math.round(rows * share));
  if (take > rows / 2) return undefined;
  const stride = px.width * px.channels * BLOCK_ROWS;
  const band = rows / take;
  let seed = 0x9e3779b9; // fixed: the same picture always gives the same sample
  const parts: Buffer[] = [];
  for (let i = 0; i < take; i++) {
    seed = xorshift(seed);
    const row = Math.min(rows - 1, Math.floor((i + seed / 2 ** 32) * band));
    parts.push(px.data.subarray(row * stride, Math.min(px.data.length, (row + 1) * stride)));
  }
  const data = Buffer.concat(parts);
  const height = data.length / (px.width * px.channels);
  return { pixels: { data, width: px.width, height, channels: px.channels }, scale: px.height / height };
}

function xorshift(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}
