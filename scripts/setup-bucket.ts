/**
 * `npm run setup:bucket`: checks that the S3 bucket the service is configured for is reachable and writable and
 * honours conditional writes (which Idempotency-Key relies on), and applies its lifecycle (media and Idempotency-Key replies expire after MEDIA_RETENTION_DAYS, incomplete
 * multipart uploads are aborted after a day). Reads the same environment as the service. Safe to run again: it changes only what
 * differs and keeps lifecycle rules that are not its own. Exit code 1, with one sentence, when something fails.
 *
 * `npm run setup:bucket -- --accept-no-idempotency` sets up a store that ignores conditional writes anyway, with a
 * warning: for an operator who accepts that retries with the same Idempotency-Key may be done twice.
 */
import { ConfigError, parseConfig, type Config } from '../src/config.js';
import { ACCEPT_NO_IDEMPOTENCY_FLAG, setupBucket } from '../src/adapters/bucket-setup.js';
import { createS3Client } from '../src/adapters/s3-store.js';

const out = (line: string) => console.log(`setup-bucket: ${line}`);
function die(sentence: string): never {
  console.error(`setup-bucket: failed: ${sentence}`);
  process.exit(1);
}

const unknown = process.argv.slice(2).filter((arg) => arg !== ACCEPT_NO_IDEMPOTENCY_FLAG);
if (unknown.length > 0) die(`unknown argument ${unknown.join(' ')}: the only option is ${ACCEPT_NO_IDEMPOTENCY_FLAG}; everything else comes from the environment.`);
const acceptNoIdempotency = process.argv.includes(ACCEPT_NO_IDEMPOTENCY_FLAG);

let config: Config;
try {
  config = parseConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  die(`invalid configuration: ${err.message}`);
}
if (config.STORAGE_DRIVER !== 's3') {
  die('STORAGE_DRIVER is "local", so there is no bucket to set up; set STORAGE_DRIVER=s3 and S3_BUCKET (and S3_ENDPOINT for R2 or MinIO).');
}

const bucket = config.S3_BUCKET!;
const ttlDays = config.MEDIA_URL_TTL_SECONDS / 86_400;
/** Resumable uploads may take UPLOAD_EXPIRY_HOURS: lifecycle rules count whole days. */
const stagedDays = Math.ceil(config.UPLOAD_EXPIRY_HOURS / 24);
out(
  `bucket "${bucket}", region ${config.S3_REGION}${config.S3_ENDPOINT ? `, endpoint ${config.S3_ENDPOINT}` : ''}; ` +
    `media and records expire after ${config.MEDIA_RETENTION_DAYS} days (URLs live ${config.S3_PUBLIC_BASE_URL ? 'for good' : `${ttlDays} days`}), ` +
    `incomplete multipart uploads are aborted and unfinished resumable uploads expire after ${stagedDays} day${stagedDays === 1 ? '' : 's'}; the rules cover the whole bucket, so it must hold nothing but mms-media files`,
);
if (config.S3_PUBLIC_BASE_URL) {
  out(
    `warning: S3_PUBLIC_BASE_URL is set, so the service reports URLs as permanent (expires_at: null), yet files are deleted after ${config.MEDIA_RETENTION_DAYS} days`,
  );
}

const client = createS3Client({ region: config.S3_REGION, endpoint: config.S3_ENDPOINT, forcePathStyle: config.S3_FORCE_PATH_STYLE });
try {
  const report = await setupBucket(client, { bucket, retentionDays: config.MEDIA_RETENTION_DAYS, ttlSeconds: config.MEDIA_URL_TTL_SECONDS, stagedUploadDays: stagedDays, acceptNoIdempotency }, out);
  if (!report.ok) die(report.failure!);
  out('done');
} finally {
  client.destroy();
}
