import { OpenAPIHono, createRoute, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../core/errors.js';
import { toE164 } from '../../core/phone.js';
import type { SendOutcome } from '../../core/send-service.js';
import { boundedJson, filesTo } from '../bodies.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { noteMedia } from '../observability.js';
import { ImageQuerySchema, SendFieldsSchema, SendJsonSchema, SendMultipartSchema, SendResponseSchema, errors, fileBodies, imageOptions } from '../schemas.js';
import { imageOptionsIn, readUpload } from '../upload.js';
import { validate } from '../validate.js';

export function mmsRoutes(deps: Pick<AppDeps, 'media' | 'send'>) {
  const routes = new OpenAPIHono<AppEnv>();

  /** A file in multipart: hosted, then sent. Fields sent before the file are checked before it is stored. */
  const sendFile = async (c: Context<AppEnv>) => {
    if (!/^multipart\/form-data\b/i.test(c.req.header('content-type') ?? '')) {
      throw new AppError(415, 'unsupported_content_type', 'Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a "file" part.');
    }
    validate(ImageQuerySchema, c.req.query());
    const checkSoFar = (fields: Record<string, string>) => {
      const seen = validate(SendFieldsSchema.partial(), fields);
      if (seen.phone_number !== undefined) toE164(seen.phone_number);
    };
    const upload = await readUpload(c.req.raw, deps.media, { image: imageOptionsIn, checkFields: checkSoFar });
    if (!upload.media) throw new AppError(400, 'no_file', 'No file was sent: add a multipart part named "file".');
    return reply(c, await deps.send.hostedFile(upload.media, () => validate(SendFieldsSchema, upload.fields)));
  };

  const sendRoute = createRoute({
    method: 'post',
    path: '/v1/mms/send',
    operationId: 'sendMms',
    tags: ['Sending'],
    summary: 'Send an MMS: the send endpoint’s own JSON (media_url checked, rehosted if need be, then forwarded), or a file in multipart (hosted, then sent)',
    description:
      'With JSON, media_url is preflighted first. A URL that cannot be fetched is refused (422 url_not_fetchable, with the report) and nothing is sent. ' +
      'rehost=auto (default) hosts a fixed copy when every error is one hosting fixes (format, size, Content-Type, expiry) and sends its URL; ' +
      'a URL without errors is sent unchanged. The reply carries `preflight` when it found anything (warnings included), and `media` (rehosted: true) when a copy was sent; a clean URL gets the endpoint’s reply untouched. ' +
      'optimize and keep_metadata apply to the file hosted for the send: the uploaded file, or the copy of media_url.',
    middleware: [boundedJson, filesTo(sendFile)],
    request: {
      query: ImageQuerySchema,
      body: {
        content: {
          'application/json': { schema: SendJsonSchema },
          ...fileBodies(routes.openAPIRegistry, { name: 'SendWithFile', schema: SendMultipartSchema }),
        },
      },
    },
    responses: {
      200: {
        description: 'The send endpoint’s reply, plus `media` when a file was hosted (rehosted: true for a copy of media_url) and `preflight` when the URL check found anything',
        content: { 'application/json': { schema: SendResponseSchema } },
      },
      ...errors(400, 401, 408, 409, 413, 415, 422, 429, 502, 503, 504),
    },
  });

  return routes.openapi(sendRoute, async (c) => {
    const { rehost, ...fields } = c.req.valid('json');
    return reply(c, await deps.send.mediaUrl(fields, { rehost, image: imageOptions(c.req.valid('query')) }));
  });
}

/**
 * The send's outcome as the reply: the endpoint's status and body (its 4xx pass through as they are), or the
 * error. Either way the request's log line names the media hosted for it.
 */
function reply(c: Context<AppEnv>, outcome: SendOutcome) {
  noteMedia(c, outcome.media);
  if (!outcome.ok) throw outcome.error;
  // The endpoint's own body, with what we add: the document describes it; its status is passed on as it came.
  return c.json(outcome.body as z.output<typeof SendResponseSchema>, outcome.status as 200);
}
