import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Config } from '../config.js';
import { BlockPool } from '../core/block-pool.js';
import { MemoryIdempotencyRecords, type IdempotencyRecords } from '../core/idempotency.js';
import { MediaService } from '../core/media-service.js';
import { Metrics } from '../lib/metrics.js';
import { Limits } from '../core/policy.js';
import { SendService } from '../core/send-service.js';
import type { ImageProcessor, Logger, MediaStore } from '../core/ports.js';
import type { AppDeps } from '../http/deps.js';
import { LocalStore } from '../adapters/local-store.js';
import { POOL_KEEP_BYTES, imageConcurrency } from './memory.js';
import { buildUrlServices, type UrlServiceOverrides } from './url-services.js';
import { sha256 } from '../adapters/sha256.js';
import { SharpImages } from '../adapters/sharp/index.js';
import { S3IdempotencyRecords } from '../adapters/s3-idempotency.js';
import { S3Store, createS3Client } from '../adapters/s3-store.js';
import { senderFor } from '../adapters/teli-sender.js';

/** Builds every adapter the Node entry needs from validated config. */
export function buildNodeDeps(config: Config, logger: Logger, overrides: { images?: ImageProcessor } & UrlServiceOverrides = {}): AppDeps {
  const { store, idempotency } = buildStorage(config, logger);
  const limits = new Limits({
    profile: config.IMAGE_PROFILE,
    targetBytes: config.IMAGE_TARGET_BYTES,
    processedInputBytes: { image: config.IMAGE_MAX_INPUT_BYTES },
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
  const media = new MediaService({ store, images, limits, sha256, logger, metrics, blocks });
  const urls = buildUrlServices(config, { media, images }, overrides);
  return {
    media,
    ...urls,
    send: new SendService({ ...urls, media, sender: senderFor(config), logger, metrics }),
    store,
    logger,
    metrics,
    apiKeys: config.API_KEYS,
    idempotency: { records: idempotency, sha256 },
    limits: {
      bodyTimeoutMs: config.BODY_TIMEOUT_MS,
      maxConcurrentUploads: config.MAX_CONCURRENT_UPLOADS,
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    },
  };
}

/** The store, and idempotency records beside it: in memory for one local instance, in the bucket for many. */
function buildStorage(config: Config, logger: Logger): { store: MediaStore; idempotency: IdempotencyRecords } {
  if (config.STORAGE_DRIVER !== 's3') {
    return { store: new LocalStore(resolve(config.LOCAL_STORAGE_DIR), config.PUBLIC_BASE_URL), idempotency: new MemoryIdempotencyRecords() };
  }
  const client = createS3Client({ region: config.S3_REGION, endpoint: config.S3_ENDPOINT, forcePathStyle: config.S3_FORCE_PATH_STYLE, logger });
  const bucket = config.S3_BUCKET!;
  const streamChunks = (chunks: readonly Uint8Array[]) => Readable.from(chunks);
  return {
    store: new S3Store({ client, bucket, publicBaseUrl: config.S3_PUBLIC_BASE_URL, urlTtlSeconds: config.MEDIA_URL_TTL_SECONDS, streamChunks }),
    idempotency: new S3IdempotencyRecords(client, bucket),
  };
}
