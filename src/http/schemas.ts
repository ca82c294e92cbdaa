import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { parseHttpUrl } from '../core/http-values.js';
import type { ImageOptions } from '../core/ports.js';

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
    id: z.string().openapi({ example: 'q5V0Ck3nYbq2V8D3mXy0cQ.jpg', description: 'The file\'s name at the end of its URL: 22 random characters and the extension.' }),
    url: z.string().url().openapi({ example: 'https://media.example.com/media/q5V0Ck3nYbq2V8D3mXy0cQ.jpg' }),
    expires_at: z.string().datetime().nullable().openapi({ description: 'When the URL stops working; null when permanent.' }),
    content_type: z.string().openapi({ example: 'image/jpeg' }),
    extension: z.string().openapi({ example: 'jpg' }),
    kind: z.enum(['image', 'video', 'audio', 'document']),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    transformations: z
      .array(z.string())
      .optional()
      .openapi({
        description:
          'Every change made to the bytes, in order (e.g. auto_orient, strip_metadata, convert:heic->jpeg, resize:4032x3024->2048x1536, quality:80, ' +
          'recompress:png, reencode:corrupt_data; video and audio: convert:mov->mp4, transcode:hevc->h264, rotate:90, scale:1920x1080->360x640, fps:30->15, bitrate:292k); with keep_metadata=true, the kinds of metadata kept (keep_metadata:exif,xmp). Empty: the bytes as sent.',
      }),
    duration: z.number().nonnegative().optional().openapi({ description: 'Video and audio: seconds.' }),
    rehosted: z.boolean().optional().openapi({ description: 'On sends: true when media_url was imported and the hosted copy sent instead.' }),
    original: z.object({
      filename: z.string().nullable(),
      content_type: z.string().nullable(),
      size: z.number().int().nonnegative(),
      width: z.number().int().optional(),
      height: z.number().int().optional(),
      duration: z.number().nonnegative().optional(),
      codecs: z.array(z.string()).optional().openapi({ example: ['hevc', 'aac'] }),
    }),
  })
  .openapi('Media');

export const MediaResponseSchema = z.object({ success: z.literal(true), media: MediaSchema }).openapi('MediaResponse');

/** Prefer: respond-async — the upload is received and being processed; poll its Location. */
export const JobProcessingSchema = z
  .object({
    success: z.literal(true),
    status: z.literal('processing'),
    id: z.string().openapi({ example: 'q5V0Ck3nYbq2V8D3mXy0cQ', description: 'The job: GET /v1/media/{id} reports it; once ready, the media id is this and its extension.' }),
    started_at: z.string().datetime(),
    deadline: z.string().datetime().openapi({ description: 'If it is still processing then, it is reported failed (media_processing_timeout).' }),
    progress: z.number().min(0).max(1).optional().openapi({ example: 0.4, description: 'Video and audio: how far the conversion has got, when ffmpeg says.' }),
  })
  .openapi('JobProcessing');

/** GET /v1/media/{id}: the media (ready), or a background job still processing; a failed job answers with its error. */
export const MediaStatusResponseSchema = z
  .union([z.object({ success: z.literal(true), status: z.literal('ready'), media: MediaSchema }), JobProcessingSchema])
  .openapi('MediaStatus');

/** A file part, for the document only (never parsed by zod): z.custom so that it is listed as required. */
const filePart = (description: string) => z.custom<Blob>((part) => part !== undefined).openapi({ type: 'string', format: 'binary', description });

export const UploadFormSchema = z.object({ file: filePart('The file (exactly one part).') });

const optimize = z
  .enum(['auto', 'always', 'off'], { error: (issue) => `optimize must be auto, always or off (got "${String(issue.input)}").` })
  .openapi({
    description:
      'auto (default): re-encode an image only when it needs it (over the budget, not a carrier format, turning, colour, damaged data); ' +
      'metadata alone is cut out without re-encoding. always: re-encode every image; off: store the bytes as they are, minus ' +
      'metadata (JPEG, PNG or GIF within the endpoint’s limit, that decodes cleanly, only).',
  });

const httpUrl = z.string().refine((s) => parseHttpUrl(s) !== undefined, 'media_url must be a valid HTTP/HTTPS URL');

