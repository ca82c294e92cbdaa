import { jsonLogger } from '../adapters/json-logger.js';
import { buildWorkerDeps, type WorkerBindings } from './deps.js';
import { ConfigError, parseConfig } from '../config.js';
import { AppError, errorBody } from '../core/errors.js';
import { createApp } from '../http/app.js';
import type { ExecutionContext } from 'hono';

/**
 * The Cloudflare Workers entry: vars and secrets go through the same zod config as on Node, bindings
 * (MEDIA_BUCKET, IMAGES) are checked, and the app is built once per isolate (per public origin, when
 * PUBLIC_BASE_URL is not set and the worker derives it from the request). A bad var or binding answers every
 * request with a 500 in the usual envelope, naming it; nothing is cached until the configuration is good.
 */
export type WorkerEnv = WorkerBindings & Record<string, unknown>;

interface Built {
  fetch(request: Request, env?: unknown, ctx?: ExecutionContext): Response | Promise<Response>;
}

const built = new WeakMap<object, Map<string, Promise<Built>>>();
const MAX_ORIGINS = 8;

export default {
  /** `ctx` keeps the isolate for work that goes on after the answer (Prefer: respond-async uploads). */
  async fetch(request: Request, env: WorkerEnv, ctx?: ExecutionContext): Promise<Response> {
    let app: Built;
    try {
      app = await appFor(request, env);
    } catch (err) {
      return misconfigured(err, env);
    }
    return app.fetch(request, undefined, ctx);
  },
};

function appFor(request: Request, env: WorkerEnv): Promise<Built> {
  const vars = stringVars(env);
  const url = new URL(request.url);
  // On Workers the public origin is the one the request came in on, unless PUBLIC_BASE_URL says otherwise;
  // and "loopback HOST" (where API_KEYS may stay unset) means the request was made to localhost (wrangler dev).
  // An empty PUBLIC_BASE_URL (`PUBLIC_BASE_URL=` in .dev.vars) is unset, as parseConfig treats every empty variable.
  const record = { ...vars, HOST: url.hostname, PUBLIC_BASE_URL: vars.PUBLIC_BASE_URL?.trim() || url.origin };
  const key = `${record.HOST}\n${record.PUBLIC_BASE_URL}`;
  let perEnv = built.get(env);
  if (!perEnv) built.set(env, (perEnv = new Map()));
  const cached = perEnv.get(key);
  if (cached) return cached;
  const building = build(record, env);
  if (perEnv.size >= MAX_ORIGINS) perEnv.delete(perEnv.keys().next().value!);
  perEnv.set(key, building);
  building.catch(() => perEnv.delete(key)); // a bad configuration is read again on the next request
  return building;
}

async function build(record: Record<string, string>, env: WorkerEnv): Promise<Built> {
  const config = parseConfig(record, { runtime: 'workers' });
  const logger = jsonLogger(config.LOG_LEVEL);
  let app: Built | undefined;
  const self = { origin: new URL(config.PUBLIC_BASE_URL).origin, handle: async (req: Request) => app!.fetch(req) };
  const deps = await buildWorkerDeps(config, env, logger, { self });
  app = createApp(deps);
  return app;
}

/**
 * The vars as text for parseConfig. wrangler hands `[vars]` written as TOML numbers or booleans (`RATE_LIMIT_PER_MINUTE
 * = 60`) to the worker as numbers and booleans: they are settings too, read as their text, not skipped.
 * Bindings (objects) are not vars.
 */
function stringVars(env: WorkerEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = String(value);
  }
  return out;
}

function misconfigured(err: unknown, env: WorkerEnv): Response {
  const logger = jsonLogger(typeof env.LOG_LEVEL === 'string' && /^(debug|info|warn|error)$/.test(env.LOG_LEVEL) ? (env.LOG_LEVEL as 'info') : 'info');
  if (err instanceof ConfigError) {
    const message = err.message.replace(/^API_KEYS must be set when HOST \(([^)]*)\) is not a loopback address/, 'API_KEYS must be set (wrangler secret put API_KEYS) when the worker is reached at $1 rather than on localhost');
    logger.error('invalid configuration', { error: message });
    const body = errorBody(new AppError(500, 'invalid_configuration', `The service is misconfigured: ${message.replace(/\.?$/, '.')}`));
    return Response.json(body, { status: 500 });
  }
  logger.error('worker failed to start', { error: (err as Error)?.stack ?? String(err) });
  return Response.json(errorBody(new AppError(500, 'internal_error', 'Something went wrong on our side; the request was not completed. Try again.')), { status: 500 });
}
