import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetBucketLifecycleConfigurationCommand, type LifecycleRule, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ABORT_RULE_ID, EXPIRE_RULE_ID, STAGED_RULE_ID, desiredRules, setupBucket } from '../src/adapters/bucket-setup.js';
import { listBucket, startS3Server, type S3TestServer } from './support/s3-server.js';
import { clientFor, closedPort, ownLines, runSetupBucket, startFakeS3, type FakeS3 } from './support/setup-bucket.js';

const DAY = 86_400;
const WEEK = 7 * DAY;

const LIFECYCLE_UNSUPPORTED =
  'could not read the lifecycle configuration of bucket "media-setup": the store rejected the signature of this bucket-level call although object calls with the same credentials worked; some S3 emulators sign bucket paths differently and do not support lifecycle configuration at all. Configure expiry with the store\'s own tools.';

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

  it('proves the bucket reachable and writable and honouring conditional writes, leaves no probe behind; the emulator cannot do lifecycle, and says so', async () => {
    const lines: string[] = [];
    const report = await setupBucket(client, { bucket: s3.bucket, retentionDays: 30, ttlSeconds: WEEK }, (l) => lines.push(l));

    const key = report.probe!.key;
    expect(key).toMatch(/^_setup\/probe-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f]{12}\.txt$/);
    // "mms-media setup probe, " + an ISO time (24 characters) + a newline.
    expect(report.probe).toEqual({ key, bytes: 48 });
    expect(report.conditionalWrites).toEqual({ honoured: true });
    expect(lines.slice(0, 2)).toEqual([
      `bucket "media-setup" is reachable and writable: wrote, read back and deleted ${key} (48 bytes)`,
      'bucket "media-setup" honours conditional writes (If-None-Match: * and If-Match on PutObject), so Idempotency-Key holds across instances',
    ]);
    expect((await listBucket(s3.dir, s3.bucket)).keys).toEqual([]);
    // @20minutes/s3rver signs bucket-level paths as `/bucket/` (SignatureDoesNotMatch) and, past that, answers
    // lifecycle calls NotImplemented: a store without lifecycle support is a failure, told in one sentence.
    expect(report.ok).toBe(false);
    expect(report.lifecycle).toBeUndefined();
    expect(report.failure).toBe(LIFECYCLE_UNSUPPORTED);
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
    expect(report.failure).toBe(
      'could not write a probe object in bucket "media-setup": the store refused the credentials (SignatureDoesNotMatch); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
    );
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
    expect(report.failure).toBe(
      'the retention (3 days) is shorter than the URL lifetime (7 days): files must outlive their links, so raise MEDIA_RETENTION_DAYS or lower MEDIA_URL_TTL_SECONDS.',
    );
    expect(fake.requests).toEqual([]);
  });
});


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
  const ours = (rules: LifecycleRule[]) => rules.filter((r) => [EXPIRE_RULE_ID, ABORT_RULE_ID, STAGED_RULE_ID].includes(r.ID!));
  const lifecycleWrites = () => fake.requests.filter((r) => r.startsWith('PUT /media/?lifecycle'));

  it('creates both whole-bucket rules and the staging rule on a bucket without lifecycle, then a second run changes nothing', async () => {
    const first = await run();
    expect(first).toMatchObject({ ok: true, lifecycle: { outcome: 'created', kept: [] } });
    expect(ours(await rulesNow())).toEqual([
      { ID: EXPIRE_RULE_ID, Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 30 } },
      { ID: ABORT_RULE_ID, Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
      { ID: STAGED_RULE_ID, Status: 'Enabled', Filter: { Prefix: 'uploads/' }, Expiration: { Days: 1 } },
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
    expect(lines.slice(2)).toEqual(['lifecycle: found 3 rule(s): mms-media-expire: expire after 30 days (whole bucket); mms-media-abort-incomplete-multipart: abort incomplete multipart uploads after 1 day (whole bucket); mms-media-expire-staged-uploads: expire after 1 day (prefix "uploads/")', 'lifecycle: unchanged (mms-media-expire: expire after 30 days (whole bucket); mms-media-abort-incomplete-multipart: abort incomplete multipart uploads after 1 day (whole bucket); mms-media-expire-staged-uploads: expire after 1 day (prefix "uploads/"))']);
  });

  it('gives resumable uploads as many whole days as UPLOAD_EXPIRY_HOURS before staging expires or a multipart upload is aborted', () => {
    const days = (rules: LifecycleRule[]) => rules.map((r) => [r.ID, r.Expiration?.Days ?? r.AbortIncompleteMultipartUpload?.DaysAfterInitiation]);
    expect(days(desiredRules(30, 2))).toEqual([[EXPIRE_RULE_ID, 30], [ABORT_RULE_ID, 2], [STAGED_RULE_ID, 2]]);
    expect(days(desiredRules(30))).toEqual([[EXPIRE_RULE_ID, 30], [ABORT_RULE_ID, 1], [STAGED_RULE_ID, 1]]);
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
    expect(after.filter((r) => !ours([r]).length)).toEqual(foreignBefore);
    expect(ours(after).map((r) => [r.ID, r.Expiration?.Days ?? r.AbortIncompleteMultipartUpload?.DaysAfterInitiation])).toEqual([
      [EXPIRE_RULE_ID, 30],
      [ABORT_RULE_ID, 1],
      [STAGED_RULE_ID, 1],
    ]);
    expect(after.filter((r) => r.ID === EXPIRE_RULE_ID)).toHaveLength(1);
    // The bucket-wide transition setting is sent back, or writing the configuration would reset it.
    expect(fake.transitionDefault).toBe('varies_by_storage_class');
    expect(lines.slice(2)).toEqual([
      'lifecycle: found 4 rule(s): logs-expire: expire after 7 days (prefix "logs/"); archive-to-glacier: 1 transition(s) (prefix "archive/", tagged objects only); old-disabled: expire after 1 day (prefix "tmp/", Disabled); mms-media-expire: expire after 10 days (whole bucket)',
      'lifecycle: updated mms-media-expire: expire after 30 days (whole bucket); mms-media-abort-incomplete-multipart: abort incomplete multipart uploads after 1 day (whole bucket); mms-media-expire-staged-uploads: expire after 1 day (prefix "uploads/"); kept 3 rule(s) not ours: logs-expire, archive-to-glacier, old-disabled',
    ]);
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
    expect(report.probe).toEqual({ key: expect.stringMatching(/^_setup\/probe-/), bytes: 48 }); // got past the probe
    expect(report.conditionalWrites).toEqual({ honoured: true });
    expect(report.failure).toBe(
      'could not write the lifecycle configuration of bucket "media": access denied (AccessDenied); the credentials need s3:PutLifecycleConfiguration on this bucket.',
    );
  });
});

