import type { Config } from '../config.js';
import { DIRECT_UPLOAD_TTL_MS } from '../core/direct-uploads.js';

/**
 * Node's own limits on a request, standing behind the app's. Its head must arrive within HEADERS_TIMEOUT_MS. The
 * whole request may last as long as the longest body the service takes on purpose: a direct upload's PUT, which
 * may use its URL's whole lifetime (a large file on a phone link). Other bodies have their own, shorter deadline in
 * the app (BODY_TIMEOUT_MS: 408 body_timeout); a tus PATCH has none (a cut one is resumed) and ends here at the
 * latest, its connection closed, which tus clients resume from like any cut.
 */
export function serverTimeouts(config: Pick<Config, 'HEADERS_TIMEOUT_MS'>): { headersTimeout: number; requestTimeout: number } {
  return { headersTimeout: config.HEADERS_TIMEOUT_MS, requestTimeout: config.HEADERS_TIMEOUT_MS + DIRECT_UPLOAD_TTL_MS + 5_000 };
}
