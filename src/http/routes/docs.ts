import { Hono, type Context } from 'hono';
import { AppError } from '../../core/errors.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { DOCS_CSP, DOCS_PAGE, DOCS_SCRIPT, RENDERER_FILES, type RendererFile } from '../docs-page.js';

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
  const page = (c: Context, body: string | Uint8Array<ArrayBuffer>, type: string, cache: string) =>
    c.body(body, 200, {
      'content-type': type,
      'content-security-policy': DOCS_CSP,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': cache,
    });
  const etag = `"swagger-ui-dist@${docs.version}"`;
  return routes
    .get('/docs', (c) => page(c, DOCS_PAGE, 'text/html; charset=utf-8', 'no-cache'))
    .get('/docs/docs.js', (c) => page(c, DOCS_SCRIPT, RENDERER_FILES['swagger-ui-bundle.js'], 'no-cache'))
    .get('/docs/:file{swagger-ui-bundle\\.js|swagger-ui\\.css}', async (c) => {
      const name = c.req.param('file') as RendererFile;
      // The renderer's files change only with its version: revalidated, never sent twice.
      if (c.req.header('if-none-match') === etag) return c.body(null, 304, { etag, 'cache-control': 'no-cache' });
      const file = await docs.read(name);
      const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
      c.header('etag', etag);
      c.header('vary', 'accept-encoding');
      if (gzip) c.header('content-encoding', 'gzip');
      return page(c, gzip ? file.gzip : file.body, RENDERER_FILES[name], 'no-cache');
    });
}
