/**
 * What each JPEG encoder option costs and buys, on one decoded picture: for each option set, the highest quality
 * whose file stays under an aim, that file's size, one encode's time (median of 3), and its SSIM against the
 * pixels it was made from — so options compare at equal size, which is how the quality search uses them.
 */
import sharp, { type JpegOptions } from 'sharp';
import { JPEG_OPTIONS } from '../src/adapters/sharp/still.js';

export interface OptionRow {
  name: string;
  quality: number;
  bytes: number;
  ms: number;
  ssim: number;
}

export const OPTION_SETS: Array<[string, JpegOptions]> = [
  ['pipeline (optimised Huffman)', JPEG_OPTIONS],
  ['+ trellis quantisation', { ...JPEG_OPTIONS, trellisQuantisation: true }],
  ['+ deringing', { ...JPEG_OPTIONS, overshootDeringing: true }],
  ['− optimised Huffman', { ...JPEG_OPTIONS, optimiseCoding: false }],
];

export async function compareOptions(bytes: Buffer, aim: number): Promise<OptionRow[]> {
  const { data, info } = await sharp(bytes, { autoOrient: true })
    .resize({ width: 2048, height: 2048, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const encode = (quality: number, o: JpegOptions) =>
    sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).jpeg({ ...o, quality }).toBuffer();
  const reference = luma(data, info.width * info.height, 3);
  const rows: OptionRow[] = [];
  for (const [name, o] of OPTION_SETS) {
    let [low, high] = [20, 95];
    let best: { quality: number; out: Buffer } | undefined;
    while (low <= high) {
      const quality = (low + high) >> 1;
      const out = await encode(quality, o);
      if (out.length <= aim) [best, low] = [{ quality, out }, quality + 1];
      else high = quality - 1;
    }
    if (!best) continue;
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await encode(best.quality, o);
      times.push(performance.now() - started);
    }
    const decoded = await sharp(best.out).raw().toBuffer();
    const ssim = meanSsim(reference, luma(decoded, info.width * info.height, 3), info.width, info.height);
    rows.push({ name, quality: best.quality, bytes: best.out.length, ms: times.sort((a, b) => a - b)[1]!, ssim });
  }
  return rows;
}

function luma(rgb: Buffer, pixels: number, channels: number): Float32Array {
  const y = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) y[i] = 0.299 * rgb[i * channels]! + 0.587 * rgb[i * channels + 1]! + 0.114 * rgb[i * channels + 2]!;
  return y;
}

/** SSIM of luma over 8×8 windows every 4 pixels, averaged (1 = identical). */
function meanSsim(a: Float32Array, b: Float32Array, width: number, height: number): number {
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  let windows = 0;
  for (let y = 0; y + 8 <= height; y += 4) {
    for (let x = 0; x + 8 <= width; x += 4) {
      let [sa, sb, saa, sbb, sab] = [0, 0, 0, 0, 0];
      for (let j = 0; j < 8; j++) {
        for (let i = 0; i < 8; i++) {
          const p = (y + j) * width + x + i;
          const [va, vb] = [a[p]!, b[p]!];
          sa += va;
          sb += vb;
          saa += va * va;
          sbb += vb * vb;
          sab += va * vb;
        }
      }
      const [ma, mb] = [sa / 64, sb / 64];
      const [vara, varb, cov] = [(saa - 64 * ma * ma) / 63, (sbb - 64 * mb * mb) / 63, (sab - 64 * ma * mb) / 63];
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (vara + varb + c2));
      windows++;
    }
  }
  return sum / windows;
}
