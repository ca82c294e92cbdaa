import type { Config } from '../config.js';
import { DIRECT_UPLOAD_TTL_MS } from '../core/direct-uploads.js';

/**
 * Node's own limits on a request, standing behind the app's. Its head must arrive within HEADERS_TIMEOUT_MS. The
 * whole request may last as long as the longest body this service takes on purpose. With the local driver that is
 * a direct upload's PUT, which may use its URL's whole lifetime (a large file on a phone link); with S3 those PUTs
 * go to the bucket, and the longest is a body within BODY_TIMEOUT_MS (the app's own deadline answers 408 first).
 * A tus PATCH has no deadline of its own (a cut one is resumed) and ends here at the latest, its connection
 * closed, which tus clients resume from like any cut.
 */
export function serverTimeouts(config: Pick<Config, 'HEADERS_TIMEOUT_MS' | 'BODY_TIMEOUT_MS' | 'STORAGE_DRIVER'>): { headersTimeout: number; requestTimeout: number } {
  const longestBody = config.STORAGE_DRIVER === 's3' ? config.BODY_TIMEOUT_MS : DIRECT_UPLOAD_TTL_MS;
  return { headersTimeout: config.HEADERS_TIMEOUT_MS, requestTimeout: config.HEADERS_TIMEOUT_MS + longestBody + 5_000 };
}
