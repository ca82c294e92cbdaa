import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, S3Store, type S3StoreOptions } from '../../src/adapters/s3-store.js';
import { newMediaId } from '../../src/core/keys.js';
import { describeStoreContract, fileOf, readAll } from '../contract/store-contract.js';
import { listBucket, startS3Server, type S3TestServer } from '../support/s3-server.js';

function clientFor(server: S3TestServer): S3Client {
  return createS3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: server.credentials });
}

/** Objects plus any pending multipart upload (there must be none), each named after its key (see StoreHarness.listKeys). */
async function listAll(server: S3TestServer): Promise<string[]> {
  const { keys, uploads } = await listBucket(server.dir, server.bucket);
  return [...keys, ...uploads.map((u) => `${u.key} (pending multipart upload ${u.uploadId})`)];
}

/** The code and message of an S3 error reply. */
function s3Error(xml: string): { code: string | undefined; message: string | undefined } {
  return { code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] };
}
const SIGNATURE_MISMATCH = {
  code: 'SignatureDoesNotMatch',
  message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
};
const EXPIRED = { code: 'AccessDenied', message: 'Request has expired' }; // the signature itself was fine

/** As on Node (node-deps): chunks sent as a stream. */
const streamChunks = (chunks: readonly Uint8Array[]) => Readable.from(chunks);

describeStoreContract('S3Store on s3rver, chunks streamed (Node)', async () => {
  const server = await startS3Server();
  const store = new S3Store({ client: clientFor(server), bucket: server.bucket, urlTtlSeconds: 900, streamChunks });
  return { store, listKeys: () => listAll(server), cleanup: () => server.stop() };
});

describeStoreContract('S3Store on s3rver, chunks joined (Workers)', async () => {
  const server = await startS3Server('media-joined');
  const store = new S3Store({ client: clientFor(server), bucket: server.bucket, urlTtlSeconds: 900 });
  return { store, listKeys: () => listAll(server), cleanup: () => server.stop() };
});

/**
 * A loopback proxy in front of the emulator that answers the first `failures` PUTs itself with `status` (after
 * reading their bodies, as S3 does; status 0: it drops the connection instead), passes everything else through,
 * and keeps the headers of every PUT it sees.
 */
async function failingFirstPuts(server: S3TestServer, failures: number, status: number) {
  const target = new URL(server.endpoint);
  let failed = 0;
  const puts: number[] = [];
  const putHeaders: http.IncomingHttpHeaders[] = [];
  const proxy = http.createServer((req, res) => {
    if (req.method === 'PUT') putHeaders.push(req.headers);
    if (req.method === 'PUT' && failed < failures) {
      failed++;
      if (status === 0) {
        puts.push(0);
        req.socket.destroy();
        return;
      }
      req.resume();
      req.on('end', () => {
        puts.push(status);
        res.writeHead(status, { 'content-type': 'application/xml' }).end(`<Error><Code>${status === 503 ? 'SlowDown' : 'AccessDenied'}</Code><Message>injected</Message></Error>`);
      });
      return;
    }
    if (req.method === 'PUT') puts.push(200);
    const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const client = createS3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: server.credentials });
  return { client, puts, putHeaders, close: () => new Promise<void>((resolve) => proxy.close(() => resolve())) };
}

/** Runs `test` with a client that goes through failingFirstPuts, closing the proxy afterwards. */
async function throughProxy(server: S3TestServer, failures: number, status: number, test: (proxy: Awaited<ReturnType<typeof failingFirstPuts>>) => Promise<void>) {
  const proxy = await failingFirstPuts(server, failures, status);
  try {
    await test(proxy);
  } finally {
    await proxy.close();
  }
}

