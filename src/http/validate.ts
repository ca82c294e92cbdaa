import type { z } from '@hono/zod-openapi';
import { AppError } from '../core/errors.js';
import { contentLength } from '../core/http-values.js';
import { concat } from '../core/streams.js';

/**
 * Validates with a route's own schema and turns the first problem into the error envelope, in the send
 * endpoint's own words where it has them ("Missing required field: media_url").
 */
export function validate<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  if (issue.code === 'invalid_type' && (data as Record<string, unknown> | null)?.[field] === undefined) {
    throw new AppError(400, 'missing_field', `Missing required field: ${field}`);
  }
  const message = issue.code === 'invalid_type' ? `${field} must be a ${issue.expected}` : issue.message;
  throw new AppError(400, field === 'media_url' ? 'invalid_media_url' : 'invalid_field', message);
}

/** JSON requests are small (a URL and a few fields): anything larger is refused, never held. */
const MAX_JSON_BYTES = 64 * 1024;

/**
 * The body as JSON, read up to MAX_JSON_BYTES. Errors of the body itself (a 408 body deadline, say) pass
 * through as they are; only text that is not JSON is `invalid_json`.
 */
export async function readJson(request: Request): Promise<unknown> {
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
  try {
    return JSON.parse(new TextDecoder().decode(concat(chunks)));
  } catch {
    throw new AppError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}
