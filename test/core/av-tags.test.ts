import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { withoutIsoMetadata, withoutMp3Tags, withoutWaveMetadata } from '../../src/lib/containers/av-tags.js';
import { AV_CACHE, LOCATION, allTags, deliverableMp4, deliverableMp4WithLocation, ffprobe, topLevelBoxes, withXmpLocation, WARM_TIMEOUT_MS } from '../support/av-fixtures.js';
import { locationOrDeviceTags } from '../support/metadata-scan.js';

/**
 * Tags removed from video and audio in place, where nothing converts them: the files must still play (ffmpeg
 * decodes them without an error), last as long, carry the same media packets, and no longer say where or on what
 * they were made.
 */
const run = promisify(execFile);
const corpus = (file: string) => new Uint8Array(readFileSync(new URL(`../fixtures/corpus/${file}`, import.meta.url)));

async function onDisk<T>(bytes: Uint8Array, ext: string, use: (path: string) => Promise<T>): Promise<T> {
  await mkdir(AV_CACHE, { recursive: true });
  const path = join(AV_CACHE, `tags-${process.pid}-${Math.random().toString(36).slice(2)}.${ext}`);
  await writeFile(path, bytes);
  try {
    return await use(path);
  } finally {
    await rm(path, { force: true });
  }
}

/** ffmpeg's complaints when it decodes the whole file: none for a file that plays. */
const decodeErrors = (bytes: Uint8Array, ext: string) =>
  onDisk(bytes, ext, async (path) => (await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', path, '-f', 'null', '-'])).stderr.trim());

/**
 * The size and hash of every audio and video packet, copied without decoding: the same for two files holding the
 * same media (side data a demuxer adds, and an MP3's cover art, which ffmpeg reads as a picture stream, left out).
 */
const packets = (bytes: Uint8Array, ext: string) =>
  onDisk(bytes, ext, async (path) =>
    (await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', path, '-map', '0:a?', '-map', '0:V?', '-c', 'copy', '-f', 'framemd5', '-'], { maxBuffer: 16 * 1024 * 1024 })).stdout
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split(',').slice(0, 6).join(','))
      .join('\n'),
  );

const TELLING = /location|make|model|com\.apple|creation|artist|title|comment|date/i;

async function expectSamePlayableMedia(before: Uint8Array, after: Uint8Array, ext: string) {
  expect(await decodeErrors(after, ext)).toBe('');
  expect(await packets(after, ext)).toBe(await packets(before, ext));
  const [was, is] = [await ffprobe(before), await ffprobe(after)];
  expect(Number(is.format.duration)).toBeCloseTo(Number(was.format.duration), 3);
  expect(is.streams.map((s) => s.codec_name)).toEqual(was.streams.map((s) => s.codec_name));
  expect(allTags(is).filter((t) => TELLING.test(t))).toEqual([]);
  expect(locationOrDeviceTags(after)).toEqual([]);
}

let faststartWithTags: Uint8Array;
beforeAll(async () => {
  await deliverableMp4WithLocation();
  // The index before the media data, tagged as a phone tags it: every chunk offset moves when the tags go.
  const out = join(AV_CACHE, 'deliverable-faststart-tags.mp4');
  faststartWithTags = await readFile(out).catch(async () => {
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', join(AV_CACHE, 'deliverable.mp4'), '-map', '0', '-c', 'copy', '-metadata', `location=${LOCATION}`,
      '-metadata', `com.apple.quicktime.location.ISO6709=${LOCATION}`, '-metadata', 'make=Apple', '-metadata', 'model=iPhone 15', '-metadata:s:v', 'title=Camera',
      '-movflags', '+faststart+use_metadata_tags', '-f', 'mp4', `${out}.part`]);
    await run('mv', [`${out}.part`, out]);
    return readFile(out);
  });
}, WARM_TIMEOUT_MS);

