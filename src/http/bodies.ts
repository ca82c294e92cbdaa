import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../core/errors.js';
import { contentLength } from '../core/http-values.js';
import { concat } from '../core/streams.js';
import type { AppEnv } from './deps.js';
import { replaceBody } from './limits.js';

/** JSON requests are small (a URL and a few fields): anything larger is refused, never held. */
const MAX_JSON_BYTES = 64 * 1024;

/** The media types Hono's validator reads as JSON (application/json, application/…+json, any parameters). */
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

function isJsonBody(contentType: string | undefined): boolean {
  return JSON_TYPE.test(contentType?.split(';')[0]!.trim() ?? '');
}

/**
 * Route middleware for JSON bodies, before the route's validator reads them: the body is read here up to
 * MAX_JSON_BYTES (the validator would read any size), and text that is not JSON is `invalid_json`. Errors of the
 * body itself (a 408 body deadline, say) pass through as they are. Other bodies are left alone.
 */
export const boundedJson: MiddlewareHandler = async (c, next) => {
  if (!isJsonBody(c.req.header('content-type'))) return next();
  const text = new TextDecoder().decode(await readBounded(c.req.raw));
  try {
    JSON.parse(text);
  } catch {
    throw new AppError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  c.req.raw = replaceBody(c.req.raw, new Response(text).body!);
  return next();
};

async function readBounded(request: Request): Promise<Uint8Array> {
  const tooLarge = () => new AppError(413, 'body_too_large', `A JSON request body may be at most ${MAX_JSON_BYTES / 1024} KB.`);
  if ((contentLength(request.headers) ?? 0) > MAX_JSON_BYTES) {
    await request.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      total += r.value.length;
      if (total > MAX_JSON_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(r.value);
    }
  }
  return concat(chunks);
}

/**
 * Route middleware for routes that take JSON or a file. A file is a stream zod cannot read: such a request goes to
 * `upload`, which answers it before the route's validators run (they would buffer it) and so checks the query
 * itself, with the route's schema. JSON goes on to the validators and the handler.
 */
export function filesTo(upload: (c: Context<AppEnv>) => Promise<Response>): MiddlewareHandler<AppEnv> {
  return async (c, next) => (isJsonBody(c.req.header('content-type')) ? next() : upload(c));
}

/** For a body type a route does not declare (zod-openapi refuses it before the route runs). */
export function unsupportedBody(contentType: string | undefined): AppError {
  const given = contentType ? `Content-Type ${contentType}` : 'a body without a Content-Type';
  return new AppError(415, 'unsupported_content_type', `This request takes JSON (Content-Type: application/json), not ${given}.`);
}
