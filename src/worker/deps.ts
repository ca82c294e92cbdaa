import { ConfigError, isLoopback, jobDeadlineMs, type Config } from '../config.js';
import { DirectUploads, conditionalCreate, type DirectUploadsDeps } from '../core/direct-uploads.js';
import { SignedUploadUrls, signingSecret } from '../core/upload-signing.js';
import type { IdempotencyRecords } from '../core/idempotency.js';
import { MediaService } from '../core/media-service.js';
import { Metrics } from '../lib/metrics.js';
import { Limits } from '../core/policy.js';
import type { Clock, Logger, MediaStore } from '../core/ports.js';
import { Preflight } from '../core/preflight.js';
import { SendService } from '../core/send-service.js';
import { UrlGuard } from '../core/url-guard.js';
import { UrlImporter } from '../core/url-import.js';
import type { AppDeps } from '../http/deps.js';
import { WorkerImages, type ImagesBindingLike } from '../adapters/cf-images.js';
import { NoAvProcessing } from '../adapters/no-av.js';
import { R2IdempotencyRecords, r2RecordBucket } from '../adapters/r2-idempotency.js';
import { R2Store, type R2BucketLike } from '../adapters/r2-store.js';
import { sha256 } from '../adapters/sha256.js';
import { senderFor } from '../adapters/teli-sender.js';
import { WorkerFetcher, type WorkerFetcherOptions } from '../adapters/worker-fetcher.js';

/** The bindings and secrets the worker reads besides the string vars parseConfig takes. */
export interface WorkerBindings {
  MEDIA_BUCKET?: unknown;
  IMAGES?: unknown;
  /** STORAGE_DRIVER=s3 only: an R2 (or S3) API token's key pair, as secrets. */
  AWS_ACCESS_KEY_ID?: unknown;
  AWS_SECRET_ACCESS_KEY?: unknown;
}

export interface WorkerDepsOptions {
  /** This worker's public origin answered in-process (media URLs pointing at the worker itself). */
  self?: WorkerFetcherOptions['self'];
}

const clock: Clock = { now: () => new Date() };

/** Builds every adapter the Workers entry needs from validated config and the bindings. Throws ConfigError naming what is wrong. */
export async function buildWorkerDeps(config: Config, env: WorkerBindings, logger: Logger, options: WorkerDepsOptions = {}): Promise<AppDeps> {
  const policy = new UrlGuard(config.FETCH_ALLOW_PRIVATE_HOSTS); // its entries were checked by parseConfig
  const { store, idempotency, uploads } = await buildStorage(config, env);
  const metrics = new Metrics(); // per isolate: each isolate counts what it served
  const binding = imagesBinding(env.IMAGES);
  // Without the Images binding no image is processed here beyond cutting metadata out: images are taken only up
  // to the endpoint's own image limit.
  const limits = new Limits({
    profile: config.MEDIA_PROFILE,
    targetBytes: config.IMAGE_TARGET_BYTES,
    processedInputBytes: binding ? { image: config.IMAGE_MAX_INPUT_BYTES } : {},
  });
  const images = new WorkerImages({ binding, targetBytes: limits.budgetBytes, maxDimension: config.IMAGE_MAX_DIMENSION, maxPixels: config.IMAGE_MAX_PIXELS });
  // No ffmpeg on Workers: deliverable video and audio pass as sent; anything needing conversion gets the 422.
  const av = new NoAvProcessing({ budgetBytes: limits.budgetBytes, where: 'workers' });
  const media = new MediaService({ store, images, av, limits, sha256, logger, metrics, jobDeadlineMs: jobDeadlineMs(config) });
  const fetcher = new WorkerFetcher({ policy, self: options.self });
  // What preflight may promise that hosting fixes: without the Images binding, no image conversion or fitting.
  const reach = { accepts: (d: { ext: string }) => images.canFix(d), maxInputBytes: limits.inputBytes('image'), budgetBytes: limits.budgetBytes };
  const preflight = new Preflight({ fetcher, clock, images: reach }, { timeoutMs: config.FETCH_TIMEOUT_MS });
  // A whole file (up to 10 MB, or a large image to fit) may need longer than a carrier's first-byte patience.
  const importer = new UrlImporter({ fetcher, media }, { timeoutMs: config.FETCH_TIMEOUT_MS * 3 });
  return {
    media,
    send: new SendService({ sender: senderFor(config), preflight, importer, media, logger, metrics }),
    preflight,
    importer,
    store,
    directUploads: new DirectUploads({ store, media, sha256, logger, ...uploads }),
    corsOrigins: config.CORS_ORIGINS,
    logger,
    metrics,
    apiKeys: config.API_KEYS,
    // The worker's own origin: PUBLIC_BASE_URL, or the one the request came in on (see main.ts).
    publicBaseUrl: config.PUBLIC_BASE_URL,
    idempotency: { records: idempotency, sha256 },
    // Per isolate, as on Node per process: the concurrency cap and rate limit count only what this isolate sees.
    limits: { bodyTimeoutMs: config.BODY_TIMEOUT_MS, maxConcurrentUploads: config.MAX_CONCURRENT_UPLOADS, rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE },
  };
}