export const SendFieldsSchema = z.object({
  campaign_id: z.string().trim().min(1, 'campaign_id must not be empty').openapi({ example: 'campaign_abc123' }),
  phone_number: z.string().trim().min(1, 'phone_number must not be empty').openapi({ example: '+15551234567' }),
  message: z.string().optional().openapi({ example: 'Here is the brochure you requested!' }),
});

export const SendJsonSchema = SendFieldsSchema.extend({
  media_url: httpUrl.openapi({ example: 'https://example.com/product-brochure.pdf' }),
  rehost: z
    .enum(['auto', 'never', 'always'], { error: 'rehost must be auto, never or always' })
    .default('auto')
    .openapi({ description: 'auto: host a fixed copy when media_url has errors hosting fixes; never: refuse such a URL; always: host a copy of any fetchable URL.' }),
}).openapi('SendRequest');

export const SendMultipartSchema = SendFieldsSchema.extend({
  file: filePart('The file to host and send.'),
});

export const PreflightRequestSchema = z
  .object({ media_url: z.string().openapi({ example: 'https://example.com/photo.heic' }) })
  .openapi('PreflightRequest');

const ProblemSchema = z
  .object({
    code: z.string().openapi({ example: 'not_carrier_format' }),
    severity: z.enum(['error', 'warning']),
    message: z.string(),
    fix: z.string(),
    rehostable: z.boolean().openapi({ description: 'Hosting a copy with this service fixes it.' }),
  })
  .openapi('PreflightProblem');

export const PreflightReportSchema = z
  .object({
    ok: z.boolean().openapi({ description: 'No error-severity problem.' }),
    fetchable: z.boolean().openapi({ description: 'An anonymous GET got the file (so it can be rehosted).' }),
    media_url: z.string(),
    final_url: z.string().nullable(),
    redirects: z.array(z.string()),
    status: z.number().int().nullable(),
    content_type: z.string().nullable().openapi({ description: 'As the server declared it.' }),
    detected: z
      .object({ content_type: z.string(), kind: z.enum(['image', 'video', 'audio', 'document']).nullable(), extension: z.string() })
      .nullable()
      .openapi({ description: 'From the bytes.' }),
    size: z.number().int().nonnegative().nullable(),
    expires_at: z.string().datetime().nullable().openapi({ description: 'When the signed URL stops working, if it says.' }),
    elapsed_ms: z.number().int().nonnegative(),
    problems: z.array(ProblemSchema),
  })
  .openapi('PreflightReport');

export const PreflightResponseSchema = PreflightReportSchema.extend({ success: z.literal(true) }).openapi('PreflightResponse');

/** How a file is hosted, in a JSON body: as the query's optimize, keep_metadata and trim. */
const hostOptions = {
  optimize: optimize.optional(),
  keep_metadata: z.boolean().optional(),
  trim: z.boolean().optional().openapi({ description: 'Video and audio: cut a clip longer than the delivery budget carries to the longest that fits.' }),
};

export const MediaImportSchema = z
  .object({
    url: z.string().openapi({ example: 'https://example.com/photo.heic' }),
    ...hostOptions,
    filename: z.string().max(255).optional(),
  })
  .openapi('MediaImport');

/** POST /v1/uploads/direct. */
/** The `{id}` of an upload's URL (resumable or direct): a random part, without an extension. */
export const UploadIdParamsSchema = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'q5V0Ck3nYbq2V8D3mXy0cQ' }) });

export const DirectUploadRequestSchema = z
  .object({
    filename: z.string().min(1, 'filename must not be empty').max(255).openapi({ example: 'clip.mov' }),
    size: z.number().int().positive().openapi({ example: 12345678, description: 'The file\'s exact length in bytes: the URL takes this many, no more, no fewer.' }),
    content_type: z.string().max(255).optional().openapi({ example: 'video/quicktime', description: 'Kept as said; what the file is comes from its bytes.' }),
  })
  .openapi('DirectUploadRequest');

