import { Hono } from 'hono';
import { parseRangeHeader } from '../../core/byte-range.js';
import { AppError } from '../../core/errors.js';
import { MEDIA_ID } from '../../core/keys.js';
import type { AppDeps, AppEnv } from '../deps.js';

/**
 * Serves hosted files when the store has no public URL of its own (local disk). No key needed: carriers
 * fetch anonymously, and the 128-bit id in the key is what keeps a file private. Answers HEAD and Range,
 * as gateways probe with both, and marks every file as inert data: never sniffed, never run as script.
 */
export function fileRoutes(deps: Pick<AppDeps, 'store'>) {
  return new Hono<AppEnv>().get('/media/:key', async (c) => {
    const key = c.req.param('key');
    const range = parseRangeHeader(c.req.header('range'));
    const found = deps.store.servedByApp && MEDIA_ID.test(key) ? await deps.store.get(key, range) : null;
    if (!found) throw new AppError(404, 'not_found', 'No file at this address: it may have been deleted.');

    const headers = new Headers({
      'content-type': found.contentType,
      etag: found.etag,
      'accept-ranges': 'bytes',
      'cache-control': 'public, max-age=86400',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'content-disposition': `inline; filename="${found.filename ?? key}"`,
    });
    const fresh = c.req.header('if-none-match') === found.etag;
    const unsatisfiable = found.range !== undefined && found.range.start >= found.size;
    if (c.req.method === 'HEAD' || fresh || unsatisfiable) await found.body.cancel();
    if (fresh) return new Response(null, { status: 304, headers });
    if (unsatisfiable) {
      headers.set('content-range', `bytes */${found.size}`);
      return new Response(null, { status: 416, headers });
    }
    if (found.range) {
      headers.set('content-range', `bytes ${found.range.start}-${found.range.end}/${found.size}`);
      headers.set('content-length', String(found.range.end - found.range.start + 1));
      return new Response(c.req.method === 'HEAD' ? null : found.body, { status: 206, headers });
    }
    headers.set('content-length', String(found.size));
    return new Response(c.req.method === 'HEAD' ? null : found.body, { status: 200, headers });
  });
}
