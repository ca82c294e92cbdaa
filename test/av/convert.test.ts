import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Media } from '../../src/core/media-service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { expectError, expectMedia, form } from '../support/http.js';
import { startMediaServer, type MediaServer } from '../support/media-server.js';

/**
 * Video and audio through POST /v1/media on Node with the system's ffmpeg, and what comes out checked with
 * ffprobe: codec and profile, dimensions and orientation, tags, the order of the boxes, size against the budget.
 */
let t: TestApp;
beforeAll(async () => {
  await av.warmAvFixtures();
  t = await startTestApp();
}, av.WARM_TIMEOUT_MS);
afterAll(() => t.close());

const SAFE = 600_000;
const upload = (bytes: Uint8Array, filename: string, query = '') => t.app.request(`/v1/media${query}`, { method: 'POST', body: form({}, [{ filename, bytes }]) });
const served = async (media: Media) => new Uint8Array(await (await fetch(media.url)).arrayBuffer());
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const video = (p: av.Probed) => p.streams.find((s) => s.codec_type === 'video')!;
const audio = (p: av.Probed) => p.streams.find((s) => s.codec_type === 'audio');
const PERSONAL = /location|make|model|xyz|apple/i;

describe('video → H.264 Constrained Baseline MP4 within the budget', () => {
  it('turns a rotated HEVC iPhone MOV with a location into an upright MP4 without it', async () => {
    const input = await av.phoneMov();
    const media = await expectMedia(await upload(input, 'IMG_0001.MOV'));
    const bytes = await served(media);
    const probed = await av.ffprobe(bytes);
    expect(media).toMatchObject({ content_type: 'video/mp4', extension: 'mp4', kind: 'video', size: bytes.length, sha256: sha256(bytes), width: 360, height: 640 });
    expect(media.transformations).toEqual(['convert:mov->mp4', 'transcode:hevc->h264', 'rotate:90', 'scale:960x540->360x640', expect.stringMatching(/^bitrate:\d+k$/), 'channels:2->1', 'strip_metadata']);
    expect(media.original).toEqual({ filename: 'IMG_0001.MOV', content_type: 'application/octet-stream', size: input.length, duration: 2, width: 960, height: 540, codecs: ['hevc', 'aac'] });
    expect(video(probed)).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline', pix_fmt: 'yuv420p', width: 360, height: 640 });
    expect(video(probed).side_data_list ?? []).toEqual([]); // upright pixels, no display matrix left
    expect(audio(probed)).toMatchObject({ codec_name: 'aac', profile: 'LC', channels: 1 });
    expect(av.allTags(probed).filter((tag) => PERSONAL.test(tag))).toEqual([]);
    expect(bytes.includes(Buffer.from('+40.7128'))).toBe(false);
    expect(await av.topLevelBoxes(bytes)).toEqual(['ftyp', 'moov', 'free', 'mdat']); // the index before the media data
    expect(Math.abs(Number(probed.format.duration) - 2)).toBeLessThanOrEqual(0.3);
    expect(media.duration).toBeCloseTo(Number(probed.format.duration), 2);
    expect(bytes.length).toBeLessThanOrEqual(SAFE);
  });

  it('fits a 1.4 MB H.264 High MP4 into 85–100 % of the 600 KB budget, in 640×360 Constrained Baseline', async () => {
    const input = await av.bigMp4();
    expect(input.length).toBeGreaterThan(SAFE);
    const media = await expectMedia(await upload(input, 'VID_2024.mp4'));
    const bytes = await served(media);
    const probed = await av.ffprobe(bytes);
    expect(media.transformations).toEqual(['profile:high->baseline', 'scale:960x540->640x360', expect.stringMatching(/^bitrate:\d+k$/)]);
    expect(video(probed)).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline', width: 640, height: 360 });
    expect(audio(probed)).toMatchObject({ codec_name: 'aac', channels: 1 });
    expect(bytes.length).toBeLessThanOrEqual(SAFE);
    expect(bytes.length).toBeGreaterThanOrEqual(0.85 * SAFE);
    expect(Math.abs(Number(probed.format.duration) - 3)).toBeLessThanOrEqual(0.3);
  });

  it('makes the same file from the same upload (ffmpeg uses more than one thread here)', async () => {
    const input = await av.bigMp4();
    const first = await expectMedia(await upload(input, 'VID_2024.mp4'));
    const second = await expectMedia(await upload(input, 'VID_2024.mp4'));
    expect(second.id).not.toBe(first.id);
    expect(second.sha256).toBe(first.sha256);
    expect(sha256(await served(second))).toBe(sha256(await served(first)));
  });

  it('stores a deliverable MP4 byte-identical', async () => {
    const input = await av.deliverableMp4();
    const media = await expectMedia(await upload(input, 'ready.mp4'));
    expect(media).toMatchObject({ size: input.length, sha256: sha256(input), transformations: [], width: 320, height: 240, duration: 2 });
    expect(media.original.codecs).toEqual(['h264', 'aac']);
    expect(Buffer.from(await served(media)).equals(input)).toBe(true);
  });

  it('remuxes a playable MP4 with a location and its index last: tag gone, index first, streams untouched', async () => {
    const input = await av.deliverableMp4WithLocation();
    expect(await av.topLevelBoxes(input)).toEqual(['ftyp', 'free', 'mdat', 'moov']);
    const media = await expectMedia(await upload(input, 'clip.mp4'));
    const bytes = await served(media);
    const [before, after] = [await av.ffprobe(input), await av.ffprobe(bytes)];
    expect(media.transformations).toEqual(['strip_metadata', 'faststart']);
    expect(av.allTags(after).filter((tag) => PERSONAL.test(tag))).toEqual([]);
    expect(await av.topLevelBoxes(bytes)).toEqual(['ftyp', 'moov', 'free', 'mdat']); // the index before the media data
    expect(after.streams.map((s) => [s.codec_name, s.profile, s.bit_rate])).toEqual(before.streams.map((s) => [s.codec_name, s.profile, s.bit_rate]));
  });

  it('turns a browser’s WebM (VP9, Opus) and a feature phone’s 3GP (H.263) into MP4 with their sound', async () => {
    const webm = await expectMedia(await upload(await av.browserWebm(), 'recording.webm'));
    expect(webm.transformations).toEqual(['convert:webm->mp4', 'transcode:vp9->h264', 'transcode:opus->aac', expect.stringMatching(/^bitrate:\d+k$/)]);
    const phone = await expectMedia(await upload(await av.featurePhone3gp(), 'video.3gp'));
    expect(phone.transformations).toEqual(['convert:3gp->mp4', 'transcode:h263->h264', expect.stringMatching(/^bitrate:\d+k$/)]);
    for (const [media, seconds, size] of [[webm, 2, [320, 240]], [phone, 2, [176, 144]]] as const) {
      const probed = await av.ffprobe(await served(media));
      expect(video(probed)).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline', width: size[0], height: size[1] });
      expect(audio(probed)).toMatchObject({ codec_name: 'aac', profile: 'LC', channels: 1 });
      expect(Math.abs(Number(probed.format.duration) - seconds)).toBeLessThanOrEqual(0.3);
    }
  });

  it('measures a browser recording whose header states no duration, and plans by it', async () => {
    const input = await av.liveWebm();
    expect((await av.ffprobe(input)).format.duration).toBeUndefined(); // "N/A": left out of the JSON
    const media = await expectMedia(await upload(input, 'recording.webm'));
    expect(Math.abs(media.original.duration! - 2)).toBeLessThanOrEqual(0.3);
    expect(Math.abs(Number((await av.ffprobe(await served(media))).format.duration) - 2)).toBeLessThanOrEqual(0.3);
  });
});

