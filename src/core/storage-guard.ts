import { AppError, isAppError } from './errors.js';
import type { Body, Logger, MediaStore } from './ports.js';

/**
 * Wraps a store so that its failures reach callers as one clear 503 `storage_unavailable`, logged with the
 * cause, instead of a 500 with a stack trace. Errors that come from the upload body itself (a size limit,
 * a malformed form, a client that went away) pass through untouched: they are not the store's fault.
 */
export function guardStorage(store: MediaStore, logger: Logger): MediaStore {
  const unavailable = (op: string, err: unknown): AppError => {
    logger.error('storage operation failed', { op, error: (err as Error)?.message ?? String(err) });
    return new AppError(503, 'storage_unavailable', 'Storage cannot be reached right now; nothing was stored. Try again in a few seconds.', {
      headers: { 'retry-after': '5' },
      cause: err,
    });
  };
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
    publicUrl: guard('publicUrl', (key) => store.publicUrl(key)),
    get: guard('get', (key, range) => store.get(key, range)),
    delete: guard('delete', (key) => store.delete(key)),
    check: () => store.check(),
    async put(key, body, options) {
      const watched = watchBody(body);
      try {
        await store.put(key, watched.body, options);
      } catch (err) {
        if (isAppError(err) || (watched.failed && err === watched.error)) throw err;
        throw unavailable('put', err);
      }
    },
  };
}

/** Passes a body through, remembering whether it failed and with what. */
function watchBody(body: Body): { body: Body; failed: boolean; error?: unknown } {
  if (body instanceof Uint8Array) return { body, failed: false };
  const state: { body: Body; failed: boolean; error?: unknown } = { body, failed: false };
  const reader = body.getReader();
  state.body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await reader.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (error) {
        state.failed = true;
        state.error = error;
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return state;
}