export const DirectUploadSchema = z
  .object({
    success: z.literal(true),
    upload_id: z.string().openapi({ example: 'q5V0Ck3nYbq2V8D3mXy0cQ' }),
    url: z.string().url().openapi({ description: 'PUT the file here: the bucket itself (S3, R2\'s S3 API), or this service (local disk, R2 binding).' }),
    method: z.literal('PUT'),
    headers: z.record(z.string(), z.string()).openapi({ example: { 'content-length': '12345678' }, description: 'Send these with the PUT, as they are.' }),
    expires_at: z.string().datetime().openapi({ description: 'The URL works until then (15 minutes).' }),
  })
  .openapi('DirectUpload');

/** POST /v1/uploads/{id}/complete: the same options as POST /v1/media, in a JSON body (or the query). */
export const CompleteUploadSchema = z.object(hostOptions).openapi('CompleteUpload');

export const SendResponseSchema = z
  .object({
    success: z.boolean(),
    message: z.string().optional(),
    phone_number: z.string().optional(),
    campaign_id: z.string().optional(),
    media_url: z.string().optional(),
    dry_run: z.boolean().optional(),
    media: MediaSchema.optional(),
    preflight: PreflightReportSchema.optional(),
  })
  .passthrough()
  .openapi('SendResponse');

/** How a hosted image is processed: in the query, or in form fields sent before the file part. */
export const ImageQuerySchema = z.object({
  optimize: optimize.optional(),
  keep_metadata: z
    .enum(['true', 'false'], { error: (issue) => `keep_metadata must be true or false (got "${String(issue.input)}").` })
    .transform((keep) => keep === 'true')
    .optional()
    .openapi({
      description:
        'true: keep the metadata (EXIF and XMP, GPS included) in a hosted image, listed in transformations as keep_metadata:<kinds>, and location and device tags in video and audio; by default they are removed.',
    }),
  trim: z
    .enum(['true', 'false'], { error: (issue) => `trim must be true or false (got "${String(issue.input)}").` })
    .transform((trim) => trim === 'true')
    .optional()
    .openapi({ description: 'Video and audio: true cuts a clip longer than the delivery budget carries to the longest that fits; by default it is refused (media_too_long).' }),
});

/** A raw upload may name its file in the query (a multipart part carries its own filename). */
export const MediaQuerySchema = ImageQuerySchema.extend({
  filename: z.string().optional().openapi({ description: 'The file\'s name, for raw uploads.' }),
});

/** The image options a request asked for (query, form fields or JSON body), in the image processor's terms. */
export function imageOptions(asked: { optimize?: ImageOptions['optimize']; keep_metadata?: boolean }): Partial<ImageOptions> {
  return { ...(asked.optimize && { optimize: asked.optimize }), ...(asked.keep_metadata !== undefined && { keepMetadata: asked.keep_metadata }) };
}

export const HealthSchema = z
  .object({
    status: z.string(),
    media_conversion: z
      .literal('unavailable')
      .optional()
      .openapi({ description: 'Present when video and audio cannot be converted here (no ffmpeg, or Workers): only deliverable files are stored.' }),
  })
  .openapi('Health');

/**
 * What each error status means, for the document's readers and generated clients, with one of its codes and the
 * sentence the service says (docs/errors.md lists them all). Retry-After comes with the statuses that
 * say "try again later".
 */
