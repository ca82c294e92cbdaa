import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError } from '../../core/errors.js';
import { toE164 } from '../../core/phone.js';
import type { AppDeps } from '../app.js';
import { SendFieldsSchema, SendJsonSchema, SendMultipartSchema, SendResponseSchema, errors } from '../schemas.js';
import { imageOptions, readUpload } from '../upload.js';
import { readJson, validate } from '../validate.js';

export function mmsRoutes(app: OpenAPIHono, deps: AppDeps): void {
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/v1/mms/send',
      summary: 'Send an MMS: the send endpoint’s own JSON (forwarded), or a file in multipart (hosted, then sent)',
      request: {
        body: {
          content: {
            'application/json': { schema: SendJsonSchema },
            'multipart/form-data': { schema: SendMultipartSchema },
          },
        },
      },
      responses: {
        200: { description: 'The send endpoint’s reply, plus `media` when a file was hosted', content: { 'application/json': { schema: SendResponseSchema } } },
        ...errors(400, 401, 413, 415, 422, 502, 504),
      },
    }),
  );

  app.post('/v1/mms/send', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (/^application\/json\b/i.test(type)) {
      const input = validate(SendJsonSchema, await readJson(c.req.raw));
      const outcome = await deps.mms.send({ ...input, phone_number: toE164(input.phone_number) });
      return c.json(outcome.body, outcome.status as 200);
    }
    if (!/^multipart\/form-data\b/i.test(type)) {
      throw new AppError(415, 'unsupported_content_type', 'Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a "file" part.');
    }
    const checkFields = (fields: Record<string, string>) => {
      const valid = validate(SendFieldsSchema, fields);
      return { ...valid, phone_number: toE164(valid.phone_number) };
    };
    const upload = await readUpload(c.req.raw, deps.media, { image: imageOptions, checkFields });
    let fields;
    try {
      if (!upload.media) throw new AppError(400, 'no_file', 'No file was sent: add a multipart part named "file".');
      fields = checkFields(upload.fields);
    } catch (err) {
      if (upload.media) await deps.media.delete(upload.media.id).catch(() => undefined);
      throw err;
    }
    const outcome = await deps.mms.send({ ...fields, media_url: upload.media.url }, upload.media);
    return c.json(outcome.body, outcome.status as 200);
  });
}
