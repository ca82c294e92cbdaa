import type { MiddlewareHandler } from 'hono';
import { AppError } from '../core/errors.js';
import { withDeadline } from '../core/streams.js';

/**
 * Bounds on work per request, so that no client can hold the service: a deadline for reading the body,
 * a cap on uploads in flight, and an optional per-key rate limit.
 */

/** Replaces the request body with one that fails (408) unless it has arrived within `ms`. */
export function bodyDeadline(ms: number): MiddlewareHandler {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const timed = withDeadline(body, ms, () =>
      new AppError(408, 'body_timeout', `The request body did not arrive within ${ms / 1000} s; send it again on a faster connection.`, {
        headers: { connection: 'close' },
      }),
    );
    c.req.raw = replaceBody(c.req.raw, timed.stream);
    try {
      await next();
    } finally {
      timed.finish();
    }
  };
}

/** A request with the same method, URL and headers and another body stream. */
export function replaceBody(request: Request, body: ReadableStream<Uint8Array>): Request {
  return new Request(request.url, { method: request.method, headers: request.headers, body, duplex: 'half', signal: request.signal } as RequestInit);
}

/** At most `max` requests of this kind at once; the next is told to come back (503), never queued unboundedly. */
export function concurrencyLimit(max: number): MiddlewareHandler & { inFlight: () => number } {
  let inFlight = 0;
  const handler: MiddlewareHandler = async (c, next) => {
    if (inFlight >= max) {
      throw new AppError(503, 'server_busy', `The service is handling ${max} uploads already; try again in a second.`, { headers: { 'retry-after': '1' } });
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
  return Object.assign(handler, { inFlight: () => inFlight });
}

/**
 * `perMinute` requests per API key in each clock minute (fixed windows), counted by this instance. Enough to
 * stop a runaway client; a fleet-wide limit belongs in the gateway in front.
 */
export function rateLimit(perMinute: number, now: () => number = Date.now): MiddlewareHandler {
  const windows = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    const who = c.req.header('x-api-key') ?? 'anonymous';
    const t = now();
    const start = t - (t % 60_000);
    let w = windows.get(who);
    if (!w || w.start !== start) {
      if (windows.size > 10_000) windows.clear(); // old windows of many keys: forget them all at once
      w = { start, count: 0 };
      windows.set(who, w);
    }
    if (++w.count > perMinute) {
      const retry = Math.ceil((start + 60_000 - t) / 1000);
      throw new AppError(429, 'rate_limited', `More than ${perMinute} request${perMinute === 1 ? '' : 's'} this minute for this API key; try again in ${retry} s.`, {
        headers: { 'retry-after': String(retry) },
      });
    }
    return next();
  };
}
