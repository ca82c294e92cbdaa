import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { contentLength } from '../../core/http-values.js';
import { boundedJson } from '../bodies.js';
import { emptyStream } from '../../core/streams.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { noteMedia } from '../observability.js';
import { requestOwner } from '../upload.js';
import { CompleteUploadSchema, DirectUploadRequestSchema, DirectUploadSchema, ImageQuerySchema, MediaResponseSchema, UploadIdParamsSchema, errorResponse, errors, imageOptions } from '../schemas.js';

/** The PUT a signed direct-upload URL names: its signature stands in for the API key (see app.ts). */
export const SIGNED_PUT_PATH = /^\/v1\/uploads\/direct\/[^/]+$/;

/** How the reference page (/docs) groups these operations. */
const DIRECT_TAG = 'Direct uploads';


const SignedPutQuerySchema = z.object({
  size: z.coerce.number({ error: 'size must be a whole number' }).int({ error: 'size must be a whole number' }).positive({ error: 'size must be a whole number' }),
  expires: z.coerce.number({ error: 'expires must be a whole number' }).int({ error: 'expires must be a whole number' }),
  signature: z.string(),
});

export function directUploadRoutes(deps: Pick<AppDeps, 'directUploads' | 'apiKeys'>) {
  const routes = new OpenAPIHono<AppEnv>();
  const owner = (c: Context<AppEnv>) => requestOwner(deps.apiKeys, (name) => c.req.header(name));

  const createUpload = createRoute({
    method: 'post',
    path: '/v1/uploads/direct',
    operationId: 'createDirectUpload',
    tags: [DIRECT_TAG],
    summary: 'Start a direct upload: a URL to PUT the file to (15 minutes), straight to the bucket where it can take it',
    description: 'Then PUT the file to `url` with `headers`, and POST /v1/uploads/{id}/complete. See docs/uploads-direct.md.',
    middleware: boundedJson,
    request: { body: { content: { 'application/json': { schema: DirectUploadRequestSchema } }, required: true } },
    responses: {
      201: { description: 'Where to PUT the file', content: { 'application/json': { schema: DirectUploadSchema } } },
      ...errors(400, 401, 413, 415, 429, 503),
    },
  });

  const takePut = createRoute({
    method: 'put',
    path: '/v1/uploads/direct/{id}',
    operationId: 'putDirectUpload',
    tags: [DIRECT_TAG],
    summary: 'The file\'s bytes, at the URL POST /v1/uploads/direct returned (local disk, R2 binding); no API key: the URL is signed',
    security: [],
    request: { params: UploadIdParamsSchema, query: SignedPutQuerySchema },
    responses: {
      200: { description: 'Received', content: { 'application/json': { schema: z.object({ success: z.literal(true), upload_id: z.string(), size: z.number().int() }) } } },
      ...errors(400, 403, 404, 408, 410, 429, 503),
      409: errorResponse(409, {
        description: 'The upload was completed already (upload_completed): ask for a new URL to send another file.',
        code: 'upload_completed',
        error: 'This upload was completed already; to send another file, ask for a new URL with POST /v1/uploads/direct.',
      }),
    },
  });

  const complete = createRoute({
    method: 'post',
    path: '/v1/uploads/{id}/complete',
    operationId: 'completeDirectUpload',
    tags: [DIRECT_TAG],
    summary: 'Host a direct upload once its PUT is done: the same pipeline and answer as POST /v1/media; asked again, the same answer',
    middleware: boundedJson,
    request: {
      params: UploadIdParamsSchema,
      query: ImageQuerySchema,
      body: { content: { 'application/json': { schema: CompleteUploadSchema } }, required: false },
    },
    responses: {
      201: { description: 'Hosted', content: { 'application/json': { schema: MediaResponseSchema } } },
      ...errors(400, 401, 404, 413, 415, 422, 429, 500, 503, 504),
      409: errorResponse(409, {
        description: 'Another request is completing this upload (upload_completing): ask again after Retry-After for its outcome.',
        code: 'upload_completing',
        error: 'This upload is being completed by another request; ask again in a few seconds for its outcome.',
        retryAfter: true,
      }),
      410: errorResponse(410, {
        description: 'No file arrived before the upload URL expired (upload_expired): ask for a new one.',
        code: 'upload_expired',
        error: 'No file arrived for this upload before its URL expired at 2026-12-07T00:15:00.000Z; ask for a new one with POST /v1/uploads/direct.',
      }),
    },
  });

  return routes
    .openapi(createUpload, async (c) => {
      const ticket = await deps.directUploads.create(await owner(c), c.req.valid('json'));
      return c.json({ success: true as const, ...ticket }, 201);
    })
    .openapi(takePut, async (c) => {
      const { id } = c.req.valid('param');
      const put = { id, ...c.req.valid('query') };
      await deps.directUploads.receive(put, c.req.raw.body ?? emptyStream(), contentLength(c.req.raw.headers));
      return c.json({ success: true as const, upload_id: id, size: put.size }, 200);
    })
    .openapi(complete, async (c) => {
      const query = c.req.valid('query');
      const body = c.req.valid('json');
      const media = await deps.directUploads.complete(await owner(c), c.req.valid('param').id, {
        image: { ...imageOptions(query), ...imageOptions(body) },
        av: { trim: body.trim ?? query.trim },
      });
      noteMedia(c, media);
      return c.json({ success: true as const, media }, 201);
    });
}
