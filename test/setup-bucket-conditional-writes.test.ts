import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBucket } from '../src/adapters/bucket-setup.js';
import { listBucket, startS3Server, type S3TestServer } from './support/s3-server.js';
import { clientFor, ownLines, runSetupBucket, startFakeS3, type ConditionalWriteSupport } from './support/setup-bucket.js';

// `npm run setup:bucket` tries the conditional writes Idempotency-Key claims are made with, and refuses a store
// that does not keep them, unless the operator accepts that retries may be done twice.

const WEEK = 7 * 86_400;
const OVERWROTE = 'it overwrote an existing object although the write was conditional on If-None-Match: *';
const meaning = (bucket: string, observed: string) =>
  `bucket "${bucket}" does not honour conditional writes (${observed}), so Idempotency-Key cannot be guaranteed: a retried request may send its message or store its file twice`;
const refusal = (bucket: string, observed: string) =>
  `${meaning(bucket, observed)}; use a store that honours If-None-Match and If-Match on PutObject (AWS S3, Cloudflare R2, MinIO), or run again with --accept-no-idempotency to set this bucket up anyway.`;
/** What the emulator answers to lifecycle calls: reaching it proves setup went past the conditional writes. */
const LIFECYCLE_UNSUPPORTED = /^could not read the lifecycle configuration of bucket "media-plain": the store rejected the signature of this bucket-level call/;

describe('setupBucket against the S3 emulator as it is, which ignores conditional writes', () => {
  let s3: S3TestServer;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startS3Server('media-plain', { conditionalWrites: false });
    client = clientFor(s3.endpoint, s3.credentials);
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('fails with one sentence saying what it means and what to do, before the lifecycle, leaving no probe behind', async () => {
    const lines: string[] = [];
    const report = await setupBucket(client, { bucket: s3.bucket, retentionDays: 30, ttlSeconds: WEEK }, (l) => lines.push(l));
    expect(report.ok).toBe(false);
    expect(report.conditionalWrites).toEqual({ honoured: false, observed: OVERWROTE });
    expect(report.failure).toBe(refusal('media-plain', OVERWROTE));
    expect(report.lifecycle).toBeUndefined();
    expect(lines).toEqual([`bucket "media-plain" is reachable and writable: wrote, read back and deleted ${report.probe!.key} (48 bytes)`]);
    expect((await listBucket(s3.dir, s3.bucket)).keys).toEqual([]);
  });

  it('with acceptNoIdempotency, warns with the same meaning and goes on to the lifecycle', async () => {
    const report = await setupBucket(client, { bucket: s3.bucket, retentionDays: 30, ttlSeconds: WEEK, acceptNoIdempotency: true });
    expect(report.conditionalWrites).toEqual({ honoured: false, observed: OVERWROTE });
    expect(report.warnings).toEqual([`${meaning('media-plain', OVERWROTE)}; going on because --accept-no-idempotency was given.`]);
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(LIFECYCLE_UNSUPPORTED);
    expect((await listBucket(s3.dir, s3.bucket)).keys).toEqual([]);
  });

  it('the CLI exits 1 with that sentence', async () => {
    const run = await runSetupBucket(s3.serviceEnv());
    expect(run.code).toBe(1);
    expect(ownLines(run.stderr)).toEqual([`setup-bucket: failed: ${refusal('media-plain', OVERWROTE)}`]);
    // It stopped before the lifecycle: what it printed is the probe.
    expect(ownLines(run.stdout).slice(1)).toEqual(['setup-bucket: bucket "media-plain" is reachable and writable: wrote, read back and deleted <probe> (48 bytes)']);
  });
});

describe('setupBucket against stores that keep conditional writes only in part (an S3 stand-in)', () => {
  const cases: Array<{ support: ConditionalWriteSupport; observed: string }> = [
    { support: 'If-None-Match only', observed: 'it overwrote an object although the write was conditional on If-Match with an ETag the object does not have' },
    { support: 'not implemented', observed: 'it answered a conditional write with NotImplemented (HTTP 501)' },
    { support: 'always refused', observed: 'it refused a write conditional on If-None-Match: * to a key that does not exist' },
  ];
  for (const c of cases) {
    it(`refuses a store with conditional writes ${c.support}, naming what it did, and deletes the probe`, async () => {
      const fake = await startFakeS3('media', { conditionalWrites: c.support });
      const report = await setupBucket(fake.client, { bucket: 'media', retentionDays: 30, ttlSeconds: WEEK });
      await fake.close();
      expect(report).toMatchObject({ ok: false, conditionalWrites: { honoured: false, observed: c.observed }, failure: refusal('media', c.observed) });
      expect([...fake.objects.keys()]).toEqual([]);
      expect(fake.requests.filter((r) => r.includes('lifecycle'))).toEqual([]);
    });
  }

  it('the CLI with --accept-no-idempotency warns, applies the lifecycle and exits 0; an unknown argument is refused', async () => {
    const fake = await startFakeS3('media', { conditionalWrites: 'ignored' });
    try {
      const env = { STORAGE_DRIVER: 's3', S3_BUCKET: 'media', S3_ENDPOINT: fake.endpoint, S3_FORCE_PATH_STYLE: 'true' };
      const run = await runSetupBucket(env, ['--accept-no-idempotency']);
      expect(run.code, run.stderr).toBe(0);
      expect(ownLines(run.stdout).slice(1)).toEqual([
        'setup-bucket: bucket "media" is reachable and writable: wrote, read back and deleted <probe> (48 bytes)',
        `setup-bucket: warning: ${meaning('media', OVERWROTE)}; going on because --accept-no-idempotency was given.`,
        'setup-bucket: lifecycle: the bucket has no rules yet',
        'setup-bucket: lifecycle: created mms-media-expire: expire after 30 days (whole bucket); mms-media-abort-incomplete-multipart: abort incomplete multipart uploads after 1 day (whole bucket); mms-media-expire-staged-uploads: expire after 1 day (prefix "uploads/")',
        'setup-bucket: done',
      ]);
      expect([...fake.objects.keys()]).toEqual([]);

      const typo = await runSetupBucket(env, ['--accept-no-idempotence']);
      expect(typo.code).toBe(1);
      expect(ownLines(typo.stderr)).toEqual([
        'setup-bucket: failed: unknown argument --accept-no-idempotence: the only option is --accept-no-idempotency; everything else comes from the environment.',
      ]);
      expect(typo.stdout).toBe('');
    } finally {
      await fake.close();
    }
  });
});
