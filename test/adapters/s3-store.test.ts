import { randomBytes } from 'node:crypto';
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

/** Objects plus pending multipart uploads, each named after its key (see StoreHarness.listKeys). */
async function listAll(server: S3TestServer): Promise<string[]> {
  const { keys, uploads } = await listBucket(server.dir, server.bucket);
  return [...keys, ...uploads.map((u) => `${u.key} (pending multipart upload ${u.uploadId})`)];
}

describeStoreContract('S3Store on s3rver', async () => {
  const server = await startS3Server();
  const store = new S3Store({ client: clientFor(server), bucket: server.bucket, urlTtlSeconds: 900 });
  return { store, listKeys: () => listAll(server), cleanup: () => server.stop() };
});

describe('S3Store, S3 specifics', () => {
  let server: S3TestServer;
  let client: S3Client;
  const commands: string[] = [];
  const sentHeaders: Array<Record<string, string>> = [];
  const make = (extra: Partial<S3StoreOptions> = {}) =>
    new S3Store({ client, bucket: server.bucket, urlTtlSeconds: 900, ...extra });

  beforeAll(async () => {
    server = await startS3Server('media-specifics');
    client = clientFor(server);
    // Records which operations the SDK sends, to prove which upload path a test really took.
    client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    // And the headers of each request as signed and sent.
    client.middlewareStack.add(
      (next) => (args) => {
        sentHeaders.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'deserialize', name: 'recordHeaders' },
    );
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
    expect(url).toContain('X-Amz-Signature=');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="photo.jpg"');
    expect(res.headers.get('cache-control')).toMatch(/immutable/);
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
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
    expect(await res.text()).toContain('SignatureDoesNotMatch');
  });

  it('refuses a presigned URL pointed at another (existing) key', async () => {
    const store = make();
    const a = await putSample(store);
    const b = await putSample(store);
    const url = (await store.publicUrl(a.key)).url.replace(a.key, b.key);
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('SignatureDoesNotMatch');
  });

  it('refuses an expired presigned URL', async () => {
    // Signed an hour ago for one minute: no waiting, and the emulator must compare against its own clock.
    const store = make({ now: () => new Date(Date.now() - 3600_000), urlTtlSeconds: 60 });
    const { key } = await putSample(store);
    const { url, expiresAt } = await store.publicUrl(key);
    expect(expiresAt!.getTime()).toBeLessThan(Date.now());
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Request has expired'); // the signature itself was fine
  });

  it('refuses a presigned URL once its TTL has run out (signed now, waited out)', async () => {
    const { key } = await putSample(make());
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: server.bucket, Key: key }), { expiresIn: 1 });
    expect((await fetch(url)).status).toBe(200);
    // X-Amz-Date has whole seconds, so the URL is dead at most 1 s after signing.
    await new Promise((r) => setTimeout(r, 1100));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Request has expired');
  });

  it('with publicBaseUrl, the URL is base + key and never expires', async () => {
    const store = make({ publicBaseUrl: 'https://media.example.com/mms/' });
    expect(await store.publicUrl('abc.jpg')).toEqual({ url: 'https://media.example.com/mms/abc.jpg', expiresAt: null });
  });

  it('a file is one PutObject, signed with the SHA-256 it comes with (so storage can verify it, and the SDK need not hash it)', async () => {
    const store = make();
    const key = newMediaId('mp4');
    const data = randomBytes(9_900_000);
    const file = await fileOf(data, 256 * 1024);
    commands.length = 0;
    sentHeaders.length = 0;
    await store.put(key, file, { contentType: 'video/mp4' });
    expect(commands).toEqual(['PutObjectCommand']);
    expect(sentHeaders).toHaveLength(1);
    expect(sentHeaders[0]!['x-amz-content-sha256']).toBe(file.sha256);
    expect(sentHeaders[0]!['authorization']).toContain('x-amz-content-sha256'); // a signed header: the emulator checked it
    expect((await readAll((await store.get(key))!.body)).equals(data)).toBe(true);
  });

  it('check() rejects for a bucket that does not exist', async () => {
    await expect(make({ bucket: 'no-such-bucket' }).check()).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('check() rejects quickly once the server is down', async () => {
    const down = await startS3Server('media-down');
    const store = new S3Store({ client: clientFor(down), bucket: down.bucket, urlTtlSeconds: 60 });
    await store.check();
    await down.stop();
    const started = Date.now();
    await expect(store.check()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(6_000);
  });
});
