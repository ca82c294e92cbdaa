import { join, resolve } from 'node:path';
import type { Locker } from '@tus/server';
import type { Config } from '../../config.js';
import { TUS_STAGING_PREFIX } from '../../core/keys.js';
import { IDLE_SOCKETS_CLOSED } from '../s3-store.js';
import type { Logger } from '../../core/ports.js';
import { StagingFileStore, StagingS3Store, type StagingStore } from './stores.js';
import { TusUploads } from './server.js';

export { TusUploads } from './server.js';

/** S3's smallest part but the last: every full part @tus/s3-store sends is at least this. */
const PART_BYTES = 5 * 1024 * 1024;

export interface TusUploadsOptions {
  /** Replaces the one-process default (@tus/server's MemoryLocker): instances sharing a bucket need one they share. */
  locker?: Locker;
  /** How long an unfinished upload is kept; default UPLOAD_EXPIRY_HOURS (tests make it seconds). */
  expiryMs?: number;
}

/**
 * Resumable uploads (tus) for the Node entry, staged where the media live: a folder of the media folder (never
 * served: only media ids are) or the bucket's staging prefix.
 */
export function buildTusUploads(config: Config, logger: Logger, options: TusUploadsOptions = {}): TusUploads {
  const expiry = options.expiryMs ?? config.UPLOAD_EXPIRY_HOURS * 3_600_000;
  const local = config.STORAGE_DRIVER !== 's3';
  const datastore: StagingStore = local ? new StagingFileStore(join(resolve(config.LOCAL_STORAGE_DIR), 'uploads', 'tus'), expiry) : s3Staging(config, expiry);
  return new TusUploads({ datastore, prefix: local ? '' : TUS_STAGING_PREFIX, inMediaBucket: !local, publicBaseUrl: config.PUBLIC_BASE_URL, locker: options.locker, logger });
}

/** Exported for bench:load, which runs @tus/server alone on the same store. */
export function s3Staging(config: Config, expiry: number): StagingS3Store {
  return new StagingS3Store(TUS_STAGING_PREFIX, {
    partSize: PART_BYTES,
    expirationPeriodInMilliseconds: expiry,
    // Object tags (which @tus/s3-store would use to mark unfinished uploads) are not on every S3-compatible store (R2).
    useTags: false,
    s3ClientConfig: {
      bucket: config.S3_BUCKET!,
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      // As the media store's client (see createS3Client): an unreachable or hung store fails the request within
      // seconds, instead of holding a finished upload's processing turn for good. No cap on a whole request: a
      // part is 5 MiB.
      requestHandler: { connectionTimeout: 2_000, socketTimeout: 4_000, ...IDLE_SOCKETS_CLOSED },
      // As the media store's client (see createS3Client): checksums only where an operation requires one.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      ...(config.S3_ENDPOINT && { responseChecksumValidation: 'WHEN_REQUIRED' as const }),
    },
  });
}