describe('npm run setup:bucket (the CLI)', () => {
  const cli = (env: Record<string, string>) => runSetupBucket(env);

  it('prints what it found and did, and exits 0; a second run prints "unchanged"', async () => {
    const fake = await startFakeS3('media');
    try {
      const env = { STORAGE_DRIVER: 's3', S3_BUCKET: 'media', S3_ENDPOINT: fake.endpoint, S3_FORCE_PATH_STYLE: 'true' };
      const first = await cli(env);
      const said = [
        `setup-bucket: bucket "media", region us-east-1, endpoint ${fake.endpoint}; media and records expire after 30 days (URLs live 7 days), incomplete multipart uploads are aborted and unfinished resumable uploads expire after 1 day; the rules cover the whole bucket, so it must hold nothing but mms-media files`,
        'setup-bucket: bucket "media" is reachable and writable: wrote, read back and deleted <probe> (48 bytes)',
        'setup-bucket: bucket "media" honours conditional writes (If-None-Match: * and If-Match on PutObject), so Idempotency-Key holds across instances',
      ];
      expect(first.code, first.stderr).toBe(0);
      expect(ownLines(first.stdout)).toEqual([
        ...said,
        'setup-bucket: lifecycle: the bucket has no rules yet',
        'setup-bucket: lifecycle: created mms-media-expire: expire after 30 days (whole bucket); mms-media-abort-incomplete-multipart: abort incomplete multipart uploads after 1 day (whole bucket); mms-media-expire-staged-uploads: expire after 1 day (prefix "uploads/")',
        'setup-bucket: done',
      ]);
      expect(ownLines(first.stderr)).toEqual([]);
      const second = await cli(env);
      expect(second.code, second.stderr).toBe(0);
      expect(ownLines(second.stdout)).toEqual([
        ...said,
        'setup-bucket: lifecycle: found 3 rule(s): mms-media-expire: expire after 30 days (whole bucket); mms-media-abort-incomplete-multipart: abort incomplete multipart uploads after 1 day (whole bucket); mms-media-expire-staged-uploads: expire after 1 day (prefix "uploads/")',
        'setup-bucket: lifecycle: unchanged (mms-media-expire: expire after 30 days (whole bucket); mms-media-abort-incomplete-multipart: abort incomplete multipart uploads after 1 day (whole bucket); mms-media-expire-staged-uploads: expire after 1 day (prefix "uploads/"))',
        'setup-bucket: done',
      ]);
    } finally {
      await fake.close();
    }
  });

  it('exits 1 with one sentence when the store cannot be reached, or the settings are wrong', async () => {
    const down = await cli({ STORAGE_DRIVER: 's3', S3_BUCKET: 'media', S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}`, S3_FORCE_PATH_STYLE: 'true' });
    expect(down.code).toBe(1);
    expect(ownLines(down.stderr)).toEqual([
      'setup-bucket: failed: could not write a probe object in bucket "media": the S3 endpoint could not be reached (ECONNREFUSED); check S3_ENDPOINT, S3_REGION and the network.',
    ]);
    const short = await cli({ STORAGE_DRIVER: 's3', S3_BUCKET: 'media', MEDIA_RETENTION_DAYS: '2' });
    expect(short.code).toBe(1);
    expect(short.stdout).toBe('');
    expect(ownLines(short.stderr)).toEqual([
      'setup-bucket: failed: invalid configuration: MEDIA_RETENTION_DAYS must be at least the URL lifetime (MEDIA_URL_TTL_SECONDS = 604800 s, 7 days): files must outlive their links (got "2")',
    ]);
  });
});
