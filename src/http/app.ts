import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError, errorBody, isAppError } from '../core/errors.js';
import { unsupportedBody } from './bodies.js';
import { cors } from './cors.js';
import { DIRECT_UPLOAD_TTL_MS } from '../core/direct-uploads.js';
import type { AppDeps, AppEnv, RequestLimits } from './deps.js';
import { Metrics } from '../lib/metrics.js';
import { idempotency } from './idempotency.js';
import { bodyDeadline, concurrencyLimit, rateLimit } from './limits.js';
import { apiSecurityHeaders, observe } from './observability.js';
import { fileRoutes } from './routes/files.js';
import { healthRoutes } from './routes/health.js';
import { mediaRoutes } from './routes/media.js';
import { mmsRoutes } from './routes/mms.js';
import { preflightRoutes } from './routes/preflight.js';
import { SIGNED_PUT_PATH, directUploadRoutes } from './routes/uploads-direct.js';
import { tusRoutes } from './routes/uploads-tus.js';
import { defaultHook } from './validate.js';

/**
 * The whole HTTP API, runtime-neutral: the Node and Workers entries hand it their adapters. Its type (AppType)
 * carries every documented route, for Hono's typed client (hc).
 */
export function createApp(deps: AppDeps) {
  // Route groups inherit the hook: every schema failure becomes the one envelope, through onError.
  const app = new OpenAPIHono<AppEnv>({ defaultHook });
  const metrics = deps.metrics ?? new Metrics();
  const limits: RequestLimits = { bodyTimeoutMs: 30_000, maxConcurrentUploads: 64, ...deps.limits };

  app.onError((thrown, c) => {
    // zod-openapi refuses a body type its route does not declare before the route runs.
    const err = thrown instanceof HTTPException && thrown.status === 415 ? unsupportedBody(c.req.header('content-type')) : thrown;
    if (isAppError(err)) {
      for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
      c.set('errorCode', err.code);
      return c.json(errorBody(err), err.status as 400);
    }
    deps.logger.error('unhandled error', { method: c.req.method, path: c.req.path, error: (err as Error).stack ?? String(err) });
    return c.json(errorBody(new AppError(500, 'internal_error', 'Something went wrong on our side; the request was not completed. Try again.')), 500);
  });
  app.notFound((c) => c.json(errorBody(new AppError(404, 'not_found', `There is no ${c.req.method} ${c.req.path}; see /openapi.json.`)), 404));

  app.use('*', observe(deps.logger, metrics), apiSecurityHeaders());
  // Before the key is asked for: preflights carry none, and refusals need the CORS headers too.
  app.use('/v1/*', cors(deps.corsOrigins ?? []));
  // A signed direct-upload PUT carries no key: its URL's signature is checked instead (see DirectUploads.receive).
  app.use('/v1/*', requireApiKey(deps.apiKeys, (c) => c.req.method === 'PUT' && SIGNED_PUT_PATH.test(c.req.path)));
  if (limits.rateLimitPerMinute) app.use('/v1/*', rateLimit(limits.rateLimitPerMinute));
  const uploads = concurrencyLimit(limits.maxConcurrentUploads);
  metrics.gauge('mms_media_uploads_in_flight', 'Uploads, sends and URL checks being processed now.', uploads.inFlight);
  for (const path of ['/v1/media', '/v1/mms/send']) {
    app.post(path, uploads, bodyDeadline(limits.bodyTimeoutMs));
    if (deps.idempotency) app.post(path, idempotency(deps.idempotency.records, deps.idempotency.sha256, deps.media.limits.maxBodyBytes + 1_000_000, deps.logger));
  }
  app.post('/v1/media/preflight', uploads, bodyDeadline(limits.bodyTimeoutMs));
  // tus requests that carry bytes count as uploads; no body deadline: a cut-off PATCH is resumed, not lost.
  app.post('/v1/uploads', uploads);
  app.patch('/v1/uploads/:id', uploads);
  app.post('/v1/uploads/:id/complete', uploads);
  // A large file on a phone link may take its URL's whole lifetime to arrive, and no longer.
  app.put('/v1/uploads/direct/:id', uploads, bodyDeadline(DIRECT_UPLOAD_TTL_MS));
  const routes = app
    .route('/', preflightRoutes(deps))
    .route('/', mediaRoutes(deps))
    .route('/', mmsRoutes(deps))
    .route('/', directUploadRoutes(deps))
    .route('/', healthRoutes(deps))
    .route('/', fileRoutes(deps))
    .route('/', tusRoutes(deps));
  app.get('/metrics', (c) => c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));

  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'mms-media', version: '0.1.0', description: 'Hosts raw files behind carrier-fetchable URLs and sends them as MMS.' },
    security: deps.apiKeys.length ? [{ ApiKey: [] }] : [],
  });
  return routes;
}

/** The app's routes with their inputs and replies, for `hc<AppType>(baseUrl)` from `hono/client`. */
export type AppType = ReturnType<typeof createApp>;

function requireApiKey(keys: string[], exempt: (c: Context) => boolean): MiddlewareHandler {
  const encoder = new TextEncoder();
  const accepted = keys.map((k) => encoder.encode(k));
  return async (c, next) => {
    if (accepted.length === 0 || exempt(c)) return next();
    const given = c.req.header('x-api-key');
    if (!given) throw new AppError(401, 'missing_api_key', 'Send your API key in the X-API-Key header.');
    const bytes = encoder.encode(given);
    // Compare against every key, each in time independent of where the bytes differ.
    let ok = false;
    for (const key of accepted) ok = constantTimeEqual(bytes, key) || ok;
    if (!ok) throw new AppError(401, 'invalid_api_key', 'The API key in X-API-Key is not valid.');
    return next();
  };
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i % (a.length || 1)] ?? 0) ^ b[i]!;
  return diff === 0;
}
