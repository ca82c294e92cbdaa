import { isAppError } from '../../core/errors.js';
import { refuse } from './formats.js';

/**
 * BMP, read here because sharp's prebuilt libvips has no BMP loader. Uncompressed 1/4/8-bit palette, 16/24/32-bit
 * and bit-field images are read (what Windows and phones write); run-length-compressed ones are refused.
 */
export interface BmpHeader {
  width: number;
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  dataOffset: number;
  headerSize: number;
  masks?: [number, number, number, number];
  paletteSize: number;
}

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

const BI_RGB = 0, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6;

/**
 * Reads the header only, so the pixel count can be checked before anything is allocated. A header that is
 * cut short or does not add up is refused with 422 `unreadable_image`, never a RangeError.
 */
export function bmpHeader(bytes: Uint8Array): BmpHeader {
  try {
    return readHeader(bytes);
  } catch (err) {
    if (isAppError(err)) throw err;
    throw refuse.unreadable('bmp', err); // a bounds check missed below: still the file's fault, not ours
  }
}

function readHeader(bytes: Uint8Array): BmpHeader {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b.length < 26 || b.toString('latin1', 0, 2) !== 'BM') throw refuse.unreadable('bmp');
  const headerSize = b.readUInt32LE(14);
  if (headerSize === 12) {
    const bitsPerPixel = b.readUInt16LE(24);
    return { width: b.readUInt16LE(18), height: b.readUInt16LE(20), topDown: false, bitsPerPixel, compression: BI_RGB, dataOffset: b.readUInt32LE(10), headerSize, paletteSize: 3 };
  }
  if (headerSize < 40 || b.length < 14 + headerSize) throw refuse.unreadable('bmp');
  const rawHeight = b.readInt32LE(22);
  const compression = b.readUInt32LE(30);
  const bitsPerPixel = b.readUInt16LE(28);
  let masks: BmpHeader['masks'];
  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    const at = 54; // right after a 40-byte header, or inside a V2+ header at the same place
    const hasAlphaMask = headerSize >= 56 || compression === BI_ALPHABITFIELDS;
    if (b.length < at + (hasAlphaMask ? 16 : 12)) throw refuse.unreadable('bmp');
    const alpha = hasAlphaMask ? b.readUInt32LE(at + 12) : 0;
    masks = [b.readUInt32LE(at), b.readUInt32LE(at + 4), b.readUInt32LE(at + 8), alpha];
  } else if (headerSize >= 56 && bitsPerPixel === 32) {
    const alpha = b.readUInt32LE(66); // V4/V5 headers may declare alpha in the fourth byte of BI_RGB pixels
    if (alpha) masks = [0x00ff0000, 0x0000ff00, 0x000000ff, alpha];
  }
  return {
    width: b.readInt32LE(18),
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bitsPerPixel,
    compression,
    dataOffset: b.readUInt32LE(10),
    headerSize,
    masks,
    paletteSize: 4,
  };
}

export function decodeBmp(bytes: Uint8Array, h: BmpHeader): RawImage {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const { width, height, bitsPerPixel: bpp } = h;
  if (h.compression !== BI_RGB && !h.masks) throw refuse.unsupportedVariant('run-length (RLE) compressed BMP');
  if (![1, 4, 8, 16, 24, 32].includes(bpp) || width <= 0 || height <= 0) throw refuse.unsupportedVariant(`a ${bpp}-bit BMP layout`);
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (h.dataOffset + stride * height > b.length) throw refuse.unreadable('bmp');
  const palette = bpp <= 8 ? readPalette(b, h) : undefined;
  const masks = h.masks ?? (bpp === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : undefined);
  const channels = masks && masks[3] ? 4 : 3;
  const out = Buffer.alloc(width * height * channels);
  const fields = masks?.map(field);
  for (let y = 0; y < height; y++) {
    const row = h.dataOffset + (h.topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (palette) {
        const index = bpp === 8 ? b[row + x]! : (b[row + ((x * bpp) >> 3)]! >> (8 - bpp - ((x * bpp) & 7))) & ((1 << bpp) - 1);
        const c = palette[index] ?? [0, 0, 0];
        out[o] = c[0];
        out[o + 1] = c[1];
        out[o + 2] = c[2];
      } else if (fields) {
        const v = bpp === 16 ? b.readUInt16LE(row + x * 2) : bpp === 24 ? b.readUIntLE(row + x * 3, 3) : b.readUInt32LE(row + x * 4);
        for (let c = 0; c < channels; c++) out[o + c] = fields[c]!(v);
      } else {
        const p = row + x * (bpp >> 3); // BGR(X)
        out[o] = b[p + 2]!;
        out[o + 1] = b[p + 1]!;
        out[o + 2] = b[p]!;
      }
    }
  }
  return { data: out, width, height, channels };
}

function readPalette(b: Buffer, h: BmpHeader): Array<[number, number, number]> {
  const start = 14 + h.headerSize;
  const declared = h.headerSize >= 40 ? b.readUInt32LE(46) : 0;
  const count = Math.min(declared || 1 << h.bitsPerPixel, 256, Math.floor((h.dataOffset - start) / h.paletteSize));
  return Array.from({ length: Math.max(count, 0) }, (_, i) => {
    const p = start + i * h.paletteSize;
    return [b[p + 2]!, b[p + 1]!, b[p]!];
  });
}

/** Extracts one colour from a packed pixel by its mask, scaled to 0–255 (5-bit 31 becomes 255). */
function field(mask: number): (v: number) => number {
  if (!mask) return () => 255;
  const m = mask >>> 0;
  const shift = 31 - Math.clz32(m & -m);
  const max = m >>> shift;
  return (v) => Math.round((((v >>> 0) & m) >>> shift) * 255 / max);
}
