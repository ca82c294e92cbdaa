import { availableParallelism } from 'node:os';
import type { Config } from '../config.js';
import { BACKGROUND_JOBS_AT_ONCE } from '../core/media-jobs.js';

/**
 * Free pooled blocks kept between uploads (see BlockPool). The pool never holds more, free and in use together,
 * than the uploads in flight needed at their peak; this caps only what it keeps after a burst. At 32 clients
 * with the load bench's non-image files, ~40 MiB of blocks were in flight at most.
 */
export const POOL_KEEP_BYTES = 64 * 1024 * 1024;

/** Images decoded at once: one per core unless set (more only adds memory, not speed). */
export function imageConcurrency(config: Pick<Config, 'IMAGE_CONCURRENCY'>): number {
  return config.IMAGE_CONCURRENCY ?? availableParallelism();
}

/**
 * What bounds the memory the service's own work holds, each term a limit it enforces; docs/performance.md
 * (Memory) has the whole formula, with the runtime's share and measured figures.
 *
 * - Files held: at most MAX_CONCURRENT_UPLOADS uploads at once, and BACKGROUND_JOBS_AT_ONCE finished resumable uploads
 *   processed in the background, each no larger than the largest file accepted, each held once: in pooled blocks
 *   while it arrives, is checked and stored or waits for a decode slot, then (an image) in the one array its
 *   decoder reads, which gives the blocks back.
 * - Decodes: IMAGE_CONCURRENCY images at once, none over IMAGE_MAX_PIXELS.
 * - Kept blocks: POOL_KEEP_BYTES.
 */
export function memoryBound(config: Config, largestFileBytes: number) {
  const MB = 1_000_000;
  return {
    uploads_at_once: config.MAX_CONCURRENT_UPLOADS,
    background_uploads_at_once: BACKGROUND_JOBS_AT_ONCE,
    largest_file_mb: largestFileBytes / MB,
    files_held_mb: ((config.MAX_CONCURRENT_UPLOADS + BACKGROUND_JOBS_AT_ONCE) * largestFileBytes) / MB,
    decodes_at_once: imageConcurrency(config),
    megapixels_per_decode: config.IMAGE_MAX_PIXELS / MB,
    kept_blocks_mib: POOL_KEEP_BYTES / 2 ** 20,
  };
}
