import { describe, expect, it } from 'vitest';
import { R2IdempotencyRecords, r2RecordBucket } from '../../src/adapters/r2-idempotency.js';
import { R2Store } from '../../src/adapters/r2-store.js';
import { probeConditionalWrites } from '../../src/core/conditional-writes.js';
import { newMediaId } from '../../src/core/keys.js';
import { describeStoreContract, fileOf } from '../contract/store-contract.js';
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
    const key = newMediaId('pdf');
    await store.put(key, await fileOf(bytes(10_000), 3_000), { contentType: 'application/pdf', filename: 'brochure.pdf' });
    const head = await local.MEDIA_BUCKET.head(key);
    expect(head!.httpMetadata).toMatchObject({
      contentType: 'application/pdf',
      contentDisposition: 'inline; filename="brochure.pdf"',
      cacheControl: 'public, max-age=31536000, immutable',
    });
  });

  it('has R2 check the SHA-256 it is given: bytes that do not match it are refused and nothing is stored', async () => {
    const store = new R2Store({ bucket: local.MEDIA_BUCKET, appBaseUrl: BASE });
    const key = newMediaId('mp4');
    const file = await fileOf(bytes(50_000));
    const other = await fileOf(bytes(50_001));
    await expect(store.put(key, { ...file, sha256: other.sha256 }, { contentType: 'video/mp4' })).rejects.toThrow(/SHA-256 checksum you specified did not match/);
    expect(await store.head(key)).toBeNull();
  });
});

describe('R2IdempotencyRecords: claims are conditional writes in the bucket', () => {
  it('lets exactly one of many racing claims win, then replays the finished record', async () => {
    const records = new R2IdempotencyRecords(local.MEDIA_BUCKET);
    const key = crypto.randomUUID();
    const claims = await Promise.all(Array.from({ length: 5 }, () => records.claim(key, { state: 'in_flight', created_at: Date.now() })));
    expect(claims.filter((c) => c === null)).toHaveLength(1);
    expect(claims.filter((c) => c?.state === 'in_flight')).toHaveLength(4);
    await records.finish(key, { state: 'done', created_at: Date.now(), status: 200, body: '{"ok":true}' });
    expect(await records.claim(key, { state: 'in_flight', created_at: Date.now() })).toMatchObject({ state: 'done', body: '{"ok":true}' });
    await records.release(key);
    expect(await records.claim(key, { state: 'in_flight', created_at: Date.now() })).toBeNull();
  });

  it('lets exactly one of several requests take over a record that has expired', async () => {
    const records = new R2IdempotencyRecords(local.MEDIA_BUCKET);
    for (let round = 0; round < 5; round++) {
      const key = crypto.randomUUID();
      await records.finish(key, { state: 'done', created_at: Date.now() - 25 * 3600_000, status: 200 });
      const claims = await Promise.all(Array.from({ length: 6 }, () => records.claim(key, { state: 'in_flight', created_at: Date.now() })));
      expect(claims.filter((c) => c === null)).toHaveLength(1);
      expect(claims.filter((c) => c?.state === 'in_flight')).toHaveLength(5);
    }
  });

  it('passes the probe npm run setup:bucket makes of an S3 bucket: R2 keeps both conditions, and the probe is deleted', async () => {
    const key = `_setup/probe-${crypto.randomUUID()}.txt`;
    expect(await probeConditionalWrites(r2RecordBucket(local.MEDIA_BUCKET), key)).toEqual({ honoured: true });
    expect(await listBucket('_setup/')).toEqual([]);
  });

  it('treats a record older than 24 hours as gone', async () => {
    const records = new R2IdempotencyRecords(local.MEDIA_BUCKET);
    const key = crypto.randomUUID();
    await records.finish(key, { state: 'done', created_at: Date.now() - 25 * 3600_000, status: 200 });
    expect(await records.claim(key, { state: 'in_flight', created_at: Date.now() })).toBeNull();
  });
});
