import type { Pixels } from './decode.js';

/**
 * A sample of a picture whose JPEG size stands for the whole picture's: from every row of JPEG blocks (16 pixel
 * rows, one row of 4:2:0 blocks), one of `parts` equal pieces side by side, stacked into a narrow picture.
 * JPEG codes its blocks one by one, so the sample's encoded size, scaled by the area it stands for, is within a
 * few percent of the whole picture's at any quality. A downscaled copy would not do: it packs more detail per
 * pixel, and how much more depends on the picture. Every block row is in the sample, so detail that changes
 * down the picture (sky above, grass below, lines of text) counts in proportion; which piece of a row is taken
 * goes round the pieces in a shuffled order, so each column of the picture counts alike.
 */
export interface Sample {
  pixels: Pixels;
  /** The picture's area over the sample's: the sample's encoded size times this estimates the picture's. */
  scale: number;
}

const BLOCK = 16;

/** Undefined when the picture is too small to split into `parts` pieces of whole blocks, or to be worth it. */
export function sampleBlockRows(px: Pixels, parts: number, minBlockRows: number): Sample | undefined {
  const rows = Math.ceil(px.height / BLOCK);
  const pieceBlocks = Math.floor(px.width / BLOCK / parts);
  if (rows < minBlockRows || pieceBlocks < 1) return undefined;
  const rowBytes = px.width * px.channels;
  const pieceBytes = pieceBlocks * BLOCK * px.channels;
  const data = Buffer.allocUnsafe(pieceBytes * px.height);
  const order = Array.from({ length: parts }, (_, i) => i);
  let seed = 0x9e3779b9; // fixed: the same picture always gives the same sample
  for (let row = 0; row < rows; row++) {
    if (row % parts === 0) seed = shuffle(order, seed);
    const left = order[row % parts]! * pieceBytes;
    for (let y = row * BLOCK; y < Math.min(px.height, (row + 1) * BLOCK); y++) {
      px.data.copy(data, y * pieceBytes, y * rowBytes + left, y * rowBytes + left + pieceBytes);
    }
  }
  const width = pieceBlocks * BLOCK;
  return { pixels: { data, width, height: px.height, channels: px.channels }, scale: px.width / width };
}

/** Fisher–Yates with xorshift32; returns the next seed. */
function shuffle(order: number[], seed: number): number {
  for (let i = order.length - 1; i > 0; i--) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return seed;
}
