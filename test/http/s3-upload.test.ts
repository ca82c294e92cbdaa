import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { NoAvProcessing } from '../../src/adapters/no-av.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import { expectError, expectMedia, form, lazyBody } from '../support/http.js';
import { listBucket, startS3Server, type S3TestServer } from '../support/s3-server.js';

/** The whole service with STORAGE_DRIVER=s3 against a real S3-protocol server on loopback. */
let s3: S3TestServer;
let teli: FakeTeli;
let t: TestApp;
beforeAll(async () => {
  s3 = await startS3Server();
  teli = await startFakeTeli();
  // Credentials come from the standard AWS variables, as in production.
  t = await startTestApp({
    ...s3.serviceEnv(),
    MEDIA_URL_TTL_SECONDS: '86400',
    TELI_API_BASE_URL: teli.baseUrl,
    TELI_API_KEY: teli.apiKey,
  }, { av: new NoAvProcessing({ budgetBytes: 600_000, where: 'node' }) }); // these files only look like MP4: stored as sent, not probed
});
afterAll(async () => {
  await t.close();
  await teli.close();
  await s3.stop();
});

describe('with S3 storage', () => {
  it('hosts an upload behind a presigned URL valid 24 h that an anonymous GET returns byte-identical', async () => {
    const bytes = fx.mp4(200_000);
    const before = Date.now();
    const media = await expectMedia(await t.app.request('/v1/media', { method: 'POST', body: form({}, [{ filename: 'clip.mp4', bytes }]) }));
    expect(media.id.endsWith('.mp4')).toBe(true);
    expect(media.url.startsWith(`${s3.endpoint}/${s3.bucket}/${media.id}?`)).toBe(true);
    // expires_at is the signature's own expiry: signed now (X-Amz-Date, whole seconds) for 86 400 s.
    const signed = new URL(media.url).searchParams;
    expect(signed.get('X-Amz-Expires')).toBe('86400');
    const signedAt = Date.parse(signed.get('X-Amz-Date')!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(signedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(signedAt).toBeLessThanOrEqual(Date.now());
    expect(media.expires_at).toBe(new Date(signedAt + 86_400_000).toISOString());

    const res = await fetch(media.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="clip.mp4"');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);

    const again = await expectMedia(await t.app.request(`/v1/media/${media.id}`), 200);
    expect({ ...again, url: '', expires_at: '' }).toEqual({ ...media, url: '', expires_at: '' });
    expect((await t.app.request(`/v1/media/${media.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(media.url)).status).toBe(404);
  });

  it('keeps the record with the file: one object per upload, and S3 serves the record as x-amz-meta-media', async () => {
    const before = (await listBucket(s3.dir, s3.bucket)).keys;
    const media = await expectMedia(await t.app.request('/v1/media', { method: 'POST', body: form({}, [{ filename: 'notes.pdf', bytes: fx.pdf(3000) }]) }));
    expect((await listBucket(s3.dir, s3.bucket)).keys.filter((k) => !before.includes(k))).toEqual([media.id]);
    const record = (await fetch(media.url)).headers.get('x-amz-meta-media');
    expect(JSON.parse(Buffer.from(record!, 'base64url').toString())).toEqual({ sha256: media.sha256, transformations: [], original: media.original });
  });

  it('answers 404 for an object at a media key that this service did not write (no record)', async () => {
    const foreign = await t.app.request('/v1/media', { method: 'POST', body: fx.pdf(1000) });
    const { id } = await expectMedia(foreign);
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: id, Body: fx.pdf(1000), ContentType: 'application/pdf' })); // overwritten, no metadata
    client.destroy();
    expect(await expectError(await t.app.request(`/v1/media/${id}`), 404, 'media_not_found')).toBe(`No media with id "${id}" exists (it may have been deleted).`);
  });

  it('leaves nothing in the bucket after a refused oversize stream', async () => {
    const before = await listBucket(s3.dir, s3.bucket);
    const { stream } = lazyBody(12_000_000, 256 * 1024, fx.mp4(4096));
    const res = await t.app.request('/v1/media', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(await expectError(res, 413, 'file_too_large')).toBe('The file is larger than 10 MB, the limit for mp4 files.');
    expect(await listBucket(s3.dir, s3.bucket)).toEqual(before);
  });

  it('sends a file whose S3 URL the endpoint downloads anonymously', async () => {
    const bytes = fx.pdf(20_000);
    const res = await t.app.request('/v1/mms/send', {
      method: 'POST',
      body: form({ campaign_id: 'c1', phone_number: '+15551234567' }, [{ filename: 'brochure.pdf', bytes }]),
    });
    expect(res.status).toBe(200);
    const { media } = await res.json();
    expect(teli.calls.at(-1)!.body).toEqual({ campaign_id: 'c1', phone_number: '+15551234567', media_url: media.url });
    expect(teli.calls.at(-1)!.download).toEqual({ status: 200, contentType: 'application/pdf', bytes });
  });

  it('stores uploads made at the same time over real sockets intact, in two waves that reuse the first one\'s memory', async () => {
    const files = Array.from({ length: 12 }, (_, i) => {
      const bytes = fx.mp4(100_000 + i * 150_000);
      randomBytes(bytes.length - fx.ISO_MEDIA_DATA_AT).copy(bytes, fx.ISO_MEDIA_DATA_AT);
      return bytes;
    });
    for (let wave = 0; wave < 2; wave++) {
      const hosted = await Promise.all(
        files.map(async (bytes) => expectMedia(await fetch(`${t.baseUrl}/v1/media?optimize=off`, { method: 'POST', body: form({}, [{ filename: 'clip.mp4', bytes }]) }))),
      );
      for (const [i, media] of hosted.entries()) {
        expect(media.size).toBe(files[i]!.length);
        expect(Buffer.from(await (await fetch(media.url)).arrayBuffer()).equals(files[i]!)).toBe(true);
      }
    }
  });

  it('reports ready while the bucket answers', async () => {
    expect((await t.app.request('/readyz')).status).toBe(200);
  });
});
