import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '../../src/core/errors.js';
import type { ImageOptions } from '../../src/core/ports.js';
import { chunk } from '../../src/lib/image-metadata/png-chunks.js';
import { gifProblem } from '../support/gif-decode.js';
import { locationOrDeviceTags } from '../support/metadata-scan.js';
import { AUTO, GIF, GPS_EXIF, JPG, PNG, animatedGif, cleanJpeg, imageInput, pngChunkTypes, processor } from './fixtures.js';
import { gifApplication, gifComment, gifWith, gifWithShortTable, noiseGif } from './gif-fixtures.js';
import { QUALITY } from './steps.js';

/**
 * Images that need nothing but their metadata removed pass with their own compressed pixels (sharp, real bytes):
 * the metadata goes wherever it sits, the reply says what went or what was kept, a damaged file is re-encoded or
 * refused rather than passed on, and every change to the bytes is named.
 */
const images = processor();
afterAll(() => images.close());

const OFF: ImageOptions = { optimize: 'off', keepMetadata: false };
const KEEP: ImageOptions = { optimize: 'auto', keepMetadata: true };
const ALWAYS: ImageOptions = { optimize: 'always', keepMetadata: false };
const pixels = (b: Uint8Array) => sharp(b, { autoOrient: false, animated: true }).raw().toBuffer();
const xmpPacket = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description exif:GPSLatitude="40,44.9N" tiff:Make="Apple"/></x:xmpmeta>';
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: AppError) => ({ status: e.status, code: e.code, message: e.message }),
  );

let jpeg: Buffer;
let taggedJpeg: Buffer;
beforeAll(async () => {
  jpeg = await cleanJpeg(320, 240);
  taggedJpeg = await sharp(jpeg).withExif(GPS_EXIF).withXmp(xmpPacket).jpeg({ quality: 80 }).toBuffer();
});

describe('metadata goes without a re-encode', () => {
  it('from a small upright JPEG in auto mode: the scan is copied byte for byte', async () => {
    expect(locationOrDeviceTags(taggedJpeg).length).toBeGreaterThan(0);
    const out = await images.process(imageInput(taggedJpeg, JPG), AUTO);
    expect(out.transformations).toEqual(['strip_metadata']);
    expect(locationOrDeviceTags(out.bytes)).toEqual([]);
    const scan = (j: Uint8Array) => Buffer.from(j).subarray(Buffer.from(j).indexOf(Buffer.from([0xff, 0xda])));
    expect(scan(out.bytes).equals(scan(taggedJpeg))).toBe(true);
    expect((await pixels(out.bytes)).equals(await pixels(taggedJpeg))).toBe(true);
  });

  it('from a PNG whose text, XMP and EXIF sit after the image data', async () => {
    const png = await sharp({ create: { width: 48, height: 32, channels: 4, background: { r: 200, g: 10, b: 90, alpha: 0.6 } } }).png().toBuffer();
    const iend = png.length - 12;
    const late = [
      chunk('tEXt', Buffer.from('Thumb::URI\0file:///home/ana/Pictures/IMG_0042.png', 'latin1')),
      chunk('iTXt', Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'), Buffer.from(xmpPacket)])),
      chunk('tIME', Buffer.from([7, 232, 5, 17, 9, 30, 0])),
    ];
    const tagged = Buffer.concat([png.subarray(0, iend), ...late, png.subarray(iend)]);
    for (const mode of [AUTO, OFF]) {
      const out = await images.process(imageInput(tagged, PNG), mode);
      expect(out.transformations).toEqual(['strip_metadata']);
      expect(Buffer.from(out.bytes).equals(png)).toBe(true);
      expect(pngChunkTypes(out.bytes)).not.toContain('tEXt');
    }
  });

  it('from a GIF, its comment and XMP, keeping the animation and its loop', async () => {
    const gif = await animatedGif(4, 64, 48);
    const tagged = gifWith(gif, { first: [gifComment('Shot on an iPhone at home')], last: [gifApplication('XMP DataXMP', Buffer.from(xmpPacket))] });
    expect(locationOrDeviceTags(tagged).length).toBeGreaterThan(0);
    for (const mode of [AUTO, OFF]) {
      const out = await images.process(imageInput(tagged, GIF), mode);
      expect(out.transformations).toEqual(['strip_metadata']);
      expect(Buffer.from(out.bytes).equals(gif)).toBe(true);
      expect(locationOrDeviceTags(out.bytes)).toEqual([]);
      expect((await sharp(out.bytes, { animated: true }).metadata()).pages).toBe(4);
    }
  });

  it('leaves clean files byte-identical, saying nothing was done', async () => {
    const png = await sharp(jpeg).png().toBuffer();
    const gif = await noiseGif();
    for (const [bytes, detected] of [[jpeg, JPG], [png, PNG], [gif, GIF]] as const) {
      const out = await images.process(imageInput(bytes, detected), AUTO);
      expect([out.bytes, out.transformations]).toEqual([bytes, []]);
    }
  });
});

describe('keep_metadata=true', () => {
  it('keeps everything in a file passed as it is, and lists the kinds', async () => {
    const out = await images.process(imageInput(taggedJpeg, JPG), KEEP);
    expect(out.bytes).toBe(taggedJpeg);
    expect(out.transformations).toEqual(['keep_metadata:exif,xmp']);
  });

  it('in a re-encode, names what was put back and says what could not be', async () => {
    // Turned sideways: the pixels must be re-encoded; EXIF goes back in, the comment has no place.
    const sideways = await sharp(jpeg).withExif(GPS_EXIF).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
    const sos = sideways.indexOf(Buffer.from([0xff, 0xdb]));
    const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0, 9]), Buffer.from('at home')]);
    const commented = Buffer.concat([sideways.subarray(0, sos), comment, sideways.subarray(sos)]);
    const out = await images.process(imageInput(commented, JPG), KEEP);
    expect(out.transformations).toEqual(['auto_orient', 'strip_metadata', 'keep_metadata:exif', QUALITY]);
    expect(Buffer.from(out.bytes).includes('iPhone 15 Pro')).toBe(true);
    expect(Buffer.from(out.bytes).includes('at home')).toBe(false);
  });
});

