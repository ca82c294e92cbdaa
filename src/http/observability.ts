import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.js';
import type { Metrics } from '../lib/metrics.js';
import type { Logger } from '../core/ports.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** A media id is what keeps a file private (it is the URL's secret): logs show `:id` in its place. */
const MEDIA_ID_IN_PATH = /(\/)[A-Za-z0-9_-]{22}(\.[a-z0-9]{3,4})?(?=\/|$)/g;

/** What a route can add to its request's log line and metrics (set with `c.set('media', …)`). */
export interface LoggedMedia {
  kind: string;
  size: number;
}

/**
 * One JSON log line and one metrics sample per request, with a request id (X-Request-Id accepted when it is
 * plain, else made up, and always returned). Only the path is logged, with media ids masked: query strings
 * can hold presigned signatures, headers hold keys, and an id is as good as the file, so none is written.
 */
export function observe(logger: Logger, metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.header('x-request-id', id);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routeOf(c);
    metrics.requests.inc({ route, method: c.req.method, status: c.res.status });
    metrics.requestSeconds.observe(seconds, { route });
    const media = c.get('media');
    const line = {
      request_id: id,
      method: c.req.method,
      path: c.req.path.replace(MEDIA_ID_IN_PATH, '$1:id'),
      status: c.res.status,
      latency_ms: Math.round(seconds * 1000),
      ...(media && { media_kind: media.kind, media_size: media.size }),
      ...(c.res.status >= 400 && { code: c.get('errorCode') }),
    };
    if (c.res.status >= 500) logger.warn('request failed', line);
    else logger.info('request', line);
  };
}

/** The matched route pattern (`/v1/media/:id`), so metrics do not grow a series per id. */
function routeOf(c: Context<AppEnv>): string {
  const path = c.req.routePath;
  return path && path !== '/*' ? path : 'unmatched';
}

/**
 * Headers for API replies: inert JSON, never cached, never framed, no referrer leaked. Hosted files (routes/files.ts) set
 * their own; pages (the console, routes/console.ts; the reference page, routes/docs.ts) their own policy and caching.
 */
export function apiSecurityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.req.path.startsWith('/media/') || c.res.headers.has('content-security-policy')) return;
    c.header('x-content-type-options', 'nosniff');
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'no-referrer');
    // A page (the console) sets its own policy and caching; everything else is an API reply.
    if (c.res.headers.has('content-security-policy')) return;
    c.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    c.header('cache-control', 'no-store');
  };
}

/** Adds the hosted file's kind and size to this request's log line. */
export function noteMedia(c: Context<AppEnv>, media: LoggedMedia | undefined): void {
  if (media) c.set('media', { kind: media.kind, size: media.size });
}
