import { deflateSync } from 'node:zlib';

/** Image bytes for the Workers image tests: real noisy PNGs (which do not compress), and headers that sniff as a format. */

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

function random(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let at = 0; at < n; at += 65_536) crypto.getRandomValues(out.subarray(at, at + 65_536));
  return out;
}

/** A decodable PNG of random pixels: about width × height × channels bytes, whatever the compressor does. */
export function noisyPng(width: number, height: number, alpha = false): Buffer {
  const channels = alpha ? 4 : 3;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.concat([Buffer.from([0]), random(width * channels)]));
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    return Buffer.concat([u32(data.length), body, u32(crc32(body))]);
  };
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', Buffer.concat([u32(width), u32(height), Buffer.from([8, alpha ? 6 : 2, 0, 0, 0])])),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Sniffs as JPEG (SOI + JFIF APP0), padded to `size`: enough for the pass-through path, which never decodes. */
export function jpegOfSize(size: number): Buffer {
  const head = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  return Buffer.concat([head, Buffer.alloc(size - head.length - 2, 0x55), Buffer.from([0xff, 0xd9])]);
}

/** An iPhone-style HEIC file's first box (ftyp heic): what the sniffer reads. */
export const heicHeader = () =>
  Buffer.concat([u32(24), Buffer.from('ftypheic', 'latin1'), u32(0), Buffer.from('mif1heic', 'latin1'), Buffer.alloc(4000, 0)]);

/** A WebP's RIFF header. */
export const webpHeader = () => Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.from([0xf0, 0x0f, 0, 0]), Buffer.from('WEBPVP8 ', 'latin1'), Buffer.alloc(4000, 0)]);

function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
