import { AppError, isAppError } from './errors.js';
import type { Logger, MediaStore } from './ports.js';

/**
 * Wraps a store so that its failures reach callers as one clear 503 `storage_unavailable`, logged with the
 * cause, instead of a 500 with a stack trace. A store is only handed whole, checked files, so whatever fails
 * inside it is the store's fault.
 */
export function guardStorage(store: MediaStore, logger: Logger): MediaStore {
  const unavailable = (op: string, err: unknown) => storageUnavailable(op, err, logger);
  const guard =
    <A extends unknown[], R>(op: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        throw isAppError(err) ? err : unavailable(op, err);
      }
    };

  return {
    servedByApp: store.servedByApp,
    put: guard('put', (key, content, options) => store.put(key, content, options)),
    // Not turned into 503: a copy that fails is replaced by a put of the same bytes (see MediaService.save).
    copy: store.copy && ((from, key, options) => store.copy!(from, key, options)),
    publicUrl: guard('publicUrl', (key) => store.publicUrl(key)),
    head: guard('head', (key) => store.head(key)),
    get: guard('get', (key, range) => store.get(key, range)),
    delete: guard('delete', (key) => store.delete(key)),
    check: () => store.check(),
  };
}

/** A store's failure as callers hear it (503 `storage_unavailable`), logged with its cause. */
export function storageUnavailable(op: string, err: unknown, logger: Logger): AppError {
  logger.error('storage operation failed', { op, error: (err as Error)?.message ?? String(err) });
  return new AppError(503, 'storage_unavailable', 'Storage cannot be reached right now; nothing was stored. Try again in a few seconds.', {
    headers: { 'retry-after': '5' },
    cause: err,
  });
}
