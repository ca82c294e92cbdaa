import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaStatusResponseSchema } from '../../src/http/schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { startCuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { directClient } from '../support/direct-upload.js';
import { expectMedia, filesIn } from '../support/http.js';
import { listBucket, startS3Server, type S3TestServer } from '../support/s3-server.js';
import { hashWhatIsRead, paddedVideo, settledUpload, tusUpload } from '../support/tus.js';

/**
 * The phone on the train: tus-js-client sends a 60 MB video in 5 MB chunks through a proxy that drops the
 * connection twice in the middle of a PATCH. The client asks the server where it stopped and goes on from there;
 * the bytes the pipeline reads from staging are the file's, byte for byte, and it becomes a fitted MP4: the same
 * media as the same file sent by a direct upload (PUT to the ticket's URL, then complete). On local disk and on S3.
 */
const MB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
let input: Buffer;
let s3: S3TestServer;
beforeAll(async () => {
  await av.warmAvFixtures();
  input = await paddedVideo(60_000_000);
  s3 = await startS3Server();
}, av.WARM_TIMEOUT_MS);
afterAll(() => s3?.stop());

describe.each([
  { driver: 'local disk', env: (): Record<string, string> => ({}) },
  { driver: 'S3', env: (): Record<string, string> => ({ ...s3.serviceEnv(), MEDIA_URL_TTL_SECONDS: '86400' }) },
])('a 60 MB upload cut off twice, $driver', ({ driver, env }) => {
  let t: TestApp;
  let proxy: CuttingProxy;
  beforeAll(async () => {
    proxy = await startCuttingProxy({ cutAfter: 2.5 * MB });
    // Upload URLs (Location) and media URLs point at the proxy, which forwards to the service.
    t = await startTestApp((baseUrl) => {
      proxy.targetPort = Number(new URL(baseUrl).port);
      return { ...env(), PUBLIC_BASE_URL: proxy.url };
    });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  it('resumes where the server stopped each time, is processed from identical bytes, and is what a direct upload makes of it', async () => {
    const stagedHashes = hashWhatIsRead(t.deps.resumable!);

    proxy.arm([3, 8]);
    const up = await tusUpload(`${proxy.url}/v1/uploads`, input, { chunkSize: 5 * MB, metadata: { filename: 'train.mp4' } });

    expect(proxy.cuts).toHaveLength(2);
    expect(up.resumedFrom).toHaveLength(2);
    up.resumedFrom.forEach((offset, i) => {
      // What the server had kept of the cut PATCH: no more than what got through; on local disk every byte of it,
      // on S3 its whole 5 MiB parts only (here none: the cut comes 2.5 MB into a 5 MiB chunk).
      const cut = proxy.cuts[i]!;
      if (driver === 'S3') expect(offset).toBeGreaterThanOrEqual(cut.offset);
      else expect(offset).toBeGreaterThan(cut.offset);
      expect(offset).toBeLessThanOrEqual(cut.offset + cut.forwarded);
    });
    const res = await settledUpload(proxy.url, up.id);
    const body = MediaStatusResponseSchema.parse(await res.json());
    if (body.status !== 'ready') throw new Error(`still ${body.status}`);
    expect(stagedHashes).toEqual([sha256(input)]);
    expect(body.media).toMatchObject({ id: `${up.id}.mp4`, kind: 'video', original: { filename: 'train.mp4', size: 60_000_000 } });
    expect(body.media.size).toBeLessThanOrEqual(600_000);
    const served = new Uint8Array(await (await fetch(body.media.url)).arrayBuffer());
    expect((await av.ffprobe(served)).streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });

    // The same file by a direct upload: the same media, bytes and all, under its own id.
    const client = directClient(proxy.url);
    const ticket = await client.ticket('train.mp4', input.length);
    expect((await client.put(ticket, input)).status).toBe(200);
    const direct = await expectMedia(await client.complete(ticket.upload_id), 201);
    // Each has its own id, URL and URL expiry.
    const { id: _tusId, url: _tusUrl, expires_at: _tusEnd, ...fromTus } = body.media;
    const { id: _directId, url: _directUrl, expires_at: _directEnd, ...fromDirect } = direct;
    expect(fromDirect).toEqual(fromTus);
    expect(direct.sha256).toBe(sha256(served));

    // No staged bytes are left (the direct upload's ticket record stays, for a second complete to be answered).
    const bucket = driver === 'S3' ? await listBucket(s3.dir, s3.bucket) : { keys: (await filesIn(`${t.dir}/media/uploads`)).map((f) => `uploads/${f}`), uploads: [] };
    expect(bucket.keys.filter((k) => k.startsWith('uploads/') && !k.startsWith(`uploads/direct/${ticket.upload_id}.json`))).toEqual([]);
    expect(bucket.uploads).toEqual([]); // no multipart upload left unfinished
  }, 120_000);
});
