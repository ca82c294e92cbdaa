import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import { expectError, filesIn, form } from '../support/http.js';
import { listBucket, startS3Server, type S3TestServer } from '../support/s3-server.js';
import { S3IdempotencyRecords } from '../../src/adapters/s3-idempotency.js';
import { createS3Client } from '../../src/adapters/s3-store.js';
import { WorkerImages, type ImagesBindingLike } from '../../src/adapters/cf-images.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const fields = { campaign_id: 'c1', phone_number: '+15551234567', message: 'hi' };
const IN_FLIGHT = 'A request with this Idempotency-Key is still being processed; wait for its reply.';
/** What the send endpoint was asked, call by call. */
const sentBodies = () => teli.calls.map((c) => c.body);
let teli: FakeTeli;
beforeAll(async () => {
  teli = await startFakeTeli();
});
afterAll(() => teli.close());
afterEach(() => {
  teli.calls.length = 0;
  teli.mode = { kind: 'ok' };
});

const post = (t: TestApp, path: string, body: FormData | object, key: string) =>
  fetch(`${t.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'idempotency-key': key, ...(body instanceof FormData ? {} : { 'content-type': 'application/json' }) },
    body: body instanceof FormData ? body : JSON.stringify(body),
  });

describe('Idempotency-Key, one instance (records in memory)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp((baseUrl) => ({ TELI_API_BASE_URL: teli.baseUrl, TELI_API_KEY: teli.apiKey, FETCH_ALLOW_PRIVATE_HOSTS: new URL(baseUrl).host }));
  });
  afterAll(() => t.close());

  it('replays a repeated multipart send without sending or storing again, whatever boundary the client picks', async () => {
    const bytes = fx.pdf(3000);
    const first = await post(t, '/v1/mms/send', form(fields, [{ filename: 'a.pdf', bytes }]), 'send-1');
    const firstBody = await first.json();
    expect(first.status).toBe(200);
    const stored = await filesIn(t.dir);

    const again = await post(t, '/v1/mms/send', form(fields, [{ filename: 'a.pdf', bytes }]), 'send-1');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(firstBody);
    expect(sentBodies()).toEqual([{ ...fields, media_url: firstBody.media.url }]);
    expect(await filesIn(t.dir)).toEqual(stored);
  });

  it('refuses the same key with a different request (422), and sends nothing for it', async () => {
    const url = (await (await post(t, '/v1/media', form({}, [{ filename: 'a.pdf', bytes: fx.pdf() }]), 'up-1')).json()).media.url;
    expect((await post(t, '/v1/mms/send', { ...fields, media_url: url }, 'send-2')).status).toBe(200);
    const other = await post(t, '/v1/mms/send', { ...fields, media_url: url, message: 'changed' }, 'send-2');
    expect(await expectError(other, 422, 'idempotency_key_reused')).toBe('This Idempotency-Key was used for a different request; use a new key for a new request.');
    expect(sentBodies()).toEqual([{ ...fields, media_url: url }]);
  });

  it('answers 409 to a repeat while the first is in flight: exactly one upstream call', async () => {
    teli.mode = { kind: 'ok', delayMs: 400 };
    const body = () => form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]);
    const [a, b] = await Promise.all([post(t, '/v1/mms/send', body(), 'send-3'), post(t, '/v1/mms/send', body(), 'send-3')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const [conflict, sent] = a.status === 409 ? [a, b] : [b, a];
    expect(conflict.headers.get('retry-after')).toBe('1');
    expect(await expectError(conflict, 409, 'idempotency_in_flight')).toBe(IN_FLIGHT);
    expect(sentBodies()).toEqual([{ ...fields, media_url: (await sent.json()).media.url }]);
  });

  it('lets a request that changed nothing (4xx) be retried with the same key', async () => {
    const bad = await post(t, '/v1/mms/send', form({ ...fields, phone_number: 'nope' }, [{ filename: 'a.pdf', bytes: fx.pdf() }]), 'send-4');
    await expectError(bad, 400, 'invalid_phone_number');
    const good = await post(t, '/v1/mms/send', form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]), 'send-4');
    expect(good.status).toBe(200);
    expect(good.headers.get('idempotent-replayed')).toBeNull();
    expect(sentBodies()).toEqual([{ ...fields, media_url: (await good.json()).media.url }]);
  });

  it('keeps a 502 (the send may have reached the customer) and replays it', async () => {
    teli.mode = { kind: 'status', status: 500, body: 'down' };
    const body = () => form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]);
    const first = await post(t, '/v1/mms/send', body(), 'send-5');
    expect(first.status).toBe(502);
    const firstBody = await first.json();
    teli.mode = { kind: 'ok' };
    const again = await post(t, '/v1/mms/send', body(), 'send-5');
    expect(again.status).toBe(502);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(firstBody);
    expect(sentBodies()).toEqual([{ ...fields, media_url: firstBody.media.url }]);
  });

  it('refuses a key that is not one', async () => {
    const stored = await filesIn(t.dir);
    const res = await post(t, '/v1/media', form({}, [{ filename: 'a.pdf', bytes: fx.pdf() }]), ' '.repeat(3));
    expect(await expectError(res, 400, 'invalid_idempotency_key')).toBe('Idempotency-Key must be 1–255 visible ASCII characters.');
    expect(await filesIn(t.dir)).toEqual(stored);
  });
});

describe('Idempotency-Key and a 502 that is not the send endpoint\'s', () => {
  // The Workers image processor, its Cloudflare Images binding failing as the service does at times (502
  // image_service_error: 'nothing was stored. Try again.'); the binding is a stand-in, as in cf-images.test.ts.
  const failing: ImagesBindingLike = {
    info: async () => ({ format: 'image/heic', width: 100, height: 100 }),
    input: () => ({
      transform() {
        return this;
      },
      output: async () => {
        throw new Error('IMAGES_TRANSFORM_ERROR 9523');
      },
    }),
  };
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { images: new WorkerImages({ binding: failing, targetBytes: 600_000, maxDimension: 2048, maxPixels: 50_000_000 }) });
  });
  afterAll(() => t.close());

  it('lets the request be tried again with the same key: nothing was stored or sent', async () => {
    const heic = new Uint8Array(readFileSync(new URL('../fixtures/iphone-portrait.heic', import.meta.url)));
    const body = () => form({}, [{ filename: 'photo.heic', bytes: heic }]);
    await expectError(await post(t, '/v1/media', body(), 'images-down'), 502, 'image_service_error');
    const again = await post(t, '/v1/media', body(), 'images-down');
    expect(again.headers.get('idempotent-replayed')).toBe(null);
    await expectError(again, 502, 'image_service_error');
  });
});

describe('Idempotency-Key across instances (records in the bucket, conditional writes)', () => {
  let s3: S3TestServer;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    s3 = await startS3Server();
    const env = { ...s3.serviceEnv(), TELI_API_BASE_URL: teli.baseUrl, TELI_API_KEY: teli.apiKey };
    apps.push(await startTestApp(env), await startTestApp(env));
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await s3.stop();
  });

  it('sends once when two instances get the same key at the same moment', async () => {
    teli.mode = { kind: 'ok', delayMs: 300 };
    const body = () => form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]);
    const [a, b] = await Promise.all([post(apps[0]!, '/v1/mms/send', body(), 'shared-1'), post(apps[1]!, '/v1/mms/send', body(), 'shared-1')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const [conflict, sent] = a.status === 409 ? [a, b] : [b, a];
    expect(await expectError(conflict, 409, 'idempotency_in_flight')).toBe(IN_FLIGHT);
    const sentBody = await sent.json();
    expect(sentBodies()).toEqual([{ ...fields, media_url: sentBody.media.url }]);

    const replay = await post(apps[1]!, '/v1/mms/send', body(), 'shared-1');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(sentBody);
    expect(sentBodies()).toHaveLength(1);
    // One record, named by a hash of the API key (none here) and the Idempotency-Key.
    const { keys } = await listBucket(s3.dir, s3.bucket);
    const record = `idempotency/${createHash('sha256').update('\nshared-1').digest('hex')}.json`;
    expect(keys.filter((k) => k.startsWith('idempotency/'))).toEqual([record]);
  });

  it('lets exactly one of several instances take over a record that has expired', async () => {
    const client = createS3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
    const instances = Array.from({ length: 6 }, () => new S3IdempotencyRecords(client, s3.bucket));
    for (let round = 0; round < 5; round++) {
      const key = `expired-${round}`;
      await instances[0]!.finish(key, { state: 'done', created_at: Date.now() - 25 * 3600_000, status: 200 });
      const claims = await Promise.all(instances.map((r) => r.claim(key, { state: 'in_flight', created_at: Date.now() })));
      expect(claims.filter((c) => c === null)).toHaveLength(1);
      expect(claims.filter((c) => c?.state === 'in_flight')).toHaveLength(instances.length - 1);
    }
    client.destroy();
  });

  it('does not take over a record that another instance took over after it was read', async () => {
    // Instance A reaches the bucket through a proxy that holds its reads back 300 ms: A sees the expired record
    // while instance B, meanwhile, takes the key over. A must then not remove or overwrite B's claim.
    const target = new URL(s3.endpoint);
    const proxy = http.createServer((req, res) => {
      const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => setTimeout(() => res.writeHead(r.statusCode!, r.headers).end(Buffer.concat(chunks)), req.method === 'GET' ? 300 : 0));
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const slow = createS3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, forcePathStyle: true, credentials: s3.credentials });
    const fast = createS3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
    try {
      const a = new S3IdempotencyRecords(slow, s3.bucket);
      const b = new S3IdempotencyRecords(fast, s3.bucket);
      await b.finish('taken-over', { state: 'done', created_at: Date.now() - 25 * 3600_000, status: 200 });
      const claimA = a.claim('taken-over', { state: 'in_flight', created_at: Date.now() });
      await new Promise((r) => setTimeout(r, 100)); // A's read of the expired record is on its way back
      const claimB = { state: 'in_flight' as const, created_at: Date.now() };
      expect(await b.claim('taken-over', claimB)).toBeNull();
      expect(await claimA).toEqual(claimB); // A sees B's claim: it does not do the work
    } finally {
      slow.destroy();
      fast.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('answers 503 while the bucket cannot be reached, and sends nothing: the key cannot be checked', async () => {
    await s3.pause();
    try {
      const res = await post(apps[0]!, '/v1/mms/send', { ...fields, media_url: 'https://example.com/a.jpg' }, 'bucket-down');
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await expectError(res, 503, 'storage_unavailable')).toBe(
        'Storage cannot be reached right now, so this Idempotency-Key cannot be checked; nothing was done. Try again in a few seconds.',
      );
    } finally {
      await s3.resume();
    }
    expect(sentBodies()).toEqual([]);
  });
});