describe('audio → MP3, constant bit rate, mono', () => {
  it('turns a 2-minute voice memo into a 32 kbit/s MP3 under 600 KB', async () => {
    const input = await av.voiceMemo(120);
    const media = await expectMedia(await upload(input, 'New Recording.m4a'));
    const bytes = await served(media);
    const probed = await av.ffprobe(bytes);
    expect(media).toMatchObject({ content_type: 'audio/mpeg', extension: 'mp3', kind: 'audio', transformations: ['convert:m4a->mp3', 'transcode:aac->mp3', 'bitrate:32k'] });
    expect(probed.streams).toEqual([expect.objectContaining({ codec_name: 'mp3', channels: 1, bit_rate: '32000' })]);
    expect(probed.format.tags ?? {}).toEqual({});
    expect(Math.abs(Number(probed.format.duration) - 120)).toBeLessThanOrEqual(0.3);
    expect(bytes.length).toBeLessThanOrEqual(SAFE);
  });

  it('turns an Android AMR-NB voice note into MP3, no higher than its narrowband speech needs', async () => {
    const input = await readFile(new URL('../fixtures/voice-note.amr', import.meta.url));
    const media = await expectMedia(await upload(input, 'Voice 001.amr'));
    const probed = await av.ffprobe(await served(media));
    expect(media.transformations).toEqual(['convert:amr->mp3', 'transcode:amr-nb->mp3', 'bitrate:32k']);
    expect(media.original).toMatchObject({ codecs: ['amr-nb'], duration: 2.065 });
    expect(probed.streams).toEqual([expect.objectContaining({ codec_name: 'mp3', channels: 1, bit_rate: '32000' })]);
    expect(Math.abs(Number(probed.format.duration) - 2.065)).toBeLessThanOrEqual(0.3);
  });

  it('turns a short WAV into MP3 at the highest rate a phone needs', async () => {
    const media = await expectMedia(await upload(await av.wavClip(), 'note.wav'));
    const probed = await av.ffprobe(await served(media));
    expect(media.transformations).toEqual(['convert:wav->mp3', 'transcode:pcm-s16le->mp3', 'bitrate:128k']);
    expect(probed.streams).toEqual([expect.objectContaining({ codec_name: 'mp3', channels: 1, bit_rate: '128000' })]);
  });
});

