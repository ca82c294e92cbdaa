import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectError, form } from '../support/http.js';
import { listBucket, startS3Server, type S3TestServer } from '../support/s3-server.js';

/** Faults with a real S3 server: stopped and started again mid-run, and clients that vanish mid-upload. */
let s3: S3TestServer;
let t: TestApp;
beforeAll(async () => {
  s3 = await startS3Server();
  t = await startTestApp({ ...s3.serviceEnv() });
});
afterAll(async () => {
  await t.close();
  await s3.stop();
});

const NOTHING_STORED = 'Storage cannot be reached right now; nothing was stored. Try again in a few seconds.';
const json = async (res: Response) => ({ status: res.status, body: await res.json() });
const upload = () => t.app.request('/v1/media', { method: 'POST', body: form({}, [{ filename: 'a.pdf', bytes: fx.pdf(2000) }]) });
const waitUntil = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
  return check();
};

describe('storage outage', () => {
  it('answers 503 storage_unavailable while S3 is down, says so on /readyz, and recovers by itself', async () => {
    expect((await upload()).status).toBe(201);
    await s3.pause();
    try {
      const down = await upload();
      expect(down.headers.get('retry-after')).toBe('5');
      expect(await expectError(down, 503, 'storage_unavailable')).toBe(NOTHING_STORED);
      expect(await json(await t.app.request('/readyz'))).toEqual({
        status: 503,
        body: { success: false, code: 'storage_unavailable', error: 'Storage cannot be reached; uploads will fail until it is back.' },
      });
      expect(await json(await t.app.request('/healthz'))).toEqual({ status: 200, body: { status: 'ok' } });
    } finally {
      await s3.resume();
    }
    expect((await upload()).status).toBe(201);
    expect(await json(await t.app.request('/readyz'))).toEqual({ status: 200, body: { status: 'ready' } });
  });
});

describe('a resumable upload begun while S3 is down', () => {
  it('is answered 503 storage_unavailable with Retry-After, which tus clients retry after, and logged as the store failing', async () => {
    await s3.pause();
    try {
      const res = await t.app.request('/v1/uploads', { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '1000' } });
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await expectError(res, 503, 'storage_unavailable')).toBe(NOTHING_STORED);
      expect(t.logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'error').at(-1)).toMatchObject({ msg: 'storage operation failed', op: 'stage a resumable upload' });
    } finally {
      await s3.resume();
    }
    const created = await t.app.request('/v1/uploads', { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '1000' } });
    expect(created.status).toBe(201);
    // Cancelled, so that the bucket is as before for the tests below.
    expect((await t.app.request(new URL(created.headers.get('location')!).pathname, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0' } })).status).toBe(204);
  });
});

describe('a client that disconnects mid-upload', () => {
  for (const [label, size] of [
    ['small', 2_000_000],
    ['near the 10 MB limit', 9_000_000],
  ] as const) {
    it(`leaves nothing in the bucket: ${label}`, async () => {
      const before = await listBucket(s3.dir, s3.bucket);
      const file = fx.mp4(size);
      const { hostname, port } = new URL(t.baseUrl);
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(`POST /v1/media HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\nContent-Length: ${file.length}\r\n\r\n`);
          // Send most of it, then vanish: nothing may reach storage.
          socket.write(file.subarray(0, Math.floor(size * 0.8)), () => setTimeout(() => socket.destroy(), 300));
        });
        socket.on('close', () => resolve());
        socket.on('error', () => undefined);
      });
      const clean = await waitUntil(async () => {
        const now = await listBucket(s3.dir, s3.bucket);
        return now.keys.length === before.keys.length && now.uploads.length === 0;
      });
      expect(clean).toBe(true);
      expect(await listBucket(s3.dir, s3.bucket)).toEqual(before);
    });
  }
});

describe('a storage server that accepts connections and never answers', () => {
  it('is reported as 503 storage_unavailable instead of hanging the upload', async () => {
    const { createServer } = await import('node:net');
    const sockets = new Set<import('node:net').Socket>();
    const hung = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(hung.address() as import('node:net').AddressInfo).port}`;
    const app = await startTestApp({ STORAGE_DRIVER: 's3', S3_BUCKET: 'b', S3_ENDPOINT: endpoint, S3_FORCE_PATH_STYLE: 'true' });
    try {
      const res = await app.app.request('/v1/media', { method: 'POST', body: fx.pdf() });
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await expectError(res, 503, 'storage_unavailable')).toBe(NOTHING_STORED);
    } finally {
      for (const s of sockets) s.destroy();
      hung.close();
      await app.close();
    }
  });
});
