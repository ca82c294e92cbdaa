import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { GetBucketLifecycleConfigurationCommand, type LifecycleRule, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ABORT_RULE_ID, EXPIRE_RULE_ID, setupBucket } from '../src/adapters/bucket-setup.js';
import { createS3Client } from '../src/adapters/s3-store.js';
import { listBucket, startS3Server, type S3TestServer } from './support/s3-server.js';

const DAY = 86_400;
const WEEK = 7 * DAY;

function clientFor(endpoint: string, credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }): S3Client {
  return createS3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
}

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('setupBucket against the S3 emulator', () => {
  let s3: S3TestServer;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startS3Server('media-setup');
    client = clientFor(s3.endpoint, s3.credentials);
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('proves the bucket reachable and writable and leaves no probe behind; the emulator cannot do lifecycle, and says so', async () => {
    const lines: string[] = [];
    const report = await setupBucket(client, { bucket: s3.bucket, retentionDays: 30, ttlSeconds: WEEK }, (l) => lines.push(l));

    expect(report.probe?.key).toMatch(/^_setup\/probe-.+\.txt$/);
    expect(lines[0]).toContain(`bucket "${s3.bucket}" is reachable and writable`);
    expect((await listBucket(s3.dir, s3.bucket)).keys).toEqual([]);
    // @20minutes/s3rver signs bucket-level paths as `/bucket/` (SignatureDoesNotMatch) and, past that, answers
    // lifecycle calls NotImplemented: a store without lifecycle support is a failure, told in one sentence.
    expect(report.ok).toBe(false);
    expect(report.lifecycle).toBeUndefined();
    expect(report.failure).toMatch(/^could not read the lifecycle configuration of bucket "media-setup": .*do not support lifecycle configuration/);
  });

  it('a missing bucket is named as such', async () => {
    const report = await setupBucket(client, { bucket: 'no-such-bucket', retentionDays: 30, ttlSeconds: WEEK });
    expect(report.ok).toBe(false);
    expect(report.probe).toBeUndefined();
    expect(report.failure).toBe(
      'could not write a probe object in bucket "no-such-bucket": the bucket "no-such-bucket" does not exist; create it first (this script does not create buckets) or fix S3_BUCKET.',
    );
  });

  it('wrong credentials are named as such', async () => {
    const wrong = clientFor(s3.endpoint, { accessKeyId: 'S3RVER', secretAccessKey: 'not-the-secret' });
    const report = await setupBucket(wrong, { bucket: s3.bucket, retentionDays: 30, ttlSeconds: WEEK });
    wrong.destroy();
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(/the store refused the credentials \(SignatureDoesNotMatch\); check AWS_ACCESS_KEY_ID/);
  });
});

describe('setupBucket when the store cannot be used', () => {
  it('an unreachable endpoint fails with a sentence naming the cause', async () => {
    const client = clientFor(`http://127.0.0.1:${await closedPort()}`);
    const report = await setupBucket(client, { bucket: 'media', retentionDays: 30, ttlSeconds: WEEK });
    client.destroy();
    expect(report.ok).toBe(false);
    expect(report.probe).toBeUndefined();
    expect(report.failure).toBe(
      'could not write a probe object in bucket "media": the S3 endpoint could not be reached (ECONNREFUSED); check S3_ENDPOINT, S3_REGION and the network.',
    );
  });

  it('a retention shorter than the URL lifetime is refused before the store is touched', async () => {
    const fake = await startFakeS3('media');
    const report = await setupBucket(fake.client, { bucket: 'media', retentionDays: 3, ttlSeconds: WEEK });
    await fake.close();
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(/^the retention \(3 days\) is shorter than the URL lifetime \(7 days\)/);
    expect(fake.requests).toEqual([]);
  });
});

/**
 * The lifecycle logic against a small S3 stand-in on a loopback socket, driven by the real SDK. It speaks the
 * calls setupBucket makes: PUT/GET/DELETE of objects (kept in memory) and GET/PUT `?lifecycle` with the XML
 * bodies S3 uses. Like S3 it answers 404 NoSuchLifecycleConfiguration when there is none, requires and checks
 * the integrity header on PUT lifecycle (Content-MD5 or an x-amz-checksum-*), refuses duplicate rule IDs and
 * returns the configuration as stored. It checks that requests are SigV4-signed with the expected key, but
 * not the signature itself.
 */