describe('optimize=off', () => {
  it('keeps an MP4 as sent, cuts a location out of one by a remux, and refuses a MOV (carriers do not take it as it is)', async () => {
    const ready = await av.deliverableMp4();
    expect(await expectMedia(await upload(ready, 'named.mov', '?optimize=off'))).toMatchObject({ extension: 'mp4', sha256: sha256(ready), transformations: [] });
    const media = await expectMedia(await upload(await av.deliverableMp4WithLocation(), 'clip.mp4', '?optimize=off'));
    expect(media.transformations).toEqual(['strip_metadata']);
    expect(av.allTags(await av.ffprobe(await served(media))).filter((tag) => PERSONAL.test(tag))).toEqual([]);
    const mov = await expectError(await upload(await av.phoneMov(), 'IMG.MOV', '?optimize=off'), 415, 'unsupported_media_type');
    expect(mov).toBe('With optimize=off the file is kept exactly as sent, but carriers do not accept QuickTime (MOV) files. Send it with optimize=auto to have it converted, or send an MP4, 3GP, MP3, WAV or Ogg file.');
  });
});

describe('tags ffprobe does not report', () => {
  it('an MP3 with an APEv2 tag (an artist) is not kept as sent: the tag is cut out by a remux', async () => {
    const plain = await av.plainMp3();
    const item = Buffer.concat([Buffer.alloc(8), Buffer.from('Artist\0Ana Lima', 'latin1')]);
    item.writeUInt32LE('Ana Lima'.length, 0);
    const footer = Buffer.alloc(32);
    footer.write('APETAGEX', 0, 'latin1');
    footer.writeUInt32LE(2000, 8);
    footer.writeUInt32LE(item.length + 32, 12);
    footer.writeUInt32LE(1, 16);
    const tagged = Buffer.concat([plain, item, footer]);
    const media = await expectMedia(await upload(tagged, 'memo.mp3', '?optimize=off'));
    expect(media.transformations).toEqual(['strip_metadata']);
    const stored = Buffer.from(await served(media));
    expect(stored.includes('APETAGEX')).toBe(false);
    expect(stored.includes('Ana Lima')).toBe(false);
  });
});

