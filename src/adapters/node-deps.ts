import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { MediaService } from '../core/media-service.js';
import { MmsService } from '../core/mms-service.js';
import type { Hasher, ImageProcessor, Logger, MediaStore, MmsSender } from '../core/ports.js';
import type { AppDeps } from '../http/app.js';
import { LocalStore } from './local-store.js';
import { PassthroughImages } from './passthrough-images.js';
import { S3Store, createS3Client } from './s3-store.js';
import { DryRunSender, TeliSender } from './teli-sender.js';

/** Builds every adapter the Node entry needs from validated config. */
export function buildNodeDeps(config: Config, logger: Logger, overrides: { images?: ImageProcessor } = {}): AppDeps {
  const store = buildStore(config);
  const sender: MmsSender = config.TELI_API_KEY
    ? new TeliSender({ baseUrl: config.TELI_API_BASE_URL, apiKey: config.TELI_API_KEY, timeoutMs: config.TELI_TIMEOUT_MS })
    : new DryRunSender();
  const media = new MediaService({
    store,
    images: overrides.images ?? new PassthroughImages(),
    sha256: nodeSha256,
    clock: { now: () => new Date() },
    logger,
  });
  return { media, mms: new MmsService({ sender, logger }), store, logger, apiKeys: config.API_KEYS };
}

function buildStore(config: Config): MediaStore {
  if (config.STORAGE_DRIVER === 'local') return new LocalStore(resolve(config.LOCAL_STORAGE_DIR), config.PUBLIC_BASE_URL);
  const client = createS3Client({ region: config.S3_REGION, endpoint: config.S3_ENDPOINT, forcePathStyle: config.S3_FORCE_PATH_STYLE });
  return new S3Store({ client, bucket: config.S3_BUCKET!, publicBaseUrl: config.S3_PUBLIC_BASE_URL, urlTtlSeconds: config.MEDIA_URL_TTL_SECONDS });
}

export function nodeSha256(): Hasher {
  const hash = createHash('sha256');
  return { update: (chunk) => void hash.update(chunk), digestHex: () => hash.digest('hex') };
}