type Uploads = Pick<DirectUploadsDeps, 'targets' | 'service' | 'createOnce'>;

/**
 * The store, and beside it in the same bucket idempotency records (isolates share no memory), and where direct
 * uploads go: a presigned PUT with the S3 API, or a URL the worker signs and takes itself with the binding.
 */
async function buildStorage(config: Config, env: WorkerBindings): Promise<{ store: MediaStore; idempotency: IdempotencyRecords; uploads: Uploads }> {
  if (config.STORAGE_DRIVER === 's3') {
    const keyId = secret(env.AWS_ACCESS_KEY_ID, 'AWS_ACCESS_KEY_ID');
    const key = secret(env.AWS_SECRET_ACCESS_KEY, 'AWS_SECRET_ACCESS_KEY');
    // Loaded only for this driver: the SDK is most of the bundle and need not be evaluated otherwise.
    const [{ S3Store, createS3Client }, { S3IdempotencyRecords, s3RecordBucket }, { S3UploadTargets }] = await Promise.all([
      import('../adapters/s3-store.js'),
      import('../adapters/s3-idempotency.js'),
      import('../adapters/s3-presign.js'),
    ]);
    const client = createS3Client({
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      credentials: { accessKeyId: keyId, secretAccessKey: key },
    });
    const bucket = config.S3_BUCKET!;
    return {
      store: new S3Store({ client, bucket, publicBaseUrl: config.S3_PUBLIC_BASE_URL, urlTtlSeconds: config.MEDIA_URL_TTL_SECONDS }),
      idempotency: new S3IdempotencyRecords(client, bucket),
      uploads: { targets: new S3UploadTargets(client, bucket), createOnce: conditionalCreate(s3RecordBucket(client, bucket)) },
    };
  }
  const bucket = env.MEDIA_BUCKET;
  if (!isR2Bucket(bucket)) {
    throw new ConfigError(
      bucket === undefined
        ? 'MEDIA_BUCKET is not bound: STORAGE_DRIVER=r2 needs an R2 bucket binding named MEDIA_BUCKET ([[r2_buckets]] in wrangler.toml)'
        : 'MEDIA_BUCKET is bound to something that is not an R2 bucket: bind it under [[r2_buckets]] in wrangler.toml',
    );
  }
  const store = new R2Store({ bucket, publicBaseUrl: config.R2_PUBLIC_BASE_URL, appBaseUrl: config.PUBLIC_BASE_URL });
  // Any isolate may take the PUT another signed: a secret of its own will do only under wrangler dev (localhost).
  const urls = new SignedUploadUrls(signingSecret(config.UPLOAD_SIGNING_SECRET, !isLoopback(config.HOST)), config.PUBLIC_BASE_URL);
  return {
    store,
    idempotency: new R2IdempotencyRecords(bucket),
    uploads: { targets: urls, service: { urls, writes: store }, createOnce: conditionalCreate(r2RecordBucket(bucket)) },
  };
}

function imagesBinding(value: unknown): ImagesBindingLike | undefined {
  if (value === undefined) return undefined;
  const b = value as Partial<ImagesBindingLike>;
  if (typeof b.info !== 'function' || typeof b.input !== 'function') {
    throw new ConfigError('IMAGES is bound to something that is not a Cloudflare Images binding: use [images] binding = "IMAGES" in wrangler.toml, or remove it');
  }
  return value as ImagesBindingLike;
}

function isR2Bucket(value: unknown): value is R2BucketLike {
  const b = value as Partial<R2BucketLike> | undefined;
  return typeof b?.put === 'function' && typeof b.get === 'function' && typeof b.head === 'function';
}

function secret(value: unknown, name: string): string {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  throw new ConfigError(`${name} is required when STORAGE_DRIVER=s3 on Workers: set it with wrangler secret put ${name}`);
}