describe('a file passed as it is must decode', () => {
  it('a JPEG with corrupt scan data is re-encoded from what libjpeg reads, and refused with optimize=off', async () => {
    // A restart marker where none may be: libjpeg warns of corrupt data and reads on.
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    let at = sos + Math.floor((jpeg.length - sos) / 2);
    while (jpeg[at] === 0xff || jpeg[at - 1] === 0xff) at++;
    const damaged = Buffer.concat([jpeg.subarray(0, at), Buffer.from([0xff, 0xd3]), jpeg.subarray(at)]);
    await expect(sharp(damaged, { failOn: 'warning' }).toBuffer()).rejects.toThrow(/Corrupt JPEG data/);
    const out = await images.process(imageInput(damaged, JPG), AUTO);
    expect(out.transformations).toEqual(['reencode:corrupt_data', QUALITY]);
    await sharp(out.bytes, { failOn: 'warning' }).raw().toBuffer(); // decodes strictly now
    expect(await refusal(images.process(imageInput(damaged, JPG), OFF))).toEqual({
      status: 422,
      code: 'unreadable_image',
      message:
        'The JPEG image is damaged: phones may show it wrongly or not at all, and with optimize=off it would be sent exactly as it is. Send it with optimize=auto to have it re-encoded from what can be read, or send the original file again.',
    });
  });

  it('so is a JPEG with bytes where a marker must be (its metadata could not be found)', async () => {
    const dht = taggedJpeg.indexOf(Buffer.from([0xff, 0xc4]));
    const damaged = Buffer.concat([taggedJpeg.subarray(0, dht), Buffer.from('junk'), taggedJpeg.subarray(dht)]);
    const out = await images.process(imageInput(damaged, JPG), AUTO);
    expect(out.transformations).toEqual(['reencode:corrupt_data', 'strip_metadata', QUALITY]);
    expect(locationOrDeviceTags(out.bytes)).toEqual([]);
  });

  it('a GIF whose pixels index past its colour table is re-encoded into one that does not, or refused', async () => {
    const damaged = gifWithShortTable(await noiseGif(), 2);
    expect(gifProblem(damaged)).toMatch(/past the end of its 2-colour table/);
    const out = await images.process(imageInput(damaged, GIF), AUTO);
    expect(out).toMatchObject({ extension: 'gif', width: 64, height: 48, transformations: ['reencode:corrupt_data', 'recompress:gif'] });
    expect(gifProblem(out.bytes)).toBeUndefined();
    expect(await refusal(images.process(imageInput(damaged, GIF), OFF))).toMatchObject({
      status: 422,
      code: 'unreadable_image',
      message: expect.stringMatching(/^The GIF image is damaged \(it uses colour \d+, past the end of its 2-colour table\): phones may show it wrongly/),
    });
  });

  it('a file no decoder reads is still refused as unreadable', async () => {
    const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.7));
    for (const mode of [AUTO, OFF]) expect((await refusal(images.process(imageInput(cut, JPG), mode))).message).toMatch(/could not be read: it is corrupt or incomplete/);
  });
});

describe('a re-encode in the same format says so', () => {
  it('a PNG re-encoded losslessly, pixels and all', async () => {
    const png = await sharp({ create: { width: 120, height: 90, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } }).png({ compressionLevel: 0 }).toBuffer();
    const out = await images.process(imageInput(png, PNG), ALWAYS);
    expect(out.transformations).toEqual(['recompress:png']);
    expect(out.bytes.length).toBeLessThan(png.length);
    expect((await pixels(out.bytes)).equals(await pixels(png))).toBe(true);
  });

  it('a GIF at its own size and colours', async () => {
    const out = await images.process(imageInput(await animatedGif(3, 64, 48), GIF), ALWAYS);
    expect(out.transformations).toEqual(['recompress:gif']);
  });
});