describe('MP4 and 3GP without udta and meta boxes', () => {
  it('rewrites a phone-tagged MP4 whose index precedes its media: sizes and chunk offsets follow, the media is the same', async () => {
    const boxes = await topLevelBoxes(faststartWithTags);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect(locationOrDeviceTags(faststartWithTags).length).toBeGreaterThan(0);
    const stripped = withoutIsoMetadata(faststartWithTags)!;
    expect(stripped.removed).toContain('udta');
    expect(stripped.bytes.length).toBeLessThan(faststartWithTags.length);
    await expectSamePlayableMedia(faststartWithTags, stripped.bytes, 'mp4');
  });

  it('rewrites the corpus iPhone-style MP4 (©xyz, make, model, ISO 6709 keys)', async () => {
    const file = corpus('video/h264-aac-location.mp4');
    const stripped = withoutIsoMetadata(file)!;
    expect(stripped.removed.length).toBeGreaterThan(0);
    await expectSamePlayableMedia(file, stripped.bytes, 'mp4');
  });

  it('rewrites an MP4 whose index follows its media: no chunk moves', async () => {
    const file = await deliverableMp4WithLocation();
    const stripped = withoutIsoMetadata(file)!;
    expect(stripped.removed).toContain('udta');
    await expectSamePlayableMedia(file, stripped.bytes, 'mp4');
  });

  it('rewrites a fragmented MP4 (its fragments’ absolute base data offsets and random-access index moved back too) and a 3GP', async () => {
    for (const [name, ext] of [['video/fragmented.mp4', 'mp4'], ['video/h263-aac.3gp', '3gp']] as const) {
      const file = corpus(name);
      const stripped = withoutIsoMetadata(file)!;
      expect(stripped, name).toBeDefined();
      await expectSamePlayableMedia(file, stripped.bytes, ext);
    }
  });

  it('removes an XMP packet (with a location) from its uuid box, the other boxes as they were', async () => {
    const plain = await deliverableMp4();
    const file = withXmpLocation(plain);
    expect(locationOrDeviceTags(file)).toEqual(['XMP exif:GPS… property', 'GPSLatitude (XMP or text)', 'GPSLongitude (XMP or text)']);
    const stripped = withoutIsoMetadata(file)!;
    // ffmpeg's encoder tag (udta) goes too, as from the file without the XMP.
    expect(stripped.removed).toEqual(['udta', 'xmp']);
    expect(Buffer.from(stripped.bytes).equals(withoutIsoMetadata(plain)!.bytes)).toBe(true);
    expect(locationOrDeviceTags(stripped.bytes)).toEqual([]);
  });

  it('leaves a file without tags byte for byte, and a rewritten one has nothing left to remove', async () => {
    const once = withoutIsoMetadata(faststartWithTags)!.bytes;
    const twice = withoutIsoMetadata(once)!;
    expect(twice.removed).toEqual([]);
    expect(twice.bytes).toBe(once);
  });

  it('declines a chunk offset that points into a removed box, and a file whose boxes do not add up', () => {
    const box = (type: string, body: Uint8Array) => {
      const out = new Uint8Array(8 + body.length);
      new DataView(out.buffer).setUint32(0, out.length);
      out.set(new TextEncoder().encode(type), 4);
      out.set(body, 8);
      return out;
    };
    const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
    const stco = (offset: number) => box('stco', Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 1, offset >> 24, (offset >> 16) & 255, (offset >> 8) & 255, offset & 255]));
    const ftyp = box('ftyp', new TextEncoder().encode('isom\0\0\0\0isom'));
    // ftyp (20) + moov header (8) + udta (16) puts the udta at 28..44: an offset of 30 lies inside it.
    const file = (offset: number) => join(ftyp, box('moov', join(box('udta', new Uint8Array(8)), box('trak', box('mdia', box('minf', box('stbl', stco(offset))))))), box('mdat', new Uint8Array(16)));
    expect(withoutIsoMetadata(file(30))).toBeUndefined();
    const good = file(0);
    const mdat = good.length - 16; // the payload of mdat, before
    const moved = withoutIsoMetadata(file(mdat))!;
    expect(moved.bytes.length).toBe(good.length - 16);
    expect(new DataView(moved.bytes.buffer).getUint32(moved.bytes.length - 24 - 4)).toBe(mdat - 16); // stco's one entry, before mdat
    expect(new DataView(moved.bytes.buffer).getUint32(20)).toBe(new DataView(good.buffer).getUint32(20) - 16); // moov's size
    const broken = good.slice();
    new DataView(broken.buffer).setUint32(28, 4); // a udta of 4 bytes: not a box
    expect(withoutIsoMetadata(broken)).toBeUndefined();
  });

  it('never throws on cut or damaged files', () => {
    const file = corpus('video/h264-aac-location.mp4');
    for (let cut = 0; cut < 4000; cut += 7) expect(() => withoutIsoMetadata(file.subarray(0, cut))).not.toThrow();
    for (let at = 0; at < 3000; at += 13) {
      const damaged = file.slice();
      damaged[at] ^= 0xff;
      expect(() => withoutIsoMetadata(damaged)).not.toThrow();
    }
  });
});

