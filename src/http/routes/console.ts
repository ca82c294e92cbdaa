import { Hono, type Context } from 'hono';
import { AppError } from '../../core/errors.js';
import type { AppDeps, AppEnv, ConsoleDeps } from '../deps.js';

/** Served files are flat names from the console's own list: no folders, so no path can reach anything else. */
const FILE_NAME = /^[a-z0-9-]+(\.min)?\.(html|js|css|svg)$/;
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/**
 * The agent console: the page at `/`, its files under `/console/`, and `/console/settings.json` (the delivery
 * budget, which the page compares results with). Public like the page itself; every action it takes goes through
 * /v1 with the key the agent types. Without console files (Workers) `/` says where the console is.
 */
export function consoleRoutes(deps: Pick<AppDeps, 'console' | 'media'>) {
  const routes = new Hono<AppEnv>();
  const files = deps.console;
  if (!files) {
    return routes.get('/', () => {
      throw new AppError(404, 'console_unavailable', 'The console is served by the Node service only; this deployment answers the API (see /openapi.json).');
    });
  }
  const policy = contentSecurityPolicy(files);
  const serve = (c: Context<AppEnv>, name: string) => {
    const body = FILE_NAME.test(name) ? files.file(name) : undefined;
    if (!body) throw new AppError(404, 'not_found', `The console has no file named ${name}.`);
    return c.body(body as Uint8Array<ArrayBuffer>, 200, {
      'content-type': TYPES[name.slice(name.lastIndexOf('.') + 1)]!,
      'content-security-policy': policy,
      // Small files that change with the service: always revalidated, never a stale page after an upgrade.
      'cache-control': 'no-cache',
    });
  };
  return routes
    .get('/', (c) => serve(c, 'index.html'))
    .get('/console/settings.json', (c) =>
      c.json({ budget_bytes: deps.media.limits.budgetBytes }, 200, { 'content-security-policy': policy, 'cache-control': 'no-cache' }),
    )
    .get('/console/:name', (c) => serve(c, c.req.param('name')));
}

/**
 * Scripts only from the service (no inline script, no eval); previews from the service, from the page's own
 * blob: URLs (the original file, before upload) and from wherever hosted files live (a bucket's origin);
 * requests only to the service (and its public address, where tus upload URLs point).
 */
export function contentSecurityPolicy(files: Pick<ConsoleDeps, 'mediaOrigins' | 'apiOrigins'>): string {
  const media = ["'self'", 'blob:', ...files.mediaOrigins].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${media}`,
    `media-src ${media}`,
    `connect-src ${["'self'", ...files.apiOrigins].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
