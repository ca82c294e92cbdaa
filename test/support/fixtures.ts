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

/** An ISO box: 32-bit size, type, payload. */
const box = (type: string, ...payload: Buffer[]) => {
  const body = Buffer.concat(payload);
  return Buffer.concat([u32be(8 + body.length), ascii(type), body]);
};
/** A full box: a box whose payload starts with version 0 and no flags. */
const fullBox = (type: string, ...payload: Buffer[]) => box(type, Buffer.alloc(4), ...payload);

/**
 * An ISO media file (mp4, 3gp, mov…) of `size` bytes, laid out as encoders write one: an ftyp box with the brand,
 * the index (moov) of one video track whose single sample is the media data, then that data (mdat) as filler.
 */
export function isoMedia(brand: 'mp42' | 'isom' | '3gp4' | 'qt  ' | 'M4V ', size = 4096): Buffer {
  const ftyp = Buffer.concat([u32be(24), ascii('ftyp'), ascii(brand), u32be(0), ascii(brand), ascii('isom')]);
  const index = (sampleBytes: number, dataAt: number) => {
    // A visual sample entry: reserved, data reference 1, 16 bytes pre-defined, 16×16, 72 dpi, one frame, depth 24.
    const avc1 = box('avc1', Buffer.alloc(6), Buffer.from([0, 1]), Buffer.alloc(16), Buffer.from([0, 16, 0, 16]), u32be(0x480000), u32be(0x480000), u32be(0), Buffer.from([0, 1]), Buffer.alloc(32), Buffer.from([0, 24, 0xff, 0xff]));
    const stbl = box(
      'stbl',
      fullBox('stsd', u32be(1), avc1),
      fullBox('stts', u32be(1), u32be(1), u32be(1000)),
      fullBox('stsc', u32be(1), u32be(1), u32be(1), u32be(1)),
      fullBox('stsz', u32be(0), u32be(1), u32be(sampleBytes)),
      fullBox('stco', u32be(1), u32be(dataAt)),
    );
    const minf = box('minf', fullBox('vmhd', Buffer.alloc(8)), box('dinf', fullBox('dref', u32be(1), box('url ', Buffer.from([0, 0, 0, 1])))), stbl);
    const mdia = box('mdia', fullBox('mdhd', Buffer.alloc(8), u32be(1000), u32be(1000), Buffer.alloc(4)), fullBox('hdlr', u32be(0), ascii('vide'), Buffer.alloc(13)), minf);
    const tkhd = fullBox('tkhd', Buffer.alloc(8), u32be(1), u32be(0), u32be(1000), Buffer.alloc(52), u32be(16 << 16), u32be(16 << 16));
    return box('moov', fullBox('mvhd', Buffer.alloc(8), u32be(1000), u32be(1000), Buffer.alloc(76), u32be(2)), box('trak', tkhd, mdia));
  };
  const indexBytes = index(0, 0).length;
  const dataBytes = Math.max(1, size - ftyp.length - indexBytes - 8);
  const moov = index(dataBytes, ftyp.length + indexBytes + 8);
  return Buffer.concat([ftyp, moov, u32be(8 + dataBytes), ascii('mdat'), Buffer.alloc(dataBytes, 0x11)]);
}
export const mp4 = (size?: number) => isoMedia('mp42', size);
/** An MP4 as a phone leaves it when recording stops before the index is written: ftyp, then media data, no moov. */
export function interruptedRecording(size = 4096): Buffer {
  const ftyp = isoMedia('mp42').subarray(0, 24);
  return Buffer.concat([ftyp, u32be(size - 24), ascii('mdat'), Buffer.alloc(size - 32, 0x11)]);
}
/** Where isoMedia's media data (its one sample) starts: bytes from here on may be anything. */
export const ISO_MEDIA_DATA_AT = isoMedia('mp42', 0).length - 1;

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

/**
 * An Ogg Vorbis stream as encoders lay it out: the identification header alone on the first page, the comment
 * header on the next, then a page of audio (filler) with a granule position.
 */
export function ogg(): Buffer {
  const page = (flags: number, granule: number, sequence: number, packet: Buffer) => {
    const lacing = [...Array(Math.floor(packet.length / 255)).fill(255), packet.length % 255];
    const header = Buffer.concat([ascii('OggS'), Buffer.from([0, flags]), u32le(granule), u32le(0), u32le(1), u32le(sequence), u32le(0), Buffer.from([lacing.length, ...lacing])]);
    const out = Buffer.concat([header, packet]);
    out.writeUInt32LE(oggCrc(out), 22);
    return out;
  };
  // Version 0, one channel, 8 kHz, no bitrate hints, block sizes 2^8 and 2^11, framing bit.
  const identification = Buffer.concat([Buffer.from([1]), ascii('vorbis'), u32le(0), Buffer.from([1]), u32le(8000), u32le(0), u32le(0), u32le(0), Buffer.from([0xb8, 1])]);
  const comment = Buffer.concat([Buffer.from([3]), ascii('vorbis'), u32le(0), u32le(0), Buffer.from([1])]);
  return Buffer.concat([page(2, 0, 0, identification), page(0, 0, 1, comment), page(4, 1024, 2, Buffer.alloc(500, 0x2a))]);
}

/** Ogg's page checksum: CRC-32 with polynomial 0x04c11db7, not reflected, over the page with its checksum field zero. */
function oggCrc(page: Buffer): number {
  let c = 0;
  for (const byte of page) {
    c ^= byte << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  }
  return c >>> 0;
}

/** A 2×2 24-bit BMP as Windows writes it: file and info headers, then bottom-up rows padded to 4 bytes. */
export function bmp(): Buffer {
  const pixels = Buffer.alloc(2 * 8, 0x7f);
  const info = Buffer.concat([u32le(40), u32le(2), u32le(2), Buffer.from([1, 0, 24, 0]), u32le(0), u32le(pixels.length), Buffer.alloc(16, 0)]);
  return Buffer.concat([ascii('BM'), u32le(14 + info.length + pixels.length), u32le(0), u32le(14 + info.length), info, pixels]);
}

export function pdf(extraBytes = 0): Buffer {
  return Buffer.concat([ascii('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n'), filler(extraBytes), ascii('\n%%EOF\n')]);
}

/**
 * Printable bytes that differ from place to place, the same on every run: a part of a file stored out of order,
 * twice or not at all changes its bytes and its hash, which a uniform filler would hide.
 */
function filler(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let state = 0x2545f491;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0; // a linear congruential generator
    bytes[i] = 0x21 + ((state >>> 24) % 94);
  }
  return bytes;
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
