import type { z } from '@hono/zod-openapi';
import { AppError } from '../core/errors.js';

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

export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new AppError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}
