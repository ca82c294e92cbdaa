import { createHash } from 'node:crypto';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TusUploads } from '../../src/adapters/tus/index.js';
import { MediaStatusResponseSchema } from '../../src/http/schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { startCuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { html, pdf } from '../support/fixtures.js';
import { expectError } from '../support/http.js';
import { clientFor } from '../support/setup-bucket.js';
import { listBucket, startS3Server, type S3TestServer } from '../support/s3-server.js';
import { hashWhatIsRead, paddedVideo, settledUpload, tusUpload } from '../support/tus.js';

/**
 * tus with STORAGE_DRIVER=s3: uploads staged in the media bucket under uploads/tus/ (@tus/s3-store: a multipart
 * upload of 5 MiB parts, the bytes short of a part in a `.part` object), against the S3 emulator. After every
 * outcome (processed, refused, cancelled, expired) nothing of the upload is left in the bucket.
 */
const MB = 1024 * 1024;
let s3: S3TestServer;
let proxy: CuttingProxy;
let t: TestApp;
beforeAll(async () => {
  await av.warmAvFixtures();
  s3 = await startS3Server();
  proxy = await startCuttingProxy({ cutAfter: 2.5 * MB });
  t = await startTestApp((baseUrl) => {
    proxy.targetPort = Number(new URL(baseUrl).port);
    return { ...s3.serviceEnv(), MEDIA_URL_TTL_SECONDS: '86400', PUBLIC_BASE_URL: proxy.url };
  });
}, av.WARM_TIMEOUT_MS);
afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await s3?.stop();
});

const bucket = () => listBucket(s3.dir, s3.bucket);
/** What is in the bucket for one upload: staged objects, its media and job record, pending multipart uploads. */
const leftOf = async (id: string) => {
  const { keys, uploads } = await bucket();
  return { keys: keys.filter((k) => k.includes(id)).sort(), multipart: uploads.filter((u) => u.key.includes(id)).length };
};
const tus = (path: string, method: string, headers: Record<string, string> = {}, body?: Uint8Array) =>
  fetch(`${t.baseUrl}${path}`, { method, body, headers: { 'tus-resumable': '1.0.0', ...headers } });
const create = async (length: number) => {
  const res = await tus('/v1/uploads', 'POST', { 'upload-length': String(length) });
  expect(res.status).toBe(201);
  return res.headers.get('location')!.split('/').pop()!;
};
const patch = (id: string, offset: number, bytes: Uint8Array) => tus(`/v1/uploads/${id}`, 'PATCH', { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }, bytes);

