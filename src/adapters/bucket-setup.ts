import {
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  type LifecycleRule,
  type TransitionDefaultMinimumObjectSize,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { probeConditionalWrites, type ConditionalWrites } from '../core/conditional-writes.js';
import { OUR_IDS, canonical, dayCount, describeRule, desiredRules, mayApplyToOurKeys } from './bucket-lifecycle.js';
import { s3RecordBucket } from './s3-idempotency.js';

/**
 * One-off bucket preparation (`npm run setup:bucket`): proves the bucket is reachable and writable, that it
 * honours the conditional writes Idempotency-Key records rely on, then makes the bucket's lifecycle expire what
 * the service writes and abort abandoned multipart uploads, and expire resumable uploads left in staging.
 *
 * The rules cover the whole bucket. Media keys are `<id>.<ext>` at the root, with no common prefix, so a
 * prefix filter cannot select them; `Idempotency-Key` replies (`idempotency/`) and stray setup probes
 * (`_setup/`) should go too. So the bucket must be dedicated to mms-media.
 *
 * Idempotent: the existing configuration is read first; rules with other IDs are kept as they are, ours
 * (by ID) are replaced, and nothing is written when ours are already right.
 */

export const PROBE_PREFIX = '_setup/';
export { ABORT_RULE_ID, EXPIRE_RULE_ID, STAGED_RULE_ID, desiredRules } from './bucket-lifecycle.js';
/** The CLI flag that sets acceptNoIdempotency; named here, where the failure sentence tells operators about it. */
export const ACCEPT_NO_IDEMPOTENCY_FLAG = '--accept-no-idempotency';

export interface BucketSetupOptions {
  bucket: string;
  /** Media expire this many days after they were written. */
  retentionDays: number;
  /** The lifetime of the URLs the service hands out: retention shorter than it is refused. */
  ttlSeconds: number;
  /**
   * How many days an unfinished resumable upload may take (UPLOAD_EXPIRY_HOURS, in whole days; default 1): what
   * is left in staging is expired after it, and no multipart upload is aborted sooner.
   */
  stagedUploadDays?: number;
  /** Per S3 call; default 15 s. */
  timeoutMs?: number;
  /**
   * Go on (with a warning) when the store does not honour conditional writes: the operator accepts that a
   * retried request with the same Idempotency-Key may be done twice. Default false: such a store fails setup.
   */
  acceptNoIdempotency?: boolean;
}

export type LifecycleOutcome = 'created' | 'updated' | 'unchanged';

export interface BucketSetupReport {
  ok: boolean;
  bucket: string;
  /** Set once the probe object was written, read back identical and deleted. */
  probe?: { key: string; bytes: number };
  /** Set once conditional writes were tried (after the probe). */
  conditionalWrites?: ConditionalWrites;
  lifecycle?: {
    outcome: LifecycleOutcome;
    /** The rules found before, and the rules the bucket has now (the same when unchanged). */
    before: LifecycleRule[];
    after: LifecycleRule[];
    /** IDs of the rules that are not ours, kept as they were. */
    kept: string[];
  };
  /** Things that are not failures but that someone should look at. */
  warnings: string[];
  /** One sentence: what failed and what to do about it. Set when ok is false. */
  failure?: string;
}

export async function setupBucket(
  client: S3Client,
  options: BucketSetupOptions,
  log: (line: string) => void = () => {},
): Promise<BucketSetupReport> {
  const { bucket, retentionDays, ttlSeconds, stagedUploadDays, timeoutMs = 15_000, acceptNoIdempotency = false } = options;
  const report: BucketSetupReport = { ok: false, bucket, warnings: [] };
  const fail = (failure: string) => Object.assign(report, { ok: false, failure });
  const warn = (line: string) => {
    report.warnings.push(line);
    log(`warning: ${line}`);
  };
  const bounded = () => ({ abortSignal: AbortSignal.timeout(timeoutMs) });

  // parseConfig refuses this already; the module checks again because it can be imported on its own.
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays * 86_400 < ttlSeconds) {
    return fail(
      `the retention (${dayCount(retentionDays)}) is shorter than the URL lifetime (${dayCount(ttlSeconds / 86_400)}): files must outlive their links, so raise MEDIA_RETENTION_DAYS or lower MEDIA_URL_TTL_SECONDS.`,
    );
  }

  // 1. Reachable and writable: put, read back, delete a small probe object.
  const key = `${PROBE_PREFIX}probe-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(6).toString('hex')}.txt`;
  const body = Buffer.from(`mms-media setup probe, ${new Date().toISOString()}\n`);
  let step = 'write';
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain' }), bounded());
    step = 'read back';
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), bounded());
    const back = Buffer.from((await res.Body?.transformToByteArray()) ?? new Uint8Array());
    if (!back.equals(body)) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), bounded()).catch(() => {});
      return fail(
        `the probe object read back from bucket "${bucket}" differs from what was written (${back.length} bytes instead of ${body.length}): the store alters uploads (S3-compatible stores that mishandle aws-chunked bodies do this), so files would be corrupted.`,
      );
    }
    step = 'delete';
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), bounded());
  } catch (err) {
    const permission = { write: 's3:PutObject', 'read back': 's3:GetObject', delete: 's3:DeleteObject' }[step]!;
    const leftover = step === 'write' ? '' : ` (the probe ${key} may be left behind; the expiry rule removes it)`;
    return fail(`could not ${step} a probe object in bucket "${bucket}": ${explain(err, bucket, permission)}${leftover}`);
  }
  report.probe = { key, bytes: body.length };
  log(`bucket "${bucket}" is reachable and writable: wrote, read back and deleted ${key} (${body.length} bytes)`);

  // 2. Conditional writes, which Idempotency-Key records are claimed with (src/core/conditional-writes.ts).
  const conditionalKey = key.replace(/\.txt$/, '-conditional.txt');
  let conditional: ConditionalWrites;
  try {
    conditional = await probeConditionalWrites(s3RecordBucket(client, bucket), conditionalKey);
  } catch (err) {
    // Some stores answer a conditional header they do not implement with 501 (or 400): no better than ignoring it.
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (errorName(err) !== 'NotImplemented' && status !== 501 && status !== 400) {
      return fail(`could not try conditional writes in bucket "${bucket}": ${explain(err, bucket, 's3:PutObject')}`);
    }
    conditional = { honoured: false, observed: `it answered a conditional write with ${errorName(err) || 'an error'} (HTTP ${status})` };
  }
  report.conditionalWrites = conditional;
  if (!conditional.honoured) {
    const means = `bucket "${bucket}" does not honour conditional writes (${conditional.observed}), so Idempotency-Key cannot be guaranteed: a retried request may send its message or store its file twice`;
    if (!acceptNoIdempotency) {
      return fail(`${means}; use a store that honours If-None-Match and If-Match on PutObject (AWS S3, Cloudflare R2, MinIO), or run again with ${ACCEPT_NO_IDEMPOTENCY_FLAG} to set this bucket up anyway.`);
    }
    warn(`${means}; going on because ${ACCEPT_NO_IDEMPOTENCY_FLAG} was given.`);
  } else {
    log(`bucket "${bucket}" honours conditional writes (If-None-Match: * and If-Match on PutObject), so Idempotency-Key holds across instances`);
  }

  // 3. Lifecycle: read, keep what is not ours, replace ours, write only if something differs.
  let before: LifecycleRule[];
  let transitionDefault: TransitionDefaultMinimumObjectSize | undefined;
  try {
    const current = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }), bounded());
    before = current.Rules ?? [];
    transitionDefault = current.TransitionDefaultMinimumObjectSize;
  } catch (err) {
    if (errorName(err) !== 'NoSuchLifecycleConfiguration') {
      return fail(`could not read the lifecycle configuration of bucket "${bucket}": ${explainLifecycle(err, bucket, 's3:GetLifecycleConfiguration')}`);
    }
    before = [];
  }
  log(before.length === 0 ? 'lifecycle: the bucket has no rules yet' : `lifecycle: found ${before.length} rule(s): ${before.map(describeRule).join('; ')}`);

  const foreign = before.filter((r) => !OUR_IDS.has(r.ID ?? ''));
  const ours = before.filter((r) => OUR_IDS.has(r.ID ?? ''));
  const desired = desiredRules(retentionDays, stagedUploadDays);
  for (const rule of foreign) {
    const days = rule.Expiration?.Days;
    if (rule.Status === 'Enabled' && mayApplyToOurKeys(rule) && (rule.Expiration?.Date || (days !== undefined && days < retentionDays))) {
      warn(
        `rule "${rule.ID}" is not ours and may delete objects mms-media writes sooner than ${dayCount(retentionDays)} (${describeRule(rule)}); links must outlive ${dayCount(ttlSeconds / 86_400)}.`,
      );
    }
  }
  const kept = foreign.map((r) => r.ID ?? '(no id)');
  const unchanged = ours.length === desired.length && desired.every((d) => ours.some((o) => canonical(o) === canonical(d)));
  if (unchanged) {
    report.lifecycle = { outcome: 'unchanged', before, after: before, kept };
    log(`lifecycle: unchanged (${desired.map(describeRule).join('; ')})${kept.length ? `; ${kept.length} rule(s) not ours left alone` : ''}`);
    return Object.assign(report, { ok: true });
  }

  const after = [...foreign, ...desired];
  try {
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: after },
        // Writing the configuration resets this bucket-wide setting unless it is sent back.
        ...(transitionDefault && { TransitionDefaultMinimumObjectSize: transitionDefault }),
      }),
      bounded(),
    );
  } catch (err) {
    return fail(`could not write the lifecycle configuration of bucket "${bucket}": ${explainLifecycle(err, bucket, 's3:PutLifecycleConfiguration')}`);
  }
  const outcome: LifecycleOutcome = ours.length === 0 ? 'created' : 'updated';
  report.lifecycle = { outcome, before, after, kept };
  log(`lifecycle: ${outcome} ${desired.map(describeRule).join('; ')}${kept.length ? `; kept ${kept.length} rule(s) not ours: ${kept.join(', ')}` : ''}`);
  return Object.assign(report, { ok: true });
}

