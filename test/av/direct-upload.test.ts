import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { directClient, sha256Hex } from '../support/direct-upload.js';
import { expectMedia } from '../support/http.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

/**
 * The same iPhone video sent through POST /v1/media and straight to an S3 bucket (presigned PUT, then complete)
 * becomes the same media: the same pipeline (the system's ffmpeg) on the same bytes, encoded deterministically.
 */
let s3: S3TestServer;
let t: TestApp;
beforeAll(async () => {
  await av.warmAvFixtures();
  s3 = await startS3Server();
  t = await startTestApp({ ...s3.serviceEnv() });
}, av.WARM_TIMEOUT_MS);
afterAll(async () => {
  await t.close();
  await s3.stop();
});

describe('a video uploaded directly to S3', () => {
  it('is converted as by POST /v1/media, to the same bytes', async () => {
    const mov = await av.phoneMov();
    const posted = await expectMedia(await fetch(`${t.baseUrl}/v1/media?filename=IMG_0001.MOV`, { method: 'POST', body: mov }));

    const client = directClient(t.baseUrl);
    const ticket = await client.ticket('IMG_0001.MOV', mov.length);
    expect((await client.put(ticket, mov)).status).toBe(200);
    const direct = await expectMedia(await client.complete(ticket.upload_id));

    expect(direct).toMatchObject({ id: `${ticket.upload_id}.mp4`, content_type: 'video/mp4', kind: 'video', width: 360, height: 640 });
    expect({ ...direct, id: '', url: '', expires_at: '', original: { ...direct.original, content_type: null } }).toEqual({
      ...posted,
      id: '',
      url: '',
      expires_at: '',
      original: { ...posted.original, content_type: null },
    });
    const served = new Uint8Array(await (await fetch(direct.url)).arrayBuffer());
    expect(sha256Hex(served)).toBe(direct.sha256);
    expect((await av.ffprobe(served)).streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline' });
  });
});