describe('S3Store, S3 specifics', () => {
  let server: S3TestServer;
  let client: S3Client;
  const make = (extra: Partial<S3StoreOptions> = {}) =>
    new S3Store({ client, bucket: server.bucket, urlTtlSeconds: 900, ...extra });

  beforeAll(async () => {
    server = await startS3Server('media-specifics');
    client = clientFor(server);
  });
  afterAll(() => server?.stop());

  const putSample = async (store: S3Store, ext = 'jpg') => {
    const key = newMediaId(ext);
    const data = randomBytes(2048);
    await store.put(key, await fileOf(data), { contentType: 'image/jpeg', filename: 'photo.jpg' });
    return { key, data };
  };

  it('a presigned URL serves the bytes anonymously, inline, with the stored headers', async () => {
    const store = make();
    const { key, data } = await putSample(store);
    const { url } = await store.publicUrl(key);
    expect(new URL(url).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="photo.jpg"');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
  });

  it('copy() writes the key from another object in the bucket, with the headers and metadata it is given', async () => {
    const store = make();
    const { key: from, data } = await putSample(store, 'pdf');
    const key = newMediaId('pdf');
    await store.copy(from, key, { contentType: 'application/pdf', filename: 'menu.pdf', metadata: { sha256: 'ab' } });
    const copied = await store.get(key);
    expect(copied).toMatchObject({ size: data.length, contentType: 'application/pdf', filename: 'menu.pdf', metadata: { sha256: 'ab' } });
    expect((await readAll(copied!.body)).equals(data)).toBe(true);
    const res = await fetch((await store.publicUrl(key)).url);
    expect(res.headers.get('content-disposition')).toBe('inline; filename="menu.pdf"');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('copy() with ifMatch copies only while the source still has that ETag', async () => {
    const store = make();
    const { key: from } = await putSample(store, 'pdf');
    const etag = (await store.head(from))!.etag;
    const stale = newMediaId('pdf');
    const replacement = randomBytes(2048);
    await store.put(from, await fileOf(replacement), { contentType: 'application/octet-stream' }); // replaced after it was read
    await expect(store.copy(from, stale, { contentType: 'application/pdf', ifMatch: etag })).rejects.toThrow();
    expect(await store.head(stale)).toBeNull();
    const fresh = newMediaId('pdf');
    await store.copy(from, fresh, { contentType: 'application/pdf', ifMatch: (await store.head(from))!.etag });
    expect((await readAll((await store.get(fresh))!.body)).equals(replacement)).toBe(true);
  });

  it('copy() over an object gives the key its source\'s ETag, which a copy of it on that condition then matches', async () => {
    const store = make();
    const { key: from } = await putSample(store, 'pdf');
    const { key: onto } = await putSample(store, 'pdf');
    const before = (await store.head(onto))!.etag;
    await store.copy(from, onto, { contentType: 'application/pdf' });
    const after = (await store.head(onto))!.etag;
    expect(after).toBe((await store.head(from))!.etag);
    expect(after).not.toBe(before);
    await expect(store.copy(onto, newMediaId('pdf'), { contentType: 'application/pdf', ifMatch: after })).resolves.toBeUndefined();
  });

  it('expiresAt is the signing time plus the TTL, and the URL says the same', async () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const store = make({ now: () => now, urlTtlSeconds: 600 });
    const { url, expiresAt } = await store.publicUrl(newMediaId('jpg'));
    expect(expiresAt!.getTime()).toBe(now.getTime() + 600_000);
    const q = new URL(url).searchParams;
    expect(q.get('X-Amz-Expires')).toBe('600');
    expect(q.get('X-Amz-Date')).toBe(now.toISOString().replace(/[-:]|\.\d{3}/g, ''));
  });

  it('reports when temporary credentials end, if that is before the TTL: the URL dies with them', async () => {
    const expiration = new Date(Date.now() + 3_600_000);
    const temporary = createS3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { ...server.credentials, sessionToken: 'session', expiration },
    });
    const store = new S3Store({ client: temporary, bucket: server.bucket, urlTtlSeconds: 604_800 });
    const { url, expiresAt } = await store.publicUrl(newMediaId('jpg'));
    expect(expiresAt!.getTime()).toBe(expiration.getTime());
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe('session');
  });

  it('refuses a presigned URL whose signature was tampered with', async () => {
    const store = make();
    const { key } = await putSample(store);
    const url = new URL((await store.publicUrl(key)).url);
    const sig = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(s3Error(await res.text())).toEqual(SIGNATURE_MISMATCH);
  });

  it('refuses a presigned URL pointed at another (existing) key', async () => {
    const store = make();
    const a = await putSample(store);
    const b = await putSample(store);
    const url = (await store.publicUrl(a.key)).url.replace(a.key, b.key);
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(s3Error(await res.text())).toEqual(SIGNATURE_MISMATCH);
  });

  it('refuses an expired presigned URL', async () => {
    // Signed an hour ago for one minute: no waiting, and the emulator must compare against its own clock.
    const anHourAgo = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000);
    const store = make({ now: () => anHourAgo, urlTtlSeconds: 60 });
    const { key } = await putSample(store);
    const { url, expiresAt } = await store.publicUrl(key);
    expect(expiresAt).toEqual(new Date(anHourAgo.getTime() + 60_000));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(s3Error(await res.text())).toEqual(EXPIRED);
  });

  it('refuses a presigned URL once its TTL has run out (signed now, waited out)', async () => {
    const { key } = await putSample(make());
    // X-Amz-Date has whole seconds: sign at a whole second, so the URL surely lives 2 s, at least 1 s from now
    // (a 1 s lifetime could already be over when a loaded machine makes the first fetch).
    const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000);
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: server.bucket, Key: key }), { expiresIn: 2, signingDate });
    expect((await fetch(url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, signingDate.getTime() + 2_100 - Date.now()));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(s3Error(await res.text())).toEqual(EXPIRED);
  });

  it('with publicBaseUrl, the URL is base + key and never expires', async () => {
    const store = make({ publicBaseUrl: 'https://media.example.com/mms/' });
    expect(await store.publicUrl('abc.jpg')).toEqual({ url: 'https://media.example.com/mms/abc.jpg', expiresAt: null });
  });

  it.each([
    ['joined', undefined],
    ['streamed', streamChunks],
  ] as const)('a file (%s) is one plain PutObject whose payload hash is its own SHA-256: no second hash, no aws-chunked framing', async (_, chunks) => {
    await throughProxy(server, 0, 200, async (proxy) => {
      const store = new S3Store({ client: proxy.client, bucket: server.bucket, urlTtlSeconds: 900, streamChunks: chunks });
      const key = newMediaId('mp4');
      const data = randomBytes(2_000_000);
      const file = await fileOf(data, 256 * 1024);
      await store.put(key, file, { contentType: 'video/mp4' });
      expect(proxy.putHeaders).toHaveLength(1);
      const sent = proxy.putHeaders[0]!;
      expect(sent['x-amz-content-sha256']).toBe(file.sha256); // S3 checks the body against it (the emulator does not)
      expect(sent['content-length']).toBe(String(data.length));
      expect(sent['content-encoding']).toBeUndefined();
      expect(Object.keys(sent).filter((h) => h.startsWith('x-amz-checksum') || h === 'x-amz-trailer')).toEqual([]);
      expect((await readAll((await make().get(key))!.body)).equals(data)).toBe(true);
    });
  });

  it('computes checksums only where S3 requires them, on AWS itself too (no endpoint set)', async () => {
    const aws = createS3Client({ region: 'us-east-1', credentials: server.credentials });
    expect(await aws.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    aws.destroy();
  });

  it.each([
    ['answers with a server error (503)', 503],
    ['drops its connection', 0],
  ] as const)('a streamed write whose store %s is tried once more, with a fresh stream, and lands whole', async (_, status) => {
    await throughProxy(server, 1, status, async (proxy) => {
      const store = new S3Store({ client: proxy.client, bucket: server.bucket, urlTtlSeconds: 900, streamChunks });
      const key = newMediaId('mp4');
      const data = randomBytes(300_000);
      await store.put(key, await fileOf(data, 64 * 1024), { contentType: 'video/mp4' });
      expect(proxy.puts).toEqual([status, 200]);
      expect((await readAll((await make().get(key))!.body)).equals(data)).toBe(true);
    });
  });

  it.each([
    ['answers with a server error (503)', 503],
    ['drops its connection', 0],
  ] as const)('a joined write (Workers) whose store %s is tried once more, by the client itself, and lands whole', async (_, status) => {
    await throughProxy(server, 1, status, async (proxy) => {
      const store = new S3Store({ client: proxy.client, bucket: server.bucket, urlTtlSeconds: 900 });
      const key = newMediaId('mp4');
      const data = randomBytes(300_000);
      await store.put(key, await fileOf(data, 64 * 1024), { contentType: 'video/mp4' });
      expect(proxy.puts).toEqual([status, 200]);
      expect((await readAll((await make().get(key))!.body)).equals(data)).toBe(true);
    });
  });

  it('a write refused outright (403) is not tried again', async () => {
    await throughProxy(server, 1, 403, async (proxy) => {
      const store = new S3Store({ client: proxy.client, bucket: server.bucket, urlTtlSeconds: 900, streamChunks });
      const key = newMediaId('pdf');
      await expect(store.put(key, await fileOf(randomBytes(1000)), { contentType: 'application/pdf' })).rejects.toMatchObject({ name: 'AccessDenied' });
      expect(proxy.puts).toEqual([403]);
      expect(await make().head(key)).toBeNull();
    });
  });

  it('check() rejects for a bucket that does not exist', async () => {
    await expect(make({ bucket: 'no-such-bucket' }).check()).rejects.toMatchObject({
      name: 'NoSuchBucket',
      message: 'The specified bucket does not exist',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('check() rejects once the server is down, after the client’s two attempts, naming the refused connection', async () => {
    const down = await startS3Server('media-down');
    const store = new S3Store({ client: clientFor(down), bucket: down.bucket, urlTtlSeconds: 60 });
    await store.check();
    await down.stop();
    const port = new URL(down.endpoint).port;
    await expect(store.check()).rejects.toMatchObject({ code: 'ECONNREFUSED', message: `connect ECONNREFUSED 127.0.0.1:${port}`, $metadata: { attempts: 2 } });
  });
});
