import { accessSync, constants, mkdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { ConfigError, jobDeadlineMs, type Config } from '../config.js';
import { BlockPool } from '../core/block-pool.js';
import { DirectUploads, conditionalCreate, type DirectUploadsDeps } from '../core/direct-uploads.js';
import { MemoryIdempotencyRecords, type IdempotencyRecords } from '../core/idempotency.js';
import { SignedUploadUrls, signingSecret } from '../core/upload-signing.js';
import { MediaService } from '../core/media-service.js';
import { Metrics } from '../lib/metrics.js';
import { Limits, targetBytesFor } from '../core/policy.js';
import { SendService } from '../core/send-service.js';
import type { AvProcessor, ImageProcessor, Logger, MediaStore } from '../core/ports.js';
import type { AppDeps } from '../http/deps.js';
import { LocalStore } from '../adapters/local-store.js';
import { DIRECT_STAGING_PREFIX } from '../core/keys.js';
import { keepDirectStagingSwept } from './direct-staging-sweep.js';
import { POOL_KEEP_BYTES, imageConcurrency } from './memory.js';
import { buildUrlServices, type UrlServiceOverrides } from './url-services.js';
import { consoleFiles } from './console-files.js';
import { sha256 } from '../adapters/sha256.js';
import { SharpImages } from '../adapters/sharp/index.js';
import { S3IdempotencyRecords, s3RecordBucket } from '../adapters/s3-idempotency.js';
import { S3UploadTargets } from '../adapters/s3-presign.js';
import { BucketLocker } from '../adapters/tus/bucket-locker.js';
import type { Locker } from '@tus/server';
import { S3Store, createS3Client } from '../adapters/s3-store.js';
import { senderFor } from '../adapters/teli-sender.js';
import { FfmpegAv, findFfmpeg } from '../adapters/ffmpeg/index.js';
import { NoAvProcessing } from '../adapters/no-av.js';
import { swaggerUiFiles } from './docs-files.js';
import { buildTusUploads, type TusUploadsOptions } from '../adapters/tus/index.js';

/** Builds every adapter the Node entry needs from validated config. */
export function buildNodeDeps(config: Config, logger: Logger, overrides: { images?: ImageProcessor; av?: AvProcessor; tus?: TusUploadsOptions } & UrlServiceOverrides = {}): AppDeps {
  const { store, idempotency, uploads, uploadLocker } = buildStorage(config, logger);
  const av = overrides.av ?? buildAv(config, targetBytesFor(config.MEDIA_PROFILE, config.IMAGE_TARGET_BYTES), logger);
  // Video and audio are read up to VIDEO_MAX_INPUT_BYTES only where they are converted (on disk, not in memory).
  const avInput = av.converts ? { video: config.VIDEO_MAX_INPUT_BYTES, audio: config.VIDEO_MAX_INPUT_BYTES } : {};
  const limits = new Limits({
    profile: config.MEDIA_PROFILE,
    targetBytes: config.IMAGE_TARGET_BYTES,
    processedInputBytes: { image: config.IMAGE_MAX_INPUT_BYTES, ...avInput },
  });
  const images =
    overrides.images ??
    new SharpImages({
      targetBytes: limits.budgetBytes,
      maxDimension: config.IMAGE_MAX_DIMENSION,
      maxPixels: config.IMAGE_MAX_PIXELS,
      concurrency: imageConcurrency(config),
      queueLimit: config.IMAGE_QUEUE_LIMIT,
    });
  const metrics = new Metrics();
  metrics.gauge('mms_media_image_queue_depth', 'Images waiting for a decode slot.', () => images.stats?.().waiting ?? 0);
  metrics.gauge('mms_media_images_processing', 'Images being decoded and fitted now.', () => images.stats?.().active ?? 0);
  const blocks = new BlockPool({ keepBytes: POOL_KEEP_BYTES });
  metrics.gauge('mms_media_av_queue_depth', 'Videos and audio files waiting for a conversion slot.', () => av.stats?.().waiting ?? 0);
  metrics.gauge('mms_media_av_processing', 'Videos and audio files being converted now.', () => av.stats?.().active ?? 0);
  const media = new MediaService({ store, images, av, limits, sha256, logger, metrics, blocks, jobDeadlineMs: jobDeadlineMs(config, av.converts ? avSlots(config) : undefined) });
  const urls = buildUrlServices(config, { media, images, av }, overrides);
  return {
    media,
    ...urls,
    send: new SendService({ ...urls, media, sender: senderFor(config), logger, metrics }),
    store,
    directUploads: new DirectUploads({ store, media, sha256, logger, ...uploads }),
    corsOrigins: config.CORS_ORIGINS,
    logger,
    metrics,
    apiKeys: config.API_KEYS,
    ...(config.PUBLIC_BASE_URL_SET && { publicBaseUrl: config.PUBLIC_BASE_URL }),
    docs: swaggerUiFiles(),
    console: consoleFiles(config),
    idempotency: { records: idempotency, sha256 },
    resumable: buildTusUploads(config, logger, { locker: uploadLocker, ...overrides.tus }),
    limits: {
      bodyTimeoutMs: config.BODY_TIMEOUT_MS,
      maxConcurrentUploads: config.MAX_CONCURRENT_UPLOADS,
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    },
  };
}

/**
 * Video and audio: ffmpeg when it is found (and new enough), else the stand-in that lets only deliverable files
 * pass, with one warning saying how to install it.
 */
function buildAv(config: Config, budgetBytes: number, logger: Logger): AvProcessor {
  const tools = findFfmpeg({ ffmpeg: config.FFMPEG_PATH, ffprobe: config.FFPROBE_PATH });
  if ('problem' in tools) {
    logger.warn(`video and audio conversion is unavailable: ${tools.problem}. Install ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH; until then only deliverable MP4, 3GP, MP3, WAV and Ogg files are stored, as sent.`);
    return new NoAvProcessing({ budgetBytes, where: 'node' });
  }
  const cores = availableParallelism();
  const concurrency = avSlots(config);
  const av = new FfmpegAv({
    tools,
    budgetBytes,
    maxDimension: config.VIDEO_MAX_DIMENSION,
    maxInputSeconds: config.MEDIA_MAX_INPUT_SECONDS,
    // The cores shared out between the jobs that may run at once.
    threads: Math.max(1, Math.floor(cores / concurrency)),
    timeoutMs: config.MEDIA_PROCESS_TIMEOUT_MS,
    concurrency,
    // Probes are short single-threaded runs: one per core, so files kept as sent do not wait behind encodes.
    probeConcurrency: cores,
    queueLimit: config.MEDIA_QUEUE_LIMIT,
    workRoot: join(tmpdir(), 'mms-media-av'),
    logger,
  });
  av.sweep().then(
    (n) => n > 0 && logger.info('removed work folders a stopped process left behind', { folders: n }),
    (err: unknown) => logger.warn('could not sweep the video work folder', { error: (err as Error).message }),
  );
  return av;
}

type Uploads = Pick<DirectUploadsDeps, 'targets' | 'service' | 'createOnce'>;

/**
 * The store, and beside it idempotency records and the locks of resumable uploads (in memory for one local
 * instance, tus's own MemoryLocker; in the bucket for many) and where direct uploads go (a presigned PUT to S3, or
 * a URL this service signs and takes itself on local disk).
 */
function buildStorage(config: Config, logger: Logger): { store: MediaStore; idempotency: IdempotencyRecords; uploads: Uploads; uploadLocker?: Locker } {
  if (config.STORAGE_DRIVER !== 's3') {
    writableFolder(resolve(config.LOCAL_STORAGE_DIR));
    const store = new LocalStore(resolve(config.LOCAL_STORAGE_DIR), config.PUBLIC_BASE_URL);
    // One process owns the local disk: a secret of its own will do unless UPLOAD_SIGNING_SECRET is set.
    const urls = new SignedUploadUrls(signingSecret(config.UPLOAD_SIGNING_SECRET, false), config.PUBLIC_BASE_URL);
    keepDirectStagingSwept(join(resolve(config.LOCAL_STORAGE_DIR), DIRECT_STAGING_PREFIX), config.UPLOAD_EXPIRY_HOURS * 3_600_000, logger);
    return { store, idempotency: new MemoryIdempotencyRecords(), uploads: { targets: urls, service: { urls, writes: store } } };
  }
  const client = createS3Client({ region: config.S3_REGION, endpoint: config.S3_ENDPOINT, forcePathStyle: config.S3_FORCE_PATH_STYLE, logger });
  const bucket = config.S3_BUCKET!;
  const streamChunks = (chunks: readonly Uint8Array[]) => Readable.from(chunks);
  return {
    store: new S3Store({ client, bucket, publicBaseUrl: config.S3_PUBLIC_BASE_URL, urlTtlSeconds: config.MEDIA_URL_TTL_SECONDS, streamChunks }),
    idempotency: new S3IdempotencyRecords(client, bucket),
    uploads: { targets: new S3UploadTargets(client, bucket), createOnce: conditionalCreate(s3RecordBucket(client, bucket)) },
    uploadLocker: new BucketLocker(s3RecordBucket(client, bucket)),
  };
}

/** LOCAL_STORAGE_DIR, made if need be, must be writable: checked at start, where the operator can fix it, not at every upload. */
function writableFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new ConfigError(`LOCAL_STORAGE_DIR (${dir}) cannot be written (${(err as Error).message}): set it to a folder this user may write`);
  }
}

/** Conversions at once: MEDIA_CONCURRENCY, or half the cores (at least one). */
function avSlots(config: Config): number {
  return config.MEDIA_CONCURRENCY ?? Math.max(1, Math.floor(availableParallelism() / 2));
}
