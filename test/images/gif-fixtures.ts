import sharp from 'sharp';

/**
 * GIFs for the metadata and data tests, at the byte level: extension blocks put where writers put them, a colour
 * table cut short, and GIFs written code by code so a test controls every colour index and LZW code.
 */

/** Data as GIF sub-blocks: runs of up to 255 bytes, each after its length, and a 0 to end them. */
function gifSubBlocks(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += 255) {
    const run = data.subarray(at, at + 255);
    parts.push(Buffer.from([run.length]), run);
  }
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** A GIF comment extension. */
export const gifComment = (text: string): Buffer => Buffer.concat([Buffer.from([0x21, 0xfe]), gifSubBlocks(Buffer.from(text, 'latin1'))]);

/** A GIF application extension: an 11-byte identifier ("XMP DataXMP", "NETSCAPE2.0"), then its data. */
export const gifApplication = (id: string, data: Buffer): Buffer => Buffer.concat([Buffer.from([0x21, 0xff, 11]), Buffer.from(id, 'latin1'), gifSubBlocks(data)]);

/** Where a GIF's first block starts: after the header and the global colour table. */
const gifBlocksStart = (gif: Buffer) => 13 + (gif[10]! & 0x80 ? 3 * (2 << (gif[10]! & 7)) : 0);

/** The GIF with blocks put in ahead of its first block and just before its trailer, as writers place them. */
export function gifWith(gif: Buffer, o: { first?: Buffer[]; last?: Buffer[] }): Buffer {
  const at = gifBlocksStart(gif);
  return Buffer.concat([gif.subarray(0, at), ...(o.first ?? []), gif.subarray(at, -1), ...(o.last ?? []), gif.subarray(-1)]);
}

/** The GIF with its global colour table cut to its first `entries` colours: pixels then index past its end. */
export function gifWithShortTable(gif: Buffer, entries: 2 | 4 | 8 | 16): Buffer {
  const header = Buffer.from(gif.subarray(0, 13));
  header[10] = (header[10]! & 0xf8) | (Math.log2(entries) - 1);
  return Buffer.concat([header, gif.subarray(13, 13 + 3 * entries), gif.subarray(gifBlocksStart(gif))]);
}

/** A GIF of noise in 256 colours, `width`×`height`: every index of its colour table is used. */
export const noiseGif = (width = 64, height = 48): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: 'black', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .gif()
    .toBuffer();

/**
 * A GIF written code by code, for tests that need every colour index and LZW code to be what they say: images
 * of `width`×`height` (one per list of codes; see literalCodes) under a global table of `colours` grey entries,
 * at the LZW code size that table needs.
 */
export function codedGif(o: { width: number; height: number; colours: 2 | 4 | 8 | 16 | 32 | 64 | 128 | 256; codes: number[][] }): Buffer {
  const codeSize = Math.max(2, Math.log2(o.colours));
  const table = Buffer.alloc(3 * o.colours);
  for (let i = 0; i < o.colours; i++) table.fill(Math.round((255 * i) / (o.colours - 1)), 3 * i, 3 * i + 3);
  const u16 = (n: number) => [n & 0xff, n >> 8];
  const screen = Buffer.from([...Buffer.from('GIF89a', 'latin1'), ...u16(o.width), ...u16(o.height), 0x80 | (Math.log2(o.colours) - 1), 0, 0]);
  const descriptor = Buffer.from([0x2c, 0, 0, 0, 0, ...u16(o.width), ...u16(o.height), 0, codeSize]);
  const images = o.codes.map((codes) => Buffer.concat([descriptor, gifSubBlocks(packCodes(codes, codeSize))]));
  return Buffer.concat([screen, table, ...images, Buffer.from([0x3b])]);
}

/** LZW codes packed least significant bit first, each as wide as a decoder will read it. */
function packCodes(codes: number[], codeSize: number): Buffer {
  const data: number[] = [];
  let bits = 0, held = 0, size = codeSize + 1, next = (1 << codeSize) + 2, afterClear = true;
  for (const code of codes) {
    bits |= code << held;
    held += size;
    while (held >= 8) {
      data.push(bits & 0xff);
      bits >>>= 8;
      held -= 8;
    }
    if (code === 1 << codeSize) [size, next, afterClear] = [codeSize + 1, (1 << codeSize) + 2, true];
    else if (afterClear) afterClear = false;
    else if (next < 4096 && ++next === 1 << size && size < 12) size++;
  }
  if (held > 0) data.push(bits & 0xff);
  return Buffer.from(data);
}

/**
 * LZW codes that spell out `indexes` one code per pixel (no compression), with a clear code before the table
 * would need wider codes, and the end code; `codeSize` as codedGif picks it for the table.
 */
export function literalCodes(indexes: number[], codeSize: number): number[] {
  const clear = 1 << codeSize;
  const codes = [clear];
  indexes.forEach((index, i) => {
    if (i > 0 && i % (clear - 2) === 0) codes.push(clear);
    codes.push(index);
  });
  return [...codes, clear + 1];
}
