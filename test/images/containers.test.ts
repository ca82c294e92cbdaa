import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { gifIsComplete } from '../../src/lib/image-metadata/gif-blocks.js';
import { gifDataProblem } from '../../src/lib/image-metadata/gif-lzw.js';
import { chunk } from '../../src/lib/image-metadata/png-chunks.js';
import { metadataIn, stripMetadata } from '../../src/lib/image-metadata/strip.js';
import { gifProblem } from '../support/gif-decode.js';
import { animatedGif, cleanJpeg, pngChunkTypes } from './fixtures.js';
import { codedGif, gifApplication, gifComment, gifWith, gifWithShortTable, literalCodes, noiseGif } from './gif-fixtures.js';

/**
 * Metadata cut out of JPEG, PNG and GIF containers without a decoder, wherever it sits, and a GIF's data checked
 * the way a strict decoder reads it. What is cut must leave the picture as it was: decoded pixels are compared.
 */
const pixels = (b: Uint8Array) => sharp(b, { autoOrient: false, animated: true }).raw().toBuffer();
const marker = (m: number) => Buffer.from([0xff, m]);
const segment = (m: number, payload: Buffer) => Buffer.concat([marker(m), Buffer.from([(payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);

describe('JPEG', () => {
  it('finds comments and XMP between the scans of a progressive JPEG, and keeps the scans byte for byte', async () => {
    const progressive = await sharp(await cleanJpeg(320, 240)).jpeg({ progressive: true }).toBuffer();
    const second = progressive.indexOf(marker(0xda), progressive.indexOf(marker(0xda)) + 2);
    const extra = [segment(0xfe, Buffer.from('taken at home')), segment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>', 'latin1'))];
    const tagged = Buffer.concat([progressive.subarray(0, second), ...extra, progressive.subarray(second)]);
    const out = stripMetadata(tagged, 'jpg')!;
    expect(out.found).toEqual(['xmp', 'comments']);
    expect(Buffer.from(out.bytes).equals(progressive)).toBe(true);
  });

  it('drops the thumbnail a JFIF header carries, keeping the header', async () => {
    const jpeg = await cleanJpeg(64, 48);
    // "JFIF\0", version 1.01, no units, 1:1 density, then the thumbnail's size and its RGB pixels.
    const header = Buffer.from([...Buffer.from('JFIF\0', 'latin1'), 1, 1, 0, 0, 1, 0, 1]);
    const jfif = (thumbnail: Buffer, side: number) => segment(0xe0, Buffer.concat([header, Buffer.from([side, side]), thumbnail]));
    const withJfif = (app0: Buffer) => Buffer.concat([jpeg.subarray(0, 2), app0, jpeg.subarray(2)]);
    const out = stripMetadata(withJfif(jfif(Buffer.alloc(12, 0x80), 2)), 'jpg')!;
    expect(out.removed).toEqual(['thumbnail']);
    expect(Buffer.from(out.bytes).equals(withJfif(jfif(Buffer.alloc(0), 0)))).toBe(true);
    expect((await pixels(out.bytes)).equals(await pixels(jpeg))).toBe(true);
  });

  it('leaves a clean file as it is, and lists what keep_metadata keeps', async () => {
    const jpeg = await cleanJpeg(64, 48);
    expect(stripMetadata(jpeg, 'jpg')).toEqual({ bytes: jpeg, found: [], removed: [] });
    const tagged = await sharp(jpeg).withExif({ IFD0: { Make: 'Apple' } }).withIccProfile('srgb').jpeg().toBuffer();
    const kept = stripMetadata(tagged, 'jpg', { keep: true })!;
    expect(kept.bytes).toBe(tagged);
    expect(kept.found).toEqual(['exif']); // the colour profile is the picture's, not metadata
  });

  it('cannot walk a file with bytes where a marker must be, or cut short', async () => {
    const jpeg = await cleanJpeg(64, 48);
    const dht = jpeg.indexOf(marker(0xc4));
    expect(stripMetadata(Buffer.concat([jpeg.subarray(0, dht), Buffer.from('junk'), jpeg.subarray(dht)]), 'jpg')).toBeUndefined();
    expect(stripMetadata(jpeg.subarray(0, jpeg.length - 2), 'jpg')).toBeUndefined();
  });
});

describe('PNG', () => {
  it('cuts text, XMP, EXIF, time and private chunks after the image data, and bytes after IEND', async () => {
    const png = await sharp({ create: { width: 16, height: 12, channels: 4, background: { r: 9, g: 80, b: 200, alpha: 0.5 } } }).png().toBuffer();
    const iend = png.length - 12;
    const late = [
      chunk('tEXt', Buffer.from('Comment\0Shot at 40.7484 N', 'latin1')),
      chunk('iTXt', Buffer.from('XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>exif:GPSLatitude</x:xmpmeta>', 'latin1')),
      chunk('zTXt', Buffer.from('Raw profile type exif\0\0x', 'latin1')),
      chunk('tIME', Buffer.from([7, 232, 1, 2, 3, 4, 5])),
      chunk('prVw', Buffer.from('a private preview')),
    ];
    const tagged = Buffer.concat([png.subarray(0, iend), ...late, png.subarray(iend), Buffer.from('PK\x03\x04 appended')]);
    expect(metadataIn(tagged, 'png')).toEqual(['exif', 'xmp', 'text', 'time', 'other', 'trailing_data']);
    const out = stripMetadata(tagged, 'png')!;
    expect(Buffer.from(out.bytes).equals(png)).toBe(true);
    expect(pngChunkTypes(out.bytes)).toEqual(pngChunkTypes(png));
  });
});

describe('GIF', () => {
  const loop = gifApplication('NETSCAPE2.0', Buffer.from([1, 0, 0]));
  const control = Buffer.from([0x21, 0xf9, 4, 0, 10, 0, 0, 0]);
  const plainText = Buffer.concat([Buffer.from([0x21, 0x01, 12]), Buffer.alloc(12, 1), Buffer.from([5]), Buffer.from('hello'), Buffer.from([0])]);

  it('cuts comments, XMP, ICC and other application data, and text with its control block, keeping the loop', async () => {
    const gif = await animatedGif(3, 40, 30);
    const xmp = gifApplication('XMP DataXMP', Buffer.from('<x:xmpmeta>tiff:Make</x:xmpmeta>'));
    const icc = gifApplication('ICCRGBG1012', Buffer.alloc(300, 7));
    const tagged = gifWith(gif, { first: [gifComment('at home'), xmp], last: [icc, control, plainText, gifApplication('MADEWITH1.0', Buffer.from('x'))] });
    const out = stripMetadata(tagged, 'gif')!;
    expect(out.found).toEqual(['xmp', 'comments', 'text', 'icc', 'other']);
    expect(Buffer.from(out.bytes).equals(gif)).toBe(true);
    expect(Buffer.from(out.bytes).includes('NETSCAPE2.0')).toBe(true);
    // The loop block the writer put there stays, wherever it is.
    const looped = gifWith(gif, { first: [loop] });
    expect(stripMetadata(looped, 'gif')).toEqual({ bytes: looped, found: [], removed: [] });
  });

  it('drops bytes after the trailer, and cannot walk a file cut short', async () => {
    const gif = await noiseGif(16, 16);
    const out = stripMetadata(Buffer.concat([gif, Buffer.from('appended')]), 'gif')!;
    expect([Buffer.from(out.bytes).equals(gif), out.removed]).toEqual([true, ['trailing_data']]);
    expect(gifIsComplete(gif)).toBe(true);
    for (const cut of [gif.length - 1, gif.length - 40, 500, 12]) {
      expect(gifIsComplete(gif.subarray(0, cut))).toBe(false);
      expect(stripMetadata(gif.subarray(0, cut), 'gif')).toBeUndefined();
    }
  });
});

describe('gifDataProblem: a GIF read as a strict decoder reads it', () => {
  const grey = (...frames: number[][]) => codedGif({ width: 4, height: 3, colours: 4, codes: frames.map((indexes) => literalCodes(indexes, 2)) });

  it('passes what encoders write, and what its own fixtures write', async () => {
    for (const gif of [await noiseGif(), await animatedGif(4, 64, 48), grey([0, 1, 2, 3, 3, 2, 1, 0, 0, 0, 3, 3], [3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1])]) {
      expect(gifDataProblem(gif)).toBeUndefined();
      expect(gifProblem(gif)).toBeUndefined(); // the corpus test's own reading agrees
    }
    // The hand-coded one decodes to the greys it names.
    const { data, info } = await sharp(grey([0, 1, 2, 3, 3, 2, 1, 0, 0, 0, 3, 3]), { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, data[0], data[info.channels], data[3 * info.channels]]).toEqual([4, 3, 0, 85, 255]);
  });

  it('names a colour index past the end of the table', async () => {
    const gif = codedGif({ width: 4, height: 3, colours: 2, codes: [literalCodes([0, 1, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0], 2)] });
    expect(gifDataProblem(gif)).toBe('it uses colour 3, past the end of its 2-colour table');
    expect(gifDataProblem(gifWithShortTable(await noiseGif(), 4))).toMatch(/^it uses colour \d+, past the end of its 4-colour table$/);
    const frames = codedGif({ width: 2, height: 2, colours: 2, codes: [literalCodes([0, 1, 1, 0], 2), literalCodes([1, 2, 0, 0], 2)] });
    expect(gifDataProblem(frames)).toBe('frame 2 uses colour 2, past the end of its 2-colour table');
  });

  it('names data that ends before the last pixel, and codes used before they are defined', () => {
    expect(gifDataProblem(grey([0, 1, 2, 3, 0, 1, 2, 3, 0, 1]))).toBe('it has data for 10 of its 12 pixels');
    // After a clear code, the first code must be a single index: 6 is the first string the decoder would define.
    expect(gifDataProblem(codedGif({ width: 4, height: 3, colours: 4, codes: [[4, 6, 5]] }))).toBe('it has LZW code 6 before it is defined');
  });

  it('does a step per code, not per pixel: a frame claiming 65535×65535 with a few codes is answered at once', () => {
    const gif = grey([1, 2, 3]);
    const huge = Buffer.from(gif);
    const descriptor = huge.indexOf(0x2c, 13 + 12);
    huge.writeUInt16LE(65_535, descriptor + 5);
    huge.writeUInt16LE(65_535, descriptor + 7);
    expect(gifDataProblem(huge)).toBe('it has data for 3 of its 4294836225 pixels');
  });
});