describe('tags ffprobe reports only when asked', () => {
  it('an MP4 with a location in an XMP packet is not kept as sent: the packet is cut out by a remux', async () => {
    const tagged = av.withXmpLocation(await av.deliverableMp4());
    const media = await expectMedia(await upload(tagged, 'clip.mp4'));
    expect(media.transformations).toEqual(['strip_metadata']);
    const stored = Buffer.from(await served(media));
    expect(stored.includes('GPSLatitude')).toBe(false);
    expect(stored.includes('GPSLongitude')).toBe(false);
  });
});

describe('keep_metadata and optimize=always', () => {
  it('keep_metadata=true keeps the location through a remux; optimize=always re-encodes a deliverable MP4', async () => {
    const kept = await expectMedia(await upload(await av.deliverableMp4WithLocation(), 'clip.mp4', '?keep_metadata=true'));
    expect(kept.transformations).toEqual(['faststart']);
    const probed = await av.ffprobe(await served(kept));
    expect(probed.format.tags?.location).toBe('+40.7128-074.0060+10.000000/'); // the same place, as ffmpeg writes ©xyz
    const again = await expectMedia(await upload(await av.deliverableMp4(), 'ready.mp4', '?optimize=always'));
    expect(again.transformations).toEqual([expect.stringMatching(/^bitrate:\d+k$/)]);
    expect(video(await av.ffprobe(await served(again)))).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline', width: 320, height: 240 });
  });
});

describe('a budget too small for the clip', () => {
  let small: TestApp;
  let files: MediaServer;
  beforeAll(async () => {
    const memo = await av.voiceMemo(120);
    files = await startMediaServer({ '/memo.m4a': { file: { prefix: memo, size: memo.length } } });
    small = await startTestApp({ IMAGE_TARGET_BYTES: '50000', FETCH_ALLOW_PRIVATE_HOSTS: files.hostPort });
  });
  afterAll(async () => {
    await small.close();
    await files.close();
  });
  const send = (bytes: Uint8Array, query = '') => small.app.request(`/v1/media${query}`, { method: 'POST', body: form({}, [{ filename: 'memo.m4a', bytes }]) });

  it('refuses it with media_too_long, naming the longest that fits; trim=true sends its start and says so', async () => {
    const memo = await av.voiceMemo(120);
    const refused = await send(memo);
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({
      success: false,
      code: 'media_too_long',
      error: 'At the 50 KB delivery budget, audio up to 23 s fits; this recording is 2 min. Send a shorter recording, or add trim=true to send its first 23 s.',
      max_duration: 23,
    });
    const media = await expectMedia(await send(memo, '?trim=true'));
    expect(media.transformations).toEqual(['convert:m4a->mp3', 'transcode:aac->mp3', 'bitrate:16k', 'trim:120s->23s']);
    const probed = await av.ffprobe(await served(media));
    expect(Math.abs(Number(probed.format.duration) - 23)).toBeLessThanOrEqual(0.3);
    expect(media.size).toBeLessThanOrEqual(50_000);
  });

  it('reports progress against the part kept when trimming: it reaches 0.99, not 23 s / 120 s', async () => {
    const reported: number[] = [];
    const body = new Blob([await av.voiceMemo(120)]).stream();
    const media = await small.deps.media.host({ body, filename: 'memo.m4a', av: { trim: true }, onProgress: (f) => reported.push(f) });
    expect(media.transformations).toContain('trim:120s->23s');
    expect(reported.at(-1)).toBe(0.99);
  });

  it('takes trim in the JSON of a URL import too', async () => {
    const res = await small.app.request('/v1/media', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: files.url('/memo.m4a'), trim: true }) });
    expect((await expectMedia(res)).transformations).toEqual(['convert:m4a->mp3', 'transcode:aac->mp3', 'bitrate:16k', 'trim:120s->23s']);
  });
});