function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

/** A sentence fragment for people: what the error means and what to check. */
function explain(err: unknown, bucket: string, permission: string): string {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? e.cause?.code ?? (err instanceof AggregateError ? (err.errors[0] as { code?: string })?.code : undefined);
  const name = errorName(err);
  if ((code && NETWORK_CODES.has(code)) || name === 'TimeoutError' || name === 'AbortError' || name === 'RequestTimeout') {
    return `the S3 endpoint could not be reached (${code ?? name}); check S3_ENDPOINT, S3_REGION and the network.`;
  }
  if (name === 'CredentialsProviderError') return 'no AWS credentials were found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or run with a role).';
  if (name === 'NoSuchBucket') return `the bucket "${bucket}" does not exist; create it first (this script does not create buckets) or fix S3_BUCKET.`;
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return `the store refused the credentials (${name}); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`;
  }
  if (name === 'AccessDenied' || status === 403) return `access denied (${name || 403}); the credentials need ${permission} on this bucket.`;
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) {
    return `the bucket is in another region (${name || status}); fix S3_REGION.`;
  }
  return `${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
}

/** As explain(), for the bucket-level lifecycle calls, which run after object calls succeeded. */
function explainLifecycle(err: unknown, bucket: string, permission: string): string {
  const name = errorName(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (name === 'NotImplemented' || status === 501) {
    return `the store does not support lifecycle configuration (${name || 501}); expire objects after the retention period with the store's own tools, or media will be kept forever.`;
  }
  if (name === 'SignatureDoesNotMatch') {
    // The same credentials just signed object calls that were accepted.
    return 'the store rejected the signature of this bucket-level call although object calls with the same credentials worked; some S3 emulators sign bucket paths differently and do not support lifecycle configuration at all. Configure expiry with the store\'s own tools.';
  }
  return explain(err, bucket, permission);
}
