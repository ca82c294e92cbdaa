import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendResponseSchema } from '../../src/http/schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { expectMedia, form } from '../support/http.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import { startMediaServer, type MediaServer } from '../support/media-server.js';

/** A phone's video and voice memo sent the other ways a user sends them: the multipart send, and an import from a URL. */
let teli: FakeTeli;
let files: MediaServer;
let t: TestApp;
const fields = { campaign_id: 'campaign_abc123', phone_number: '+15551234567', message: 'From my phone' };

beforeAll(async () => {
  await av.warmAvFixtures();
  teli = await startFakeTeli();
  files = await startMediaServer({
    '/IMG_0001.MOV': { file: { prefix: await av.phoneMov(), size: (await av.phoneMov()).length } },
  });
  t = await startTestApp((baseUrl) => ({
    TELI_API_BASE_URL: teli.baseUrl,
    TELI_API_KEY: teli.apiKey,
    FETCH_ALLOW_PRIVATE_HOSTS: `${new URL(baseUrl).host},${files.hostPort}`,
  }));
}, av.WARM_TIMEOUT_MS);
afterAll(async () => {
  await t.close();
  await files.close();
  await teli.close();
});

describe('POST /v1/mms/send (multipart) with video and audio', () => {
  it('converts an iPhone MOV and a voice memo, and the endpoint downloads the MP4 and the MP3', async () => {
    for (const [filename, bytes, type] of [['IMG_0001.MOV', await av.phoneMov(), 'video/mp4'], ['Memo.m4a', await av.voiceMemo(120), 'audio/mpeg']] as const) {
      const res = await t.app.request('/v1/mms/send', { method: 'POST', body: form(fields, [{ filename, bytes }]) });
      expect(res.status).toBe(200);
      const body = SendResponseSchema.parse(await res.json());
      expect(body.media).toMatchObject({ content_type: type });
      const download = teli.calls.at(-1)!.download!;
      expect({ status: download.status, contentType: download.contentType, size: download.bytes.length }).toEqual({ status: 200, contentType: type, size: body.media!.size });
      expect(download.bytes.length).toBeLessThanOrEqual(600_000);
      const probed = await av.ffprobe(download.bytes);
      expect(probed.streams.map((s) => s.codec_name)).toEqual(type === 'video/mp4' ? ['h264', 'aac'] : ['mp3']);
    }
  });
});

describe('POST /v1/media {"url"} with video', () => {
  it('imports a MOV from a URL through the same conversion', async () => {
    const res = await t.app.request('/v1/media', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: files.url('/IMG_0001.MOV') }) });
    const media = await expectMedia(res);
    expect(media).toMatchObject({ content_type: 'video/mp4', width: 360, height: 640, original: { filename: 'IMG_0001.MOV', codecs: ['hevc', 'aac'] } });
    expect(media.transformations?.slice(0, 3)).toEqual(['convert:mov->mp4', 'transcode:hevc->h264', 'rotate:90']);
  });
});
