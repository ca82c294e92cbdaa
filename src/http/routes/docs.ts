import { Hono } from 'hono';
import { AppError } from '../../core/errors.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { DOCS_CSP, DOCS_PAGE, DOCS_SCRIPT, JAVASCRIPT, RENDERER_FILES, type RendererFile } from '../docs-page.js';

/**
 * The API reference page (/docs) and the files it loads, all from the service: no CDN, works offline. Not part of
 * /openapi.json (it is a page about it). Where the renderer's files are not available (Workers), /docs answers 404
 * with a sentence pointing at /openapi.json.
 */
export function docsRoutes(deps: Pick<AppDeps, 'docs'>) {
  const routes = new Hono<AppEnv>();
  const { docs } = deps;
  if (!docs) {
    const unavailable = () => {
      throw new AppError(404, 'docs_unavailable', 'This deployment does not serve the API reference page; the API document is at /openapi.json, and any OpenAPI viewer opens it.');
    };
    return routes.get('/docs', unavailable).get('/docs/*', unavailable);
  }
  // Every reply here is a page or a file of one: its own CSP, never framed; revalidated on each visit (no-cache).
  const headers = (type: string) => ({
    'content-type': type,
    'content-security-policy': DOCS_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  const etag = `"swagger-ui-dist@${docs.version}"`;
  return routes
    .get('/docs', (c) => c.body(DOCS_PAGE, 200, headers('text/html; charset=utf-8')))
    .get('/docs/docs.js', (c) => c.body(DOCS_SCRIPT, 200, headers(JAVASCRIPT)))
    .get('/docs/:file{swagger-ui-bundle\\.js|swagger-ui\\.css}', async (c) => {
      const name = c.req.param('file') as RendererFile;
      const type = RENDERER_FILES[name];
      // The renderer's files change only with its version: a browser that has them gets 304.
      if (c.req.header('if-none-match') === etag) return c.body(null, 304, { ...headers(type), etag });
      const file = await docs.read(name);
      const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
      const sent: Record<string, string> = { ...headers(type), etag, vary: 'accept-encoding' };
      if (gzip) sent['content-encoding'] = 'gzip';
      return c.body(gzip ? file.gzip : file.body, 200, sent);
    });
}
