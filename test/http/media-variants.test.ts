import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { NoAvProcessing } from '../../src/adapters/no-av.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectError, expectMedia, filesIn, inPieces, lazyBody } from '../support/http.js';

/**
 * Files from the wild that are what a carrier type is, under another name or with a quirk readers accept; and one
 * answer for a file however its bytes arrive. (Unplayable media and the M4V: the shared HTTP suite.)
 */
let t: TestApp;
beforeAll(async () => {
  // Files kept as sent: the path of a server where nothing converts video or audio (with ffmpeg, see test/av/).
  t = await startTestApp({}, { av: new NoAvProcessing({ budgetBytes: 600_000, where: 'node' }) });
});
afterAll(() => t.close());

const corpus = (file: string) => new Uint8Array(readFileSync(new URL(`../fixtures/corpus/${file}`, import.meta.url)));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const upload = (body: Uint8Array | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  t.app.request('/v1/media', { method: 'POST', body, headers, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
const served = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());

describe('one answer for a file, however its bytes arrive', () => {
  it('converts a TIFF whose directory sits after its pixels the same whole, in 1,400-byte pieces and in 1-byte pieces', async () => {
    const tiff = corpus('tiff/big-endian-far-ifd.tif'); // directory at byte 120,008 of 120,330
    const replies = [];
    for (const body of [tiff, inPieces(tiff, 1400), inPieces(tiff, 1)]) {
      const media = await expectMedia(await upload(body));
      replies.push({ content_type: media.content_type, size: media.size, width: media.width, height: media.height, transformations: media.transformations });
    }
    expect(replies[0]).toMatchObject({ content_type: 'image/jpeg' });
    expect(replies[1]).toEqual(replies[0]);
    expect(replies[2]).toEqual(replies[0]);
  });

  it('refuses a file whose ID3 tag runs past the limit for audio as too large, reading no further', async () => {
    // An ID3 tag announcing 8 MB: the frames, if any, would start past the 5 MB an audio file may have.
    const tag = fx.mp3(0, 8_000_000).subarray(0, 10);
    const { stream, state } = lazyBody(9_000_000, 64 * 1024, tag);
    expect(await expectError(await upload(stream), 413, 'file_too_large')).toBe('The file is larger than 5 MB, the limit for audio files before processing.');
    expect(state.pulled).toBeLessThan(5_000_000 + 2 * 64 * 1024);
  });

  it('tells a file that starts like an MP3 or a TIFF but is not one that it is damaged, not that it may be text', async () => {
    const tagThenNothing = Buffer.concat([fx.mp3(0, 100), Buffer.alloc(5000, 0x20)]);
    expect(await expectError(await upload(tagThenNothing), 422, 'unplayable_media')).toBe(
      'This MP3 has no MPEG audio frame where its audio should start (at the beginning, or right after its ID3 tag), so there is nothing a player can decode. Export or record it again.',
    );
    const tiffWithoutDirectory = corpus('tiff/little-endian-lzw.tif').subarray(0, 50_000);
    expect(await expectError(await upload(inPieces(tiffWithoutDirectory, 1400)), 422, 'unreadable_image')).toBe(
      'The TIFF image could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.',
    );
  });
});

describe('the same thing under another name, or with a quirk readers accept', () => {
  it('hosts a PDF behind a gateway’s status line as the PDF it is, the leading bytes cut', async () => {
    const media = await expectMedia(await upload(inPieces(corpus('pdf/leading-bytes.pdf'), 7)));
    const simple = corpus('pdf/simple.pdf'); // the same file without the 19 bytes in front
    expect(media).toMatchObject({ content_type: 'application/pdf', extension: 'pdf', size: simple.length, sha256: sha256(simple), transformations: ['trim_leading_bytes'] });
    expect(media.original.size).toBe(simple.length + 19);
    expect(Buffer.from(await served(media.url)).equals(simple)).toBe(true);
  });

  it('hosts an MP3 with junk between its ID3 tag and its first frame, the junk cut (and the tag, unless keep_metadata=true)', async () => {
    const mp3 = corpus('audio/junk-after-id3.mp3'); // 4 bytes inserted at 102, where the tag ends
    const media = await expectMedia(await upload(inPieces(mp3, 1400)));
    const frames = Buffer.from(mp3.subarray(106));
    expect(media).toMatchObject({ content_type: 'audio/mpeg', size: frames.length, sha256: sha256(frames), transformations: ['trim_junk_after_id3', 'strip_metadata'] });
    expect(Buffer.from(await served(media.url)).equals(frames)).toBe(true);
    const kept = await expectMedia(await t.app.request('/v1/media?keep_metadata=true', { method: 'POST', body: inPieces(mp3, 1400), duplex: 'half' } as RequestInit));
    const fixed = Buffer.concat([mp3.subarray(0, 102), mp3.subarray(106)]);
    expect(kept).toMatchObject({ size: fixed.length, sha256: sha256(fixed), transformations: ['trim_junk_after_id3'] });
    expect(Buffer.from(await served(kept.url)).equals(fixed)).toBe(true);
  });

  it('says "nothing changed" of a file kept as sent', async () => {
    const bytes = corpus('audio/vbr-xing.mp3');
    const media = await expectMedia(await upload(bytes));
    expect(media).toMatchObject({ size: bytes.length, sha256: sha256(bytes), transformations: [] });
  });
});

describe('formats that need converting are named as people know them where nothing converts them', () => {
  it.each([
    ['video/iphone-style.mov', 'QuickTime (MOV)'],
    ['audio/aac.m4a', 'M4A'],
    ['audio/flac.flac', 'FLAC'],
  ])('%s', async (file, what) => {
    const before = await filesIn(t.dir);
    expect(await expectError(await upload(corpus(file)), 422, 'media_processing_unavailable')).toBe(
      `This file needs converting (it is ${what}, which must be converted to MP4 (video) or MP3 (audio) for carriers to take it), and this server has no ffmpeg: install it (apt-get install ffmpeg on Debian or Ubuntu), or point FFMPEG_PATH and FFPROBE_PATH at it, and restart the service. An MP4 (H.264 and AAC) or MP3 under 600 KB is stored as it is.`,
    );
    expect(await filesIn(t.dir)).toEqual(before);
  });
});
