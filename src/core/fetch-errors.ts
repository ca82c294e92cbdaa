import { AppError, formatBytes } from './errors.js';

/** The refusals every GuardedFetcher gives, worded once for Node and Workers alike. */

export function urlTimeout(url: URL): AppError {
  return new AppError(422, 'url_timeout', `${url.host} did not deliver in time; the fetch was stopped.`);
}

/** `maxBytes` is the cap plus one, as callers pass it (reading one byte past the limit proves it is passed). */
export function urlTooLarge(url: URL, maxBytes: number): AppError {
  return new AppError(413, 'file_too_large', `The file at ${url.host} is larger than ${formatBytes(maxBytes - 1)}; it was not read further.`);
}
