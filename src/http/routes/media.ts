import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../core/errors.js';
import { boundedJson, filesTo } from '../bodies.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { noteMedia } from '../observability.js';
import { MediaImportSchema, MediaQuerySchema, MediaResponseSchema, UploadFormSchema, errors, fileBodies, imageOptions } from '../schemas.js';
import { imageOptionsIn, readUpload } from '../upload.js';
import { validate } from '../validate.js';

const idParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'q5V0Ck3nYbq2V8D3mXy0cQ.jpg' }) });
const hosted = { description: 'Hosted', content: { 'application/json': { schema: MediaResponseSchema } } };

export function mediaRoutes(deps: Pick<AppDeps, 'media' | 'importer'>) {
  const routes = new OpenAPIHono<AppEnv>();

  /** A file, in multipart or as the raw body; its query is checked before the body is read. */
  const hostFile = async (c: Context<AppEnv>) => {
    validate(MediaQuerySchema, c.req.query());
    const { media } = await readUpload(c.req.raw, deps.media, { image: imageOptionsIn });
    if (!media) throw new AppError(400, 'no_file', 'No file was sent: add a multipart part named "file", or send the file as the raw body.');
    noteMedia(c, media);
    return c.json({ success: true as const, media }, 201);
  };

  const hostRoute = createRoute({
    method: 'post',
    path: '/v1/media',
    summary: 'Host a file: sniffed, checked against the carrier limits, stored behind a public URL',
    description: 'Send the file (multipart or raw body), or JSON `{"url": …}` to import it from a public URL through the same pipeline.',
    middleware: [boundedJson, filesTo(hostFile)],
    request: {
      query: MediaQuerySchema,
      body: {
        content: {
          'application/json': { schema: MediaImportSchema },
          ...fileBodies(routes.openAPIRegistry, { name: 'UploadForm', schema: UploadFormSchema }, { raw: true }),
        },
      },
    },
    responses: { 201: hosted, ...errors(400, 401, 413, 415, 422) },
  });

  const getRoute = createRoute({
    method: 'get',
    path: '/v1/media/{id}',
    summary: 'The hosted media, with a fresh URL',
    request: { params: idParam },
    responses: { 200: { ...hosted, description: 'Found' }, ...errors(401, 404) },
  });

  const deleteRoute = createRoute({
    method: 'delete',
    path: '/v1/media/{id}',
    summary: 'Delete hosted media; its URL stops serving',
    request: { params: idParam },
    responses: { 204: { description: 'Deleted' }, ...errors(401, 404) },
  });

  return routes
    .openapi(hostRoute, async (c) => {
      const { url, filename, trim, ...asked } = c.req.valid('json');
      const query = c.req.valid('query');
      const image = { ...imageOptions(query), ...imageOptions(asked) };
      const media = await deps.importer.import(url, { image, av: { trim: trim ?? query.trim }, filename });
      noteMedia(c, media);
      return c.json({ success: true as const, media }, 201);
    })
    .openapi(getRoute, async (c) => c.json({ success: true as const, media: await deps.media.get(c.req.valid('param').id) }, 200))
    .openapi(deleteRoute, async (c) => {
      await deps.media.delete(c.req.valid('param').id);
      return c.body(null, 204);
    });
}