describe('tus over S3', () => {
  it('takes a video in small chunks (kept in a .part object between PATCHes) and hosts it as a fitted MP4', async () => {
    const input = await av.bigMp4();
    const up = await tusUpload(`${t.baseUrl}/v1/uploads`, input, { chunkSize: 256 * 1024, metadata: { filename: 'clip.mp4' } });
    const body = MediaStatusResponseSchema.parse(await (await settledUpload(t.baseUrl, up.id)).json());
    if (body.status !== 'ready') throw new Error(`still ${body.status}`);
    expect(body.media).toMatchObject({ id: `${up.id}.mp4`, kind: 'video', original: { filename: 'clip.mp4', size: input.length } });
    const served = new Uint8Array(await (await fetch(body.media.url)).arrayBuffer());
    expect((await av.ffprobe(served)).streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });
    expect(await leftOf(up.id)).toEqual({ keys: [`${up.id}.mp4`, `status/${up.id}.json`].sort(), multipart: 0 });
  });

  it('resumes an upload cut off mid-PATCH from the offset the bucket holds, and processes identical bytes', async () => {
    const input = await paddedVideo(12_000_000);
    const hashes = hashWhatIsRead(t.deps.resumable!);
    proxy.arm([2]);
    const up = await tusUpload(`${proxy.url}/v1/uploads`, input, { chunkSize: 5 * MB });
    expect(proxy.cuts).toHaveLength(1);
    expect(up.resumedFrom).toHaveLength(1);
    // @tus/s3-store keeps what it received in whole parts or a `.part` object; the bytes of a part still in
    // flight when the connection dropped are sent again.
    expect(up.resumedFrom[0]).toBeGreaterThanOrEqual(proxy.cuts[0]!.offset);
    expect(up.resumedFrom[0]).toBeLessThanOrEqual(proxy.cuts[0]!.offset + proxy.cuts[0]!.forwarded);
    const body = MediaStatusResponseSchema.parse(await (await settledUpload(t.baseUrl, up.id)).json());
    expect(body).toMatchObject({ status: 'ready', media: { id: `${up.id}.mp4`, kind: 'video', original: { size: 12_000_000 } } });
    expect(hashes).toEqual([createHash('sha256').update(input).digest('hex')]);
    expect(await leftOf(up.id)).toEqual({ keys: [`${up.id}.mp4`, `status/${up.id}.json`].sort(), multipart: 0 });
    vi.restoreAllMocks();
  });

  it('answers a PATCH with no bytes at the last offset of a finished upload 204, while it is being hosted', async () => {
    // The hosting waits until that PATCH is answered: the staged upload is finished, its multipart upload complete.
    let release!: () => void;
    const patched = new Promise<void>((resolve) => (release = resolve));
    const host = t.deps.media.host.bind(t.deps.media);
    const hosting = vi.spyOn(t.deps.media, 'host').mockImplementation(async (...args) => patched.then(() => host(...args)));
    try {
      const bytes = pdf(200_000);
      const id = await create(bytes.length);
      expect((await patch(id, 0, bytes)).status).toBe(204);
      const again = await patch(id, bytes.length, new Uint8Array(0));
      // A byte past the end, sent without a length (chunked): refused by tus's limit.
      const past = await fetch(`${t.baseUrl}/v1/uploads/${id}`, {
        method: 'PATCH',
        headers: { 'tus-resumable': '1.0.0', 'upload-offset': String(bytes.length), 'content-type': 'application/offset+octet-stream' },
        body: new Blob([new Uint8Array(1)]).stream(),
        duplex: 'half',
      } as RequestInit);
      release();
      expect({ status: again.status, offset: again.headers.get('upload-offset') }).toEqual({ status: 204, offset: String(bytes.length) });
      expect(past.status).toBe(413);
      const body = MediaStatusResponseSchema.parse(await (await settledUpload(t.baseUrl, id)).json());
      expect(body).toMatchObject({ status: 'ready', media: { id: `${id}.pdf`, size: bytes.length } });
      expect(hosting).toHaveBeenCalledTimes(1);
      expect(await leftOf(id)).toEqual({ keys: [`${id}.pdf`, `status/${id}.json`].sort(), multipart: 0 });
    } finally {
      release();
      hosting.mockRestore();
    }
  });

  it('refuses a finished file that is not media (415) and keeps only the job record', async () => {
    const bytes = html();
    const id = await create(bytes.length);
    expect((await patch(id, 0, bytes)).status).toBe(204);
    const failed = await settledUpload(t.baseUrl, id);
    await expectError(failed, 415, 'unsupported_media_type');
    expect(await leftOf(id)).toEqual({ keys: [`status/${id}.json`], multipart: 0 });
  });

  it('removes everything on DELETE, the uploaded parts and the bytes short of a part included', async () => {
    const id = await create(12 * MB);
    expect((await patch(id, 0, new Uint8Array(6 * MB).fill(7))).status).toBe(204); // one 5 MiB part and 1 MiB in .part
    expect(await leftOf(id)).toEqual({ keys: [`uploads/tus/${id}.info`, `uploads/tus/${id}.part`], multipart: 1 });
    expect((await tus(`/v1/uploads/${id}`, 'DELETE')).status).toBe(204);
    expect(await leftOf(id)).toEqual({ keys: [], multipart: 0 });
  });

  it('expires an unfinished upload: 410 or 404, and the sweep leaves nothing of it in the bucket', async () => {
    // A second instance on the same bucket whose uploads expire after two seconds (the clock cannot be faked here:
    // S3 requests carry the time and the store refuses a skewed one).
    const short = await startTestApp({ ...s3.serviceEnv(), MEDIA_URL_TTL_SECONDS: '86400' }, { tus: { expiryMs: 2_000 } });
    try {
      const res = await fetch(`${short.baseUrl}/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': String(12 * MB) } });
      const url = res.headers.get('location')!;
      const id = url.split('/').pop()!;
      const sent = await fetch(url, { method: 'PATCH', body: new Uint8Array(6 * MB).fill(1), headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' } });
      expect(sent.status).toBe(204);
      expect(await leftOf(id)).toEqual({ keys: [`uploads/tus/${id}.info`, `uploads/tus/${id}.part`], multipart: 1 });
      // And a multipart upload whose record was never written (an instance stopped between the two).
      const orphan = 'AAAAAAAAAAAAAAAAAAAAAA';
      const client = clientFor(s3.endpoint, s3.credentials);
      await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: `uploads/tus/${orphan}` }));
      client.destroy();
      // 410 once expired, 404 once the sweep (also on its own timer here) has removed it.
      const head = async () => (await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } })).status;
      await vi.waitUntil(async () => [404, 410].includes(await head()), { timeout: 5_000, interval: 100 });
      // The sweep goes by when the bucket says the multipart upload began, a moment after the upload's own record.
      const sweep = () => (short.deps.resumable as TusUploads).sweep();
      await vi.waitUntil(async () => (await sweep(), (await leftOf(id)).multipart === 0), { timeout: 5_000, interval: 100 });
      expect(await leftOf(id)).toEqual({ keys: [], multipart: 0 });
      await vi.waitUntil(async () => (await sweep(), (await leftOf(orphan)).multipart === 0), { timeout: 5_000, interval: 100 });
    } finally {
      await short.close();
    }
  });

  it('answers 503 storage_unavailable while the bucket cannot be reached, never that the upload does not exist', async () => {
    const id = await create(1000);
    expect((await patch(id, 0, new Uint8Array(100))).status).toBe(204);
    await s3.pause();
    try {
      // A 404 would make a tus client forget the upload and start again from 0; a 503 is retried.
      const res = await patch(id, 100, new Uint8Array(100));
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'storage_unavailable' });
      expect((await tus(`/v1/uploads/${id}`, 'HEAD')).status).toBe(503);
    } finally {
      await s3.resume();
    }
    expect((await tus(`/v1/uploads/${id}`, 'HEAD')).headers.get('upload-offset')).toBe('100');
  });
});