interface FakeS3 {
  endpoint: string;
  client: S3Client;
  requests: string[];
  objects: Map<string, Buffer>;
  lifecycleXml: string | null;
  transitionDefault: string | null;
  close(): Promise<void>;
}

async function startFakeS3(bucket: string): Promise<FakeS3> {
  const objects = new Map<string, Buffer>();
  const state = { requests: [] as string[], lifecycleXml: null as string | null, transitionDefault: null as string | null };
  const xmlError = (code: string, message: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    url.searchParams.delete('x-id'); // the SDK names the operation in the query string
    state.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const reply = (status: number, text = '', headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/xml', ...headers });
      res.end(text);
    };
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=S3RVER/')) {
      return reply(403, xmlError('AccessDenied', 'Access Denied'));
    }
    const [, name, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (name !== bucket) return reply(404, xmlError('NoSuchBucket', 'The specified bucket does not exist'));

    if (!key && url.searchParams.has('lifecycle')) {
      if (req.method === 'GET') {
        if (state.lifecycleXml === null) return reply(404, xmlError('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist'));
        return reply(200, state.lifecycleXml, state.transitionDefault ? { 'x-amz-transition-default-minimum-object-size': state.transitionDefault } : {});
      }
      if (req.method === 'PUT') {
        const integrity = checkIntegrity(req, body);
        if (integrity) return reply(400, xmlError(integrity.code, integrity.message));
        const xml = body.toString('utf8');
        const ids = [...xml.matchAll(/<ID>([^<]*)<\/ID>/g)].map((m) => m[1]);
        if (!/<LifecycleConfiguration[\s>]/.test(xml) || !xml.includes('<Rule>')) return reply(400, xmlError('MalformedXML', 'The XML you provided was not well-formed'));
        if (new Set(ids).size !== ids.length) return reply(400, xmlError('InvalidArgument', 'RuleId must be unique'));
        state.lifecycleXml = xml;
        const td = req.headers['x-amz-transition-default-minimum-object-size'];
        if (typeof td === 'string') state.transitionDefault = td;
        return reply(200, '', state.transitionDefault ? { 'x-amz-transition-default-minimum-object-size': state.transitionDefault } : {});
      }
      return reply(405, xmlError('MethodNotAllowed', 'The specified method is not allowed against this resource.'));
    }
    if (key && url.search === '') {
      if (req.method === 'PUT') {
        objects.set(key, body);
        return reply(200, '', { etag: `"${createHash('md5').update(body).digest('hex')}"` });
      }
      if (req.method === 'GET') {
        const found = objects.get(key);
        if (!found) return reply(404, xmlError('NoSuchKey', 'The specified key does not exist.'));
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': found.length, etag: `"${createHash('md5').update(found).digest('hex')}"` });
        return res.end(found);
      }
      if (req.method === 'DELETE') {
        objects.delete(key);
        return reply(204);
      }
    }
    reply(501, xmlError('NotImplemented', 'A header or query you provided implies functionality that is not implemented'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = clientFor(endpoint);
  return Object.assign(state, {
    endpoint,
    client,
    objects,
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** S3 requires Content-MD5 or a flexible checksum on PutBucketLifecycleConfiguration, and checks it. */
function checkIntegrity(req: IncomingMessage, body: Buffer): { code: string; message: string } | null {
  const md5 = req.headers['content-md5'];
  const crc = req.headers['x-amz-checksum-crc32'];
  const other = Object.keys(req.headers).find((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-crc32' && h !== 'x-amz-checksum-algorithm');
  if (typeof md5 === 'string') {
    return md5 === createHash('md5').update(body).digest('base64') ? null : { code: 'BadDigest', message: 'The Content-MD5 you specified did not match what we received.' };
  }
  if (typeof crc === 'string') {
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(crc32(body));
    return crc === expected.toString('base64') ? null : { code: 'BadDigest', message: 'The CRC32 you specified did not match the calculated checksum.' };
  }
  if (other) return null; // another algorithm: accepted unchecked
  return { code: 'InvalidRequest', message: 'Missing required header for this request: Content-MD5' };
}

/** A configuration written by someone else, as S3 returns it: three rules that are not ours, one stale rule of ours. */
const FOREIGN_XML = `<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Rule><ID>logs-expire</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule>
<Rule><ID>archive-to-glacier</ID><Filter><And><Prefix>archive/</Prefix><Tag><Key>keep</Key><Value>yes</Value></Tag></And></Filter><Status>Enabled</Status><Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>
<Rule><ID>old-disabled</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>
<Rule><ID>${EXPIRE_RULE_ID}</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>10</Days></Expiration></Rule>
</LifecycleConfiguration>`;

describe('setupBucket lifecycle, against an S3 stand-in on loopback with the real SDK', () => {
  let fake: FakeS3;
  beforeEach(async () => {
    fake = await startFakeS3('media');
    return () => fake.close();
  });
  const run = (retentionDays = 30, lines: string[] = []) =>
    setupBucket(fake.client, { bucket: 'media', retentionDays, ttlSeconds: WEEK }, (l) => lines.push(l));
  const rulesNow = async () => (await fake.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'media' }))).Rules ?? [];
  const ours = (rules: LifecycleRule[]) => rules.filter((r) => r.ID === EXPIRE_RULE_ID || r.ID === ABORT_RULE_ID);
  const lifecycleWrites = () => fake.requests.filter((r) => r.startsWith('PUT /media/?lifecycle'));

  it('creates both whole-bucket rules on a bucket without lifecycle, then a second run changes nothing', async () => {
    const first = await run();
    expect(first).toMatchObject({ ok: true, lifecycle: { outcome: 'created', kept: [] } });
    expect(ours(await rulesNow())).toEqual([
      { ID: EXPIRE_RULE_ID, Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 30 } },
      { ID: ABORT_RULE_ID, Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    ]);
    expect(fake.objects.size).toBe(0); // the probe was deleted
    const stored = fake.lifecycleXml;
    const writes = lifecycleWrites().length;
    expect(writes).toBe(1);

    const lines: string[] = [];
    const second = await run(30, lines);
    expect(second).toMatchObject({ ok: true, lifecycle: { outcome: 'unchanged' } });
    expect(lifecycleWrites().length).toBe(writes); // nothing written
    expect(fake.lifecycleXml).toBe(stored);
    expect(lines.at(-1)).toMatch(/^lifecycle: unchanged \(mms-media-expire: expire after 30 days \(whole bucket\); mms-media-abort-incomplete-multipart: abort incomplete multipart uploads after 1 day\(s\) \(whole bucket\)\)$/);
  });

  it('keeps rules that are not ours exactly as they were, replaces its own stale rule, and is then unchanged', async () => {
    fake.lifecycleXml = FOREIGN_XML;
    fake.transitionDefault = 'varies_by_storage_class';
    const foreignBefore = (await rulesNow()).filter((r) => r.ID !== EXPIRE_RULE_ID);
    expect(foreignBefore.map((r) => r.ID)).toEqual(['logs-expire', 'archive-to-glacier', 'old-disabled']);

    const lines: string[] = [];
    const report = await run(30, lines);
    expect(report).toMatchObject({ ok: true, lifecycle: { outcome: 'updated', kept: ['logs-expire', 'archive-to-glacier', 'old-disabled'] } });
    const after = await rulesNow();
    expect(after.filter((r) => r.ID !== EXPIRE_RULE_ID && r.ID !== ABORT_RULE_ID)).toEqual(foreignBefore);
    expect(ours(after).map((r) => [r.ID, r.Expiration?.Days ?? r.AbortIncompleteMultipartUpload?.DaysAfterInitiation])).toEqual([
      [EXPIRE_RULE_ID, 30],
      [ABORT_RULE_ID, 1],
    ]);
    expect(after.filter((r) => r.ID === EXPIRE_RULE_ID)).toHaveLength(1);
    // The bucket-wide transition setting is sent back, or writing the configuration would reset it.
    expect(fake.transitionDefault).toBe('varies_by_storage_class');
    expect(lines.some((l) => l.startsWith('lifecycle: found 4 rule(s): logs-expire: expire after 7 days (prefix "logs/")'))).toBe(true);
    expect(report.warnings).toEqual([]); // logs/, tagged archive/ and a disabled rule cannot cut media short

    const stored = fake.lifecycleXml;
    const again = await run();
    expect(again).toMatchObject({ ok: true, lifecycle: { outcome: 'unchanged', kept: ['logs-expire', 'archive-to-glacier', 'old-disabled'] } });
    expect(fake.lifecycleXml).toBe(stored);
    expect(lifecycleWrites()).toHaveLength(1);
  });

  it('a new retention updates its rule and nothing else', async () => {
    await run(30);
    const report = await run(90);
    expect(report.lifecycle?.outcome).toBe('updated');
    expect(ours(await rulesNow()).find((r) => r.ID === EXPIRE_RULE_ID)?.Expiration).toEqual({ Days: 90 });
    expect((await run(90)).lifecycle?.outcome).toBe('unchanged');
  });

  it('warns about a rule not ours that would delete media before their retention, and keeps it', async () => {
    fake.lifecycleXml = `<LifecycleConfiguration><Rule><ID>cleanup</ID><Filter></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule></LifecycleConfiguration>`;
    const report = await run();
    expect(report.ok).toBe(true);
    expect(report.lifecycle?.kept).toEqual(['cleanup']);
    expect(report.warnings).toEqual([
      'rule "cleanup" is not ours and may delete objects mms-media writes sooner than 30 days (cleanup: expire after 2 days (whole bucket)); links must outlive 7 days.',
    ]);
  });

  it('a store that refuses the lifecycle write fails with the permission it needs', async () => {
    const blocked = await startFakeS3('media');
    // Same stand-in, but its PUT ?lifecycle is denied, as with a policy lacking s3:PutLifecycleConfiguration.
    const server = createServer((req, res) => {
      if (req.method === 'PUT' && req.url?.includes('lifecycle')) {
        res.writeHead(403, { 'content-type': 'application/xml' });
        return res.end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      }
      const upstream = new URL(blocked.endpoint);
      req.pipe(
        request(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = clientFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const report = await setupBucket(client, { bucket: 'media', retentionDays: 30, ttlSeconds: WEEK });
    client.destroy();
    server.closeAllConnections();
    server.close();
    await blocked.close();
    expect(report.ok).toBe(false);
    expect(report.probe).toBeDefined();
    expect(report.failure).toBe(
      'could not write the lifecycle configuration of bucket "media": access denied (AccessDenied); the credentials need s3:PutLifecycleConfiguration on this bucket.',
    );
  });
});

describe('npm run setup:bucket (the CLI)', () => {
  const cli = (env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'scripts/setup-bucket.ts'],
        { env: { PATH: process.env.PATH ?? '', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', ...env }, timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('prints what it found and did, and exits 0; a second run prints "unchanged"', async () => {
    const fake = await startFakeS3('media');
    try {
      const env = { STORAGE_DRIVER: 's3', S3_BUCKET: 'media', S3_ENDPOINT: fake.endpoint, S3_FORCE_PATH_STYLE: 'true' };
      const first = await cli(env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('setup-bucket: bucket "media" is reachable and writable');
      expect(first.stdout).toContain('setup-bucket: lifecycle: created mms-media-expire: expire after 30 days (whole bucket)');
      const second = await cli(env);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('setup-bucket: lifecycle: unchanged');
    } finally {
      await fake.close();
    }
  });

  it('exits 1 with one sentence when the store cannot be reached, or the settings are wrong', async () => {
    const down = await cli({ STORAGE_DRIVER: 's3', S3_BUCKET: 'media', S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}`, S3_FORCE_PATH_STYLE: 'true' });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('setup-bucket: failed: could not write a probe object in bucket "media": the S3 endpoint could not be reached (ECONNREFUSED)');
    const short = await cli({ STORAGE_DRIVER: 's3', S3_BUCKET: 'media', MEDIA_RETENTION_DAYS: '2' });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('setup-bucket: failed: invalid configuration: MEDIA_RETENTION_DAYS must be at least the URL lifetime');
  });
});
