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

/**
 * Sniffs as JPEG and has a JPEG's structure (SOI, JFIF APP0, a scan header, scan data, EOI), padded to `size`:
 * enough for the pass-through path, which walks the segments to cut metadata out but never decodes.
 */
export function jpegOfSize(size: number): Buffer {
  const jfif = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const head = Buffer.from([...jfif, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]);
  return Buffer.concat([head, Buffer.alloc(size - head.length - 2, 0x55), Buffer.from([0xff, 0xd9])]);
}

/**
 * A phone-style JPEG (the structure of jpegOfSize) whose EXIF carries an orientation and, in its Make tag,
 * `secret`: what stands in for GPS and camera tags.
 */
export function jpegWithExif(orientation: number, secret: string): Buffer {
  const text = Buffer.from(`${secret}\0`, 'latin1');
  const tiff = Buffer.alloc(38 + text.length);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(2, 8); // two entries
  tiff.writeUInt16LE(0x010f, 10); // Make: ASCII, stored after the IFD
  tiff.writeUInt16LE(2, 12);
  tiff.writeUInt32LE(text.length, 14);
  tiff.writeUInt32LE(38, 18);
  tiff.writeUInt16LE(0x0112, 22); // Orientation: SHORT
  tiff.writeUInt16LE(3, 24);
  tiff.writeUInt32LE(1, 26);
  tiff.writeUInt16LE(orientation, 30);
  text.copy(tiff, 38);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.from([(payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
  const plain = jpegOfSize(2000);
  return Buffer.concat([plain.subarray(0, 20), app1, plain.subarray(20)]); // after SOI and JFIF
}

/** A 1×1 two-colour GIF, with a comment extension holding `comment` when given (as an editor leaves one). */
export function tinyGif(comment?: string): Buffer {
  const screen = Buffer.from([...Buffer.from('GIF89a', 'latin1'), 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
  const text = comment === undefined ? [] : [Buffer.from([0x21, 0xfe, comment.length]), Buffer.from(comment, 'latin1'), Buffer.from([0])];
  // One image: LZW code size 2, then the codes clear (4), index 0 and end (5), three bits each.
  const image = Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3b]);
  return Buffer.concat([screen, ...text, image]);
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
