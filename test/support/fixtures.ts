import { deflateSync } from 'node:zlib';

/**
 * Small files of every kind the service meets, made from their published signatures, so tests need no
 * binary blobs: each starts the way the real format does, which is all a sniffer sees.
 */
const ascii = (s: string) => Buffer.from(s, 'latin1');
const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u32le = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** A real, decodable PNG of w×h pixels of one colour. */
export function png(width = 1, height = 1): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([ascii(type), data]);
    return Buffer.concat([u32be(data.length), body, u32be(crc32(body))]);
  };
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x7f)]);
  const ihdr = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An ISO media file (mp4, 3gp, mov…) of `size` bytes: an ftyp box with the brand, then an mdat of filler. */
export function isoMedia(brand: 'mp42' | 'isom' | '3gp4' | 'qt  ', size = 4096): Buffer {
  const ftyp = Buffer.concat([u32be(24), ascii('ftyp'), ascii(brand), u32be(0), ascii(brand), ascii('isom')]);
  const mdatSize = Math.max(8, size - ftyp.length);
  return Buffer.concat([ftyp, u32be(mdatSize), ascii('mdat'), Buffer.alloc(mdatSize - 8, 0x11)]);
}
export const mp4 = (size?: number) => isoMedia('mp42', size);

/** MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz), optionally behind an ID3v2 tag of `id3Bytes`. */
export function mp3(frames = 20, id3Bytes = 0): Buffer {
  const frame = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(417 - 4, 0)]);
  const parts: Buffer[] = [];
  if (id3Bytes > 0) {
    const n = id3Bytes;
    const syncsafe = Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
    parts.push(ascii('ID3'), Buffer.from([4, 0, 0]), syncsafe, Buffer.alloc(n, 0));
  }
  for (let i = 0; i < frames; i++) parts.push(frame);
  return Buffer.concat(parts);
}

export function wav(dataBytes = 2000): Buffer {
  const fmt = Buffer.concat([ascii('fmt '), u32le(16), Buffer.from([1, 0, 1, 0]), u32le(8000), u32le(8000), Buffer.from([1, 0, 8, 0])]);
  const data = Buffer.concat([ascii('data'), u32le(dataBytes), Buffer.alloc(dataBytes, 0x80)]);
  return Buffer.concat([ascii('RIFF'), u32le(4 + fmt.length + data.length), ascii('WAVE'), fmt, data]);
}

/** An Ogg page whose first packet is a Vorbis identification header. */
export function ogg(): Buffer {
  const packet = Buffer.concat([Buffer.from([1]), ascii('vorbis'), Buffer.alloc(23, 0)]);
  const header = Buffer.concat([ascii('OggS'), Buffer.from([0, 2]), Buffer.alloc(8), u32le(1), u32le(0), u32le(0), Buffer.from([1, packet.length])]);
  return Buffer.concat([header, packet, Buffer.alloc(500, 0)]);
}

/** A 2×2 24-bit BMP as Windows writes it: file and info headers, then bottom-up rows padded to 4 bytes. */
export function bmp(): Buffer {
  const pixels = Buffer.alloc(2 * 8, 0x7f);
  const info = Buffer.concat([u32le(40), u32le(2), u32le(2), Buffer.from([1, 0, 24, 0]), u32le(0), u32le(pixels.length), Buffer.alloc(16, 0)]);
  return Buffer.concat([ascii('BM'), u32le(14 + info.length + pixels.length), u32le(0), u32le(14 + info.length), info, pixels]);
}

export function pdf(extraBytes = 0): Buffer {
  return Buffer.concat([ascii('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n'), Buffer.alloc(extraBytes, 0x20), ascii('\n%%EOF\n')]);
}

export const zip = () => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]), Buffer.alloc(200, 0)]);
export const exe = () => Buffer.concat([ascii('MZ'), Buffer.alloc(58, 0), u32le(64), ascii('PE\0\0'), Buffer.alloc(400, 0)]);
export const html = () => ascii('<!doctype html><html><body><script>alert(1)</script></body></html>');
export const svg = () => ascii('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>');

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
