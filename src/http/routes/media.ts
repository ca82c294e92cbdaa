import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../../core/errors.js';
import type { App, AppDeps } from '../deps.js';
import { ImageQuerySchema, MediaImportSchema, MediaResponseSchema, UploadFormSchema, errors } from '../schemas.js';
import { noteMedia } from '../observability.js';
import { imageOptions, readUpload } from '../upload.js';
import { readJson, validate } from '../validate.js';

const idParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'q5V0Ck3nYbq2V8D3mXy0cQ.jpg' }) });

export function mediaRoutes(app: App, deps: Pick<AppDeps, 'media' | 'importer'>): void {
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/v1/media',
      summary: 'Host a file: sniffed, checked against the carrier limits, stored behind a public URL',
      description: 'Send the file (multipart or raw body), or JSON `{"url": …}` to import it from a public URL through the same pipeline.',
      request: {
        query: ImageQuerySchema,
        body: {
          content: {
            'multipart/form-data': { schema: UploadFormSchema },
            'application/octet-stream': { schema: z.any().openapi({ type: 'string', format: 'binary' }) },
            'application/json': { schema: MediaImportSchema },
          },
        },
      },
      responses: { 201: { description: 'Hosted', content: { 'application/json': { schema: MediaResponseSchema } } }, ...errors(400, 401, 413, 415, 422) },
    }),
  );
  app.post('/v1/media', async (c) => {
    if (/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
      const input = validate(MediaImportSchema, await readJson(c.req.raw));
      const image = { ...(input.optimize && { optimize: input.optimize }), ...(input.keep_metadata !== undefined && { keepMetadata: input.keep_metadata }) };
      const media = await deps.importer.import(input.url, { image, filename: input.filename });
      noteMedia(c, media);
      return c.json({ success: true as const, media }, 201);
    }
    const { media } = await readUpload(c.req.raw, deps.media, { image: imageOptions });
    if (!media) throw new AppError(400, 'no_file', 'No file was sent: add a multipart part named "file", or send the file as the raw body.');
    noteMedia(c, media);
    return c.json({ success: true as const, media }, 201);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/v1/media/{id}',
      summary: 'The hosted media, with a fresh URL',
      request: { params: idParam },
      responses: { 200: { description: 'Found', content: { 'application/json': { schema: MediaResponseSchema } } }, ...errors(401, 404) },
    }),
  );
  app.get('/v1/media/:id', async (c) => c.json({ success: true as const, media: await deps.media.get(c.req.param('id')) }));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'delete',
      path: '/v1/media/{id}',
      summary: 'Delete hosted media; its URL stops serving',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errors(401, 404) },
    }),
  );
  app.delete('/v1/media/:id', async (c) => {
    await deps.media.delete(c.req.param('id'));
    return c.body(null, 204);
  });
}
