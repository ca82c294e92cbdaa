import { describe, expect, it } from 'vitest';
import { R2IdempotencyRecords } from '../../src/adapters/r2-idempotency.js';
import { PART_SIZE, R2Store } from '../../src/adapters/r2-store.js';
import { newMediaId } from '../../src/core/keys.js';
import { describeStoreContract, streamOf } from '../contract/store-contract.js';
import { callWorker, listBucket, local, workerEnv } from './support.js';

const BASE = 'https://media.test';

describeStoreContract('R2Store on the local R2 binding, served by the worker', async () => {
  const store = new R2Store({ bucket: local.MEDIA_BUCKET, appBaseUrl: BASE });
  // Its URLs point at the worker itself: an anonymous GET goes through the worker's whole fetch handler.
  const env = workerEnv({ API_KEYS: 'contract-key' });
  return { store, listKeys: () => listBucket(), cleanup: async () => undefined, fetch: (url) => callWorker(env, url) };
});

describe('R2Store, R2 specifics', () => {
  const bytes = (n: number) => new Uint8Array(n).map((_, i) => (i * 31) % 251);

  it('is served by the worker at /media/<key> without a public base URL, and by R2 itself with one', async () => {
    const served = new R2Store({ bucket: local.MEDIA_BUCKET, appBaseUrl: `${BASE}/` });
    expect(served.servedByApp).toBe(true);
    expect(await served.publicUrl('abc.jpg')).toEqual({ url: `${BASE}/media/abc.jpg`, expiresAt: null });
    const pub = new R2Store({ bucket: local.MEDIA_BUCKET, appBaseUrl: BASE, publicBaseUrl: 'https://pub-123.r2.dev/' });
    expect(pub.servedByApp).toBe(false);
    expect(await pub.publicUrl('abc.jpg')).toEqual({ url: 'https://pub-123.r2.dev/abc.jpg', expiresAt: null });
  });

  it('stores the HTTP metadata R2 serves on a public domain: type, inline filename, long caching', async () => {
    const store = new R2Store({ bucket: local.MEDIA_BUCKET, appBaseUrl: BASE });
    const key = `${newMediaId()}.pdf`;
    await store.put(key, streamOf(bytes(10_000), 3_000), { contentType: 'application/pdf', filename: 'brochure.pdf' });
    const head = await local.MEDIA_BUCKET.head(key);
    expect(head!.httpMetadata).toMatchObject({
      contentType: 'application/pdf',
      contentDisposition: 'inline; filename="brochure.pdf"',
      cacheControl: 'public, max-age=31536000, immutable',
    });
  });

  it('writes a stream of unknown length in equal 5 MiB parts, ending exactly on a part boundary too', async () => {
    const store = new R2Store({ bucket: local.MEDIA_BUCKET, appBaseUrl: BASE });
    for (const size of [PART_SIZE, 2 * PART_SIZE, 2 * PART_SIZE + 1]) {
      const key = `${newMediaId()}.mp4`;
      const data = bytes(size);
      await store.put(key, streamOf(data, 1_000_003), { contentType: 'video/mp4' });
      const got = await store.get(key);
      const back = new Uint8Array(await new Response(got!.body).arrayBuffer());
      expect(back.length).toBe(size);
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    }
  });
});

describe('R2IdempotencyRecords: claims are conditional writes in the bucket', () => {
  it('lets exactly one of many racing claims win, then replays the finished record', async () => {
    const records = new R2IdempotencyRecords(local.MEDIA_BUCKET);
    const key = newMediaId();
    const claims = await Promise.all(Array.from({ length: 5 }, () => records.claim(key, { state: 'in_flight', created_at: Date.now() })));
    expect(claims.filter((c) => c === null)).toHaveLength(1);
    expect(claims.filter((c) => c?.state === 'in_flight')).toHaveLength(4);
    await records.finish(key, { state: 'done', created_at: Date.now(), status: 200, body: '{"ok":true}' });
    expect(await records.claim(key, { state: 'in_flight', created_at: Date.now() })).toMatchObject({ state: 'done', body: '{"ok":true}' });
    await records.release(key);
    expect(await records.claim(key, { state: 'in_flight', created_at: Date.now() })).toBeNull();
  });

  it('treats a record older than 24 hours as gone', async () => {
    const records = new R2IdempotencyRecords(local.MEDIA_BUCKET);
    const key = newMediaId();
    await records.finish(key, { state: 'done', created_at: Date.now() - 25 * 3600_000, status: 200 });
    expect(await records.claim(key, { state: 'in_flight', created_at: Date.now() })).toBeNull();
  });
});
