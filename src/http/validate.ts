import type { z } from '@hono/zod-openapi';
import { AppError } from '../core/errors.js';

/**
 * The error envelope for input that fails its schema: the first problem, in the send endpoint's own words where
 * it has them ("Missing required field: media_url").
 */
export function invalidInput(error: z.ZodError, input: unknown): AppError {
  const issue = error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  if (issue.code === 'invalid_type' && (input as Record<string, unknown> | null)?.[field] === undefined) {
    return new AppError(400, 'missing_field', `Missing required field: ${field}`);
  }
  const message = issue.code === 'invalid_type' ? `${field} must be a ${issue.expected}` : issue.message;
  return new AppError(400, field === 'media_url' ? 'invalid_media_url' : 'invalid_field', message);
}

/**
 * The routes' defaultHook (set on the app, inherited by every route group): a query, path or JSON body that fails
 * its route's schema is thrown as the envelope, so app.onError answers it like any other refusal.
 */
export function defaultHook(result: { success: true } | { success: false; error: z.ZodError }): void {
  if (result.success) return;
  // The validator also hands over the input it checked, which zod's issues leave out; it tells "missing" from "wrong".
  throw invalidInput(result.error, 'data' in result ? result.data : undefined);
}

/** Validates what zod-openapi cannot read for a route (form fields, a file upload's query) with the route's own schemas. */
export function validate<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw invalidInput(result.error, data);
}