const ERROR_STATUSES = {
  400: ['The request is malformed: a missing or invalid field, bad JSON or multipart, no file, a malformed Idempotency-Key.', 'invalid_field', 'optimize must be auto, always or off (got "sometimes").'],
  401: ['The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key).', 'missing_api_key', 'Send your API key in the X-API-Key header.'],
  403: ['The signed upload URL is not one this service gave out, or it was changed (upload_signature_invalid).', 'upload_signature_invalid', 'This upload URL is not one this service gave out, or it was changed: PUT to the URL exactly as POST /v1/uploads/direct returned it.'],
  404: ['No such media id (media_not_found).', 'media_not_found', 'No media with id "q5V0Ck3nYbq2V8D3mXy0cQ.jpg" exists (it may have been deleted).'],
  408: ['The request body did not arrive within BODY_TIMEOUT_MS (body_timeout).', 'body_timeout', 'The request body did not arrive within 30 s; send it again on a faster connection.'],
  409: ['A request with this Idempotency-Key is still being processed (idempotency_in_flight); retry after Retry-After.', 'idempotency_in_flight', 'A request with this Idempotency-Key is still being processed; wait for its reply.'],
  410: ['The upload URL expired before the file arrived (upload_url_expired, upload_expired): ask for a new one.', 'upload_url_expired', 'This upload URL expired at 2026-12-07T00:15:00.000Z; ask for a new one with POST /v1/uploads/direct.'],
  413: ['The file is over the limit for its type (file_too_large), or a JSON body is over 64 KB (body_too_large).', 'file_too_large', 'The file is 12 MB; the limit for mp4 files is 10 MB.'],
  415: ['Not a type the endpoint takes (unsupported_media_type), or a body that is neither JSON nor multipart (unsupported_content_type).', 'unsupported_content_type', 'Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a "file" part.'],
  422: ['The file or URL cannot be hosted or sent as it is (the code and sentence say why), or an Idempotency-Key reused for a different request.', 'url_not_fetchable', 'example.com does not resolve to any address.'],
  429: ['More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After.', 'rate_limited', 'More than 60 requests this minute for this API key; try again in 12 s.'],
  500: ['Something failed on the service’s side (for a background upload: the error it ended with).', 'internal_error', 'Something went wrong on our side; the request was not completed. Try again.'],
  501: ['Not available on this deployment (Cloudflare Workers); the sentence names what to use instead.', 'resumable_uploads_unavailable', 'Resumable (tus) uploads are not available on this deployment (Cloudflare Workers). Upload with POST /v1/uploads/direct, which returns a URL to PUT the file to, then POST /v1/uploads/{id}/complete.'],
  502: ['The send endpoint failed (upstream_unavailable); `media` carries the hosted file, to retry with its URL. Nothing is retried automatically.', 'upstream_unavailable', 'The send endpoint could not be reached; the message was not sent.'],
  503: ['Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After.', 'server_busy', 'The service is handling 64 uploads already; try again in a second.'],
  504: ['The send endpoint did not answer in time (upstream_timeout), or a conversion did not finish by its deadline.', 'upstream_timeout', 'The send endpoint did not answer within 15000 ms; the message may or may not have been sent.'],
} as const;

type ErrorStatus = keyof typeof ERROR_STATUSES;
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' as const, example: 5 } } };

interface ErrorResponse {
  description: string;
  content: { 'application/json': { schema: typeof ErrorSchema; example: { success: false; error: string; code: string } } };
  headers?: typeof retryAfter;
}

/**
 * One error status's entry: its usual meaning, or `own` where a route answers it for a reason of its own (with
 * Retry-After only if `own` says so).
 */
export function errorResponse(status: ErrorStatus, own?: { description: string; code: string; error: string; retryAfter?: boolean }): ErrorResponse {
  const [description, code, error] = own ? [own.description, own.code, own.error] : ERROR_STATUSES[status];
  const retryLater = own ? own.retryAfter : status === 409 || status === 429 || status === 503;
  return { description, content: { 'application/json': { schema: ErrorSchema, example: { success: false, error, code } } }, ...(retryLater ? { headers: retryAfter } : {}) };
}

/** OpenAPI response entries for the error statuses a route can answer with, each in the one envelope. */
export const errors = <const S extends ErrorStatus>(...statuses: S[]) =>
  Object.fromEntries(statuses.map((s) => [s, errorResponse(s)])) as Record<S, ErrorResponse>;

/**
 * Bodies a route reads itself as streams (files), for the document only. zod-openapi validates every zod schema in
 * a route's body and reads the whole body to do it, so the form is registered as a component and referenced
 * instead. Typed as nothing: the handler and typed clients (hc) see only the JSON body that zod does check.
 */
export function fileBodies(registry: OpenAPIHono['openAPIRegistry'], form: { name: string; schema: z.ZodType }, options: { raw?: boolean } = {}): {} {
  registry.register(form.name, form.schema);
  return {
    'multipart/form-data': { schema: { $ref: `#/components/schemas/${form.name}` } },
    ...(options.raw && { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } }),
  };
}
