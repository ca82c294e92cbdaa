import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3Store } from '../../src/adapters/s3-store.js';
import { MediaStatusResponseSchema } from '../../src/http/schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { directClient, sha256Hex } from '../support/direct-upload.js';
import * as av from '../support/av-fixtures.js';
import * as fx from '../support/fixtures.js';
import { expectMedia } from '../support/http.js';
import { clientFor } from '../support/setup-bucket.js';
import { listBucket, startS3Server, type S3TestServer } from '../support/s3-server.js';
import { settledUpload, tusUpload } from '../support/tus.js';

/**
 * A staged upload kept byte for byte (a PDF here) becomes its media by a copy inside the bucket (CopyObject), not
 * by sending its bytes to the bucket a second time; the copy is of the bytes that were checked, or there is none.
 * The store's copy and put are watched (not replaced) to see which one wrote the media.
 */
let s3: S3TestServer;
let t: TestApp;
const writes = { put: [] as string[], copy: [] as Array<{ from: string; key: string }> };

beforeAll(async () => {
  s3 = await startS3Server();
  t = await startTestApp({ ...s3.serviceEnv(), MEDIA_URL_TTL_SECONDS: '86400' });
});
afterAll(async () => {
  await t?.close();
  await s3?.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
  writes.put.length = 0;
  writes.copy.length = 0;
});

/** Records every put and copy of the S3 store, then lets `before` run ahead of a copy (a client racing it). */
function watchWrites(before?: () => Promise<void>) {
  const { put, copy } = S3Store.prototype;
  vi.spyOn(S3Store.prototype, 'put').mockImplementation(function (this: S3Store, key, ...rest) {
    writes.put.push(key);
    return put.call(this, key, ...rest);
  });
  vi.spyOn(S3Store.prototype, 'copy').mockImplementation(async function (this: S3Store, from, key, options) {
    writes.copy.push({ from, key });
    await before?.();
    return copy.call(this, from, key, options);
  });
}

describe('staged uploads kept as sent, on S3', () => {
  it('a direct upload becomes its media by a copy in the bucket: no second PUT of its bytes', async () => {
    watchWrites();
    const bytes = fx.pdf(200_000);
    const client = directClient(t.baseUrl);
    const ticket = await client.ticket('menu.pdf', bytes.length);
    expect((await client.put(ticket, bytes)).status).toBe(200);
    const media = await expectMedia(await client.complete(ticket.upload_id), 201);
    expect(writes.copy).toEqual([{ from: `uploads/direct/${ticket.upload_id}.bin`, key: media.id }]);
    expect(writes.put.filter((key) => key === media.id)).toEqual([]);
    const served = await fetch(media.url);
    expect(served.headers.get('content-type')).toBe('application/pdf');
    expect(sha256Hex(new Uint8Array(await served.arrayBuffer()))).toBe(sha256Hex(bytes));
    expect(media.sha256).toBe(sha256Hex(bytes));
  });

  it('a direct upload replaced after it was checked: the copy is refused and the checked bytes are written instead', async () => {
    const bytes = fx.pdf(200_000);
    const client = directClient(t.baseUrl);
    const ticket = await client.ticket('menu.pdf', bytes.length);
    expect((await client.put(ticket, bytes)).status).toBe(200);
    // The ticket's URL still works: the client sends other bytes of the same length while complete is running.
    const other = Buffer.from(fx.html().toString().padEnd(bytes.length, ' '));
    watchWrites(async () => void expect((await client.put(ticket, other)).status).toBe(200));
    const media = await expectMedia(await client.complete(ticket.upload_id), 201);
    expect(writes.copy).toHaveLength(1);
    expect(writes.put.filter((key) => key === media.id)).toEqual([media.id]);
    expect(sha256Hex(new Uint8Array(await (await fetch(media.url)).arrayBuffer()))).toBe(sha256Hex(bytes));
    expect(t.logs.join('\n')).not.toContain('"level":"error"');
  });

  it('a tus upload becomes its media by a copy from its staged object, which is then removed', async () => {
    watchWrites();
    const bytes = fx.pdf(4_500_000);
    const up = await tusUpload(`${t.baseUrl}/v1/uploads`, bytes, { chunkSize: 1024 * 1024, metadata: { filename: 'menu.pdf' } });
    const body = MediaStatusResponseSchema.parse(await (await settledUpload(t.baseUrl, up.id)).json());
    if (body.status !== 'ready') throw new Error(`still ${body.status}`);
    expect(writes.copy).toEqual([{ from: `uploads/tus/${up.id}`, key: `${up.id}.pdf` }]);
    expect(writes.put.filter((key) => key === `${up.id}.pdf`)).toEqual([]);
    expect(body.media).toMatchObject({ id: `${up.id}.pdf`, kind: 'document', size: bytes.length, sha256: sha256Hex(bytes) });
    expect(sha256Hex(new Uint8Array(await (await fetch(body.media.url)).arrayBuffer()))).toBe(sha256Hex(bytes));
    expect((await listBucket(s3.dir, s3.bucket)).keys.filter((k) => k.includes(up.id)).sort()).toEqual([`${up.id}.pdf`, `status/${up.id}.json`].sort());
  });

  it('a video ffprobe passes as sent (optimize=off, not told from its headers in-process) is copied from staging too', async () => {
    watchWrites();
    const bytes = await av.bigMp4(); // H.264 High, index last: the in-process reader leaves it to ffprobe
    const up = await tusUpload(`${t.baseUrl}/v1/uploads`, bytes, { metadata: { filename: 'clip.mp4', optimize: 'off' } });
    const body = MediaStatusResponseSchema.parse(await (await settledUpload(t.baseUrl, up.id)).json());
    if (body.status !== 'ready') throw new Error(`still ${body.status}`);
    expect(body.media).toMatchObject({ id: `${up.id}.mp4`, transformations: [], size: bytes.length, sha256: sha256Hex(bytes) });
    expect(writes.copy).toEqual([{ from: `uploads/tus/${up.id}`, key: `${up.id}.mp4` }]);
    expect(writes.put.filter((key) => key === `${up.id}.mp4`)).toEqual([]);
  });

  it('a tus upload whose staged object is written again after it was read: the copy is refused and the checked bytes are written', async () => {
    const bytes = fx.pdf(300_000);
    const bucket = clientFor(s3.endpoint, s3.credentials);
    // Someone with the bucket's keys replaces the staged object while the service is checking it.
    const other = Buffer.from(fx.html().toString().padEnd(bytes.length, ' '));
    watchWrites(async () => void (await bucket.send(new PutObjectCommand({ Bucket: s3.bucket, Key: writes.copy.at(-1)!.from, Body: other }))));
    try {
      const up = await tusUpload(`${t.baseUrl}/v1/uploads`, bytes, { metadata: { filename: 'menu.pdf' } });
      const body = MediaStatusResponseSchema.parse(await (await settledUpload(t.baseUrl, up.id)).json());
      if (body.status !== 'ready') throw new Error(`still ${body.status}`);
      expect(writes.copy).toEqual([{ from: `uploads/tus/${up.id}`, key: `${up.id}.pdf` }]);
      expect(writes.put.filter((key) => key === `${up.id}.pdf`)).toEqual([`${up.id}.pdf`]);
      expect(sha256Hex(new Uint8Array(await (await fetch(body.media.url)).arrayBuffer()))).toBe(sha256Hex(bytes));
    } finally {
      bucket.destroy();
    }
  });
});
