import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/ports.js';

/**
 * With the local driver, what the bucket's lifecycle rule on `uploads/` does with S3: the files of direct uploads
 * that were never completed (their staged bytes, their ticket's record) are removed once older than `maxAgeMs`
 * (UPLOAD_EXPIRY_HOURS). Resumable uploads have @tus/server's own expiry. Returns how many files went.
 */
export async function sweepDirectStaging(folder: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  const names = await readdir(folder).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[]; // no direct upload yet
    throw err;
  });
  let removed = 0;
  for (const name of names) {
    const file = join(folder, name);
    const info = await stat(file).catch(() => null); // gone meanwhile: completed or removed by its upload
    if (!info?.isFile() || now - info.mtimeMs <= maxAgeMs) continue;
    await rm(file, { force: true });
    removed++;
  }
  return removed;
}

/** Sweeps at start, then every hour, in the background; a failure is logged and tried again next time. */
export function keepDirectStagingSwept(folder: string, maxAgeMs: number, logger: Logger): void {
  const sweep = () =>
    sweepDirectStaging(folder, maxAgeMs).then(
      (removed) => removed > 0 && logger.info('removed direct uploads never completed', { files: removed }),
      (err: unknown) => logger.warn('could not remove direct uploads never completed', { error: (err as Error)?.message ?? String(err) }),
    );
  void sweep();
  setInterval(sweep, 3_600_000).unref();
}
