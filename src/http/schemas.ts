import { z } from '@hono/zod-openapi';

/** Request and response shapes: the routes validate with these and /openapi.json is generated from them. */

export const ErrorSchema = z
  .object({
    success: z.literal(false),
    error: z.string().openapi({ example: 'The file is 12 MB; the limit for mp4 files is 10 MB.' }),
    code: z.string().openapi({ example: 'file_too_large' }),
  })
  .passthrough()
  .openapi('Error');

export const MediaSchema = z
  .object({
    id: z.string().openapi({ example: 'q5V0Ck3nYbq2V8D3mXy0cQ' }),
    url: z.string().url().openapi({ example: 'https://media.example.com/media/q5V0Ck3nYbq2V8D3mXy0cQ.jpg' }),
    expires_at: z.string().datetime().nullable().openapi({ description: 'When the URL stops working; null when permanent.' }),
    content_type: z.string().openapi({ example: 'image/jpeg' }),
    extension: z.string().openapi({ example: 'jpg' }),
    kind: z.enum(['image', 'video', 'audio', 'document']),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    transformations: z.array(z.string()).optional(),
    original: z.object({
      filename: z.string().nullable(),
      content_type: z.string().nullable(),
      size: z.number().int().nonnegative(),
      width: z.number().int().optional(),
      height: z.number().int().optional(),
    }),
  })
  .openapi('Media');

export const MediaResponseSchema = z.object({ success: z.literal(true), media: MediaSchema }).openapi('MediaResponse');

export const UploadFormSchema = z
  .object({ file: z.any().openapi({ type: 'string', format: 'binary', description: 'The file (exactly one part).' }) })
  .openapi('UploadForm');

const httpUrl = z.string().refine((s) => /^https?:\/\//i.test(s) && URL.canParse(s), 'media_url must be a valid HTTP/HTTPS URL');

export const SendFieldsSchema = z.object({
  campaign_id: z.string().trim().min(1, 'campaign_id must not be empty').openapi({ example: 'campaign_abc123' }),
  phone_number: z.string().trim().min(1, 'phone_number must not be empty').openapi({ example: '+15551234567' }),
  message: z.string().optional().openapi({ example: 'Here is the brochure you requested!' }),
});

export const SendJsonSchema = SendFieldsSchema.extend({
  media_url: httpUrl.openapi({ example: 'https://example.com/product-brochure.pdf' }),
}).openapi('SendRequest');

export const SendMultipartSchema = SendFieldsSchema.extend({
  file: z.any().openapi({ type: 'string', format: 'binary', description: 'The file to host and send.' }),
}).openapi('SendWithFile');

export const SendResponseSchema = z
  .object({
    success: z.boolean(),
    message: z.string().optional(),
    phone_number: z.string().optional(),
    campaign_id: z.string().optional(),
    media_url: z.string().optional(),
    dry_run: z.boolean().optional(),
    media: MediaSchema.optional(),
  })
  .passthrough()
  .openapi('SendResponse');

export const ImageQuerySchema = z.object({
  optimize: z.enum(['auto', 'always', 'off']).optional(),
  keep_metadata: z.enum(['true', 'false']).optional(),
  filename: z.string().optional(),
});

export const HealthSchema = z.object({ status: z.string() }).openapi('Health');

/** OpenAPI response entries for the error statuses a route can answer with. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: 'Error', content: { 'application/json': { schema: ErrorSchema } } }]));
