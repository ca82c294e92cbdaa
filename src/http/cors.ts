import type { MiddlewareHandler } from 'hono';

/** What browsers may send: the API key, JSON, the tus headers, and the service's own request headers. */
const ALLOWED_HEADERS =
  'X-API-Key, Content-Type, Tus-Resumable, Upload-Length, Upload-Offset, Upload-Metadata, Upload-Concat, Upload-Defer-Length, Idempotency-Key, Prefer';
/** What scripts may read besides the basic headers: where an upload is, how far it got, and when to retry. */
const EXPOSED_HEADERS = 'Location, Upload-Offset, Upload-Length, Tus-Resumable, Upload-Expires, Retry-After, X-Request-Id';
const METHODS = 'GET, POST, PUT, PATCH, HEAD, DELETE, OPTIONS';
/** Browsers cache a preflight this long (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE = '7200';

/**
 * CORS for /v1/* (CORS_ORIGINS): the one place that decides the Access-Control-* headers. It answers preflights
 * itself, before the API key is asked for (browsers never send it on a preflight), and sets the headers on every
 * other reply, errors included, after removing any a handler set (@tus/server sets its own), so that an origin
 * not listed gets none. `*` allows any origin; keys travel in X-API-Key, never as cookies, so no credentials mode.
 */
export function cors(origins: readonly string[]): MiddlewareHandler {
  const any = origins.includes('*');
  const allowedOrigin = (origin: string | undefined) => (origin === undefined ? undefined : any ? '*' : origins.includes(origin) ? origin : undefined);
  return async (c, next) => {
    const allowed = allowedOrigin(c.req.header('origin'));
    if (c.req.method === 'OPTIONS' && c.req.header('origin') && c.req.header('access-control-request-method')) {
      const headers = new Headers({ vary: 'Origin' });
      if (allowed) {
        headers.set('access-control-allow-origin', allowed);
        headers.set('access-control-allow-methods', METHODS);
        headers.set('access-control-allow-headers', ALLOWED_HEADERS);
        headers.set('access-control-max-age', PREFLIGHT_MAX_AGE);
      }
      return c.body(null, { status: 204, headers });
    }
    await next();
    // A copy with headers of its own: a handler's reply may carry immutable ones.
    const res = new Response(c.res.body, c.res);
    for (const name of [...res.headers.keys()]) if (name.startsWith('access-control-')) res.headers.delete(name);
    if (origins.length > 0 && !any) res.headers.append('vary', 'Origin');
    if (allowed) {
      res.headers.set('access-control-allow-origin', allowed);
      res.headers.set('access-control-expose-headers', EXPOSED_HEADERS);
    }
    c.res = undefined; // otherwise Hono copies the replaced reply's headers back onto this one
    c.res = res;
  };
}
