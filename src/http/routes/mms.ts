import { createRoute } from '@hono/zod-openapi';
import { AppError, isAppError } from '../../core/errors.js';
import { decideRehost } from '../../core/url-import.js';
import { toE164 } from '../../core/phone.js';
import type { App, AppDeps } from '../deps.js';
import { SendFieldsSchema, SendJsonSchema, SendMultipartSchema, SendResponseSchema, errors } from '../schemas.js';
import { noteMedia } from '../observability.js';
import { imageOptions, readUpload } from '../upload.js';
import { readJson, validate } from '../validate.js';

export function mmsRoutes(app: App, deps: Pick<AppDeps, 'media' | 'importer' | 'preflight' | 'mms'>): void {
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/v1/mms/send',
      summary: 'Send an MMS: the send endpoint’s own JSON (media_url checked, rehosted if need be, then forwarded), or a file in multipart (hosted, then sent)',
      description:
        'With JSON, media_url is preflighted first. A URL that cannot be fetched is refused (422 url_not_fetchable, with the report) and nothing is sent. ' +
        'rehost=auto (default) hosts a fixed copy when every error is one hosting fixes (format, size, Content-Type, expiry) and sends its URL; ' +
        'a URL without errors is sent unchanged. The reply carries `preflight` when it found anything (warnings included), and `media` (rehosted: true) when a copy was sent; a clean URL gets the endpoint’s reply untouched.',
      request: {
        body: {
          content: {
            'application/json': { schema: SendJsonSchema },
            'multipart/form-data': { schema: SendMultipartSchema },
          },
        },
      },
      responses: {
        200: { description: 'The send endpoint’s reply, plus `media` when a file was hosted (rehosted: true for a copy of media_url) and `preflight` when the URL check found anything', content: { 'application/json': { schema: SendResponseSchema } } },
        ...errors(400, 401, 413, 415, 422, 502, 504),
      },
    }),
  );

  app.post('/v1/mms/send', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (/^application\/json\b/i.test(type)) {
      const { rehost, ...input } = validate(SendJsonSchema, await readJson(c.req.raw));
      const request = { ...input, phone_number: toE164(input.phone_number) };
      // Check the URL as a carrier will fetch it; a dead one stops here, before anyone is messaged.
      const preflight = await deps.preflight.check(input.media_url);
      const withReport = (err: unknown) =>
        isAppError(err) ? new AppError(err.status, err.code, err.message, { headers: err.headers, extra: { ...err.extra, preflight }, cause: err }) : err;
      try {
        const media = decideRehost(preflight, rehost) === 'rehost' ? { ...(await deps.importer.import(input.media_url)), rehosted: true } : undefined;
        noteMedia(c, media);
        const outcome = await deps.mms.send({ ...request, media_url: media?.url ?? input.media_url }, media);
        // A clean URL sent as it is leaves the endpoint's reply untouched; otherwise the reply says what we found.
        const said = media || preflight.problems.length > 0 ? { preflight } : {};
        return c.json({ ...outcome.body, ...said }, outcome.status as 200);
      } catch (err) {
        throw withReport(err);
      }
    }
    if (!/^multipart\/form-data\b/i.test(type)) {
      throw new AppError(415, 'unsupported_content_type', 'Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a "file" part.');
    }
    // Fields sent before the file are checked before it is stored; all of them are checked once the form is read.
    const checkSoFar = (fields: Record<string, string>) => {
      const seen = validate(SendFieldsSchema.partial(), fields);
      if (seen.phone_number !== undefined) toE164(seen.phone_number);
    };
    const upload = await readUpload(c.req.raw, deps.media, { image: imageOptions, checkFields: checkSoFar });
    let fields;
    try {
      if (!upload.media) throw new AppError(400, 'no_file', 'No file was sent: add a multipart part named "file".');
      const valid = validate(SendFieldsSchema, upload.fields);
      fields = { ...valid, phone_number: toE164(valid.phone_number) };
    } catch (err) {
      if (upload.media) await deps.media.discard(upload.media.id);
      throw err;
    }
    noteMedia(c, upload.media);
    const outcome = await deps.mms.send({ ...fields, media_url: upload.media.url }, upload.media);
    return c.json(outcome.body, outcome.status as 200);
  });
}