describe('MP3 without ID3 and APE tags', () => {
  it('removes the ID3v2 tag with its cover art, and ID3v1 and APEv2 tags behind the frames', async () => {
    const file = corpus('audio/id3v2-cover-art.mp3');
    const ape = (() => {
      const items = new TextEncoder().encode('\x05\0\0\0\0\0\0\0Title\0Bell!');
      const footer = new Uint8Array(32);
      footer.set(new TextEncoder().encode('APETAGEX'));
      const v = new DataView(footer.buffer);
      v.setUint32(8, 2000, true);
      v.setUint32(12, items.length + 32, true);
      v.setUint32(16, 1, true);
      return Uint8Array.from([...items, ...footer]);
    })();
    const id3v1 = new Uint8Array(128);
    id3v1.set(new TextEncoder().encode('TAGBell'));
    const tagged = Uint8Array.from([...file, ...ape, ...id3v1]);
    const stripped = withoutMp3Tags(tagged)!;
    expect(stripped.removed).toEqual(['ID3v2', 'ID3v1', 'APEv2', 'ID3v1']); // the corpus file has an ID3v1 tag of its own
    expect(stripped.bytes[0]).toBe(0xff); // a frame first
    expect(await decodeErrors(stripped.bytes, 'mp3')).toBe('');
    expect(await packets(stripped.bytes, 'mp3')).toBe(await packets(file, 'mp3'));
    expect(allTags(await ffprobe(stripped.bytes)).filter((t) => TELLING.test(t))).toEqual([]);
    expect(withoutMp3Tags(stripped.bytes)!.bytes).toBe(stripped.bytes);
  });

  it('declines a tag longer than the file, and never throws on cut files', () => {
    const file = corpus('audio/id3v2-cover-art.mp3');
    expect(withoutMp3Tags(file.subarray(0, 200))).toBeUndefined();
    for (let cut = 0; cut < 600; cut += 3) expect(() => withoutMp3Tags(file.subarray(0, cut))).not.toThrow();
  });
});

describe('WAV without its metadata chunks', () => {
  it('removes LIST/INFO and fixes the RIFF size', async () => {
    const file = corpus('audio/pcm16-riff-info.wav');
    const stripped = withoutWaveMetadata(file)!;
    expect(stripped.removed).toContain('LIST');
    const view = new DataView(stripped.bytes.buffer, stripped.bytes.byteOffset);
    expect(view.getUint32(4, true)).toBe(stripped.bytes.length - 8);
    expect(await decodeErrors(stripped.bytes, 'wav')).toBe('');
    expect(await packets(stripped.bytes, 'wav')).toBe(await packets(file, 'wav'));
    expect(allTags(await ffprobe(stripped.bytes)).filter((t) => TELLING.test(t))).toEqual([]);
  });

  it('removes bext before the data and an odd-sized id3 chunk (with its pad byte) after it', async () => {
    const file = withoutWaveMetadata(corpus('audio/pcm16-riff-info.wav'))!.bytes;
    const chunk = (id: string, size: number) => {
      const out = new Uint8Array(8 + size + (size & 1));
      out.set(new TextEncoder().encode(id));
      new DataView(out.buffer).setUint32(4, size, true);
      return out;
    };
    const tagged = Uint8Array.from([...file.subarray(0, 12), ...chunk('bext', 602), ...file.subarray(12), ...chunk('id3 ', 31)]);
    new DataView(tagged.buffer).setUint32(4, tagged.length - 8, true);
    const stripped = withoutWaveMetadata(tagged)!;
    expect(stripped.removed).toEqual(['bext', 'id3']);
    expect(Buffer.from(stripped.bytes).equals(Buffer.from(file))).toBe(true);
    expect(await decodeErrors(tagged, 'wav')).toBe('');
  });

  it('declines what is not RIFF WAVE, never throws on cut files', () => {
    const file = corpus('audio/pcm16-riff-info.wav');
    expect(withoutWaveMetadata(file.subarray(4))).toBeUndefined();
    for (let cut = 0; cut < 400; cut += 3) expect(() => withoutWaveMetadata(file.subarray(0, cut))).not.toThrow();
  });
});
