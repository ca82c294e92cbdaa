import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../core/errors.js';
import { boundedJson, filesTo } from '../bodies.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { noteMedia } from '../observability.js';
import { JOB_ID, prefersAsync } from '../../core/media-jobs.js';
import { storageUnavailable } from '../../core/storage-guard.js';
import { emptyStream, watchEnd } from '../../core/streams.js';
import { replaceBody } from '../limits.js';
import { JobProcessingSchema, MediaStatusResponseSchema, MediaImportSchema, MediaQuerySchema, MediaResponseSchema, UploadFormSchema, errors, fileBodies, imageOptions } from '../schemas.js';
import { imageOptionsIn, readUpload, requestOwner } from '../upload.js';
import { validate } from '../validate.js';

const idParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'q5V0Ck3nYbq2V8D3mXy0cQ.jpg' }) });
const hosted = { description: 'Hosted', content: { 'application/json': { schema: MediaResponseSchema } } };

const noFile = () => new AppError(400, 'no_file', 'No file was sent: add a multipart part named "file", or send the file as the raw body.');

/** Work that goes on after the answer: Workers keep the request's isolate for it only when told (waitUntil). */
function keepRunning(c: Context<AppEnv>, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // Node: no execution context; the process keeps running anyway.
  }
}

export function mediaRoutes(deps: Pick<AppDeps, 'media' | 'importer' | 'apiKeys' | 'logger'>) {
  const routes = new OpenAPIHono<AppEnv>();

  /** A file, in multipart or as the raw body; its query is checked before the body is read. */
  const hostFile = async (c: Context<AppEnv>) => {
    validate(MediaQuerySchema, c.req.query());
    if (prefersAsync(c.req.header('prefer'))) return hostLater(c);
    const { media } = await readUpload(c.req.raw, deps.media, { image: imageOptionsIn });
    if (!media) throw noFile();
    noteMedia(c, media);
    return c.json({ success: true as const, media }, 201);
  };

  /**
   * Prefer: respond-async. The request still receives the whole body (into the converter's disk or pooled memory,
   * as without the header), and a refusal that comes before the file is accepted (its type, its size) is answered
   * as usual. Once the body is in and the file accepted, 202 with the job, and the processing goes on; its outcome
   * is recorded in the store (see media-jobs).
   */
  const hostLater = async (c: Context<AppEnv>) => {
    const job = await deps.media.jobs.begin();
    const { id } = job;
    const { stream, ended } = watchEnd(c.req.raw.body ?? emptyStream());
    let accept!: () => void;
    const accepted = new Promise<void>((resolve) => (accept = resolve));
    const work = readUpload(replaceBody(c.req.raw, stream), deps.media, { image: imageOptionsIn, key: id, onAccepted: accept, onProgress: deps.media.jobs.progressOf(job) }).then(({ media }) => {
      if (!media) throw noFile();
      return media;
    });
    const received = Promise.all([ended, accepted]).then(() => 'received' as const);
    const first = await Promise.race([received, work.then(() => 'stored' as const)]).catch(async (err: unknown) => {
      await deps.media.jobs.drop(id); // refused while the request was still here: it hears why, and no job is left
      throw err;
    });
    const recorded = deps.media.jobs.end(id, work);
    if (first === 'stored') {
      // Done before the request was: it is answered as without the header (the preference is not applied). When
      // its outcome could not be recorded, end() removed the media: nothing is stored, as the 503 says.
      if (!(await recorded)) throw storageUnavailable('record', new Error(`the outcome of job ${id} could not be recorded`), deps.logger);
      const media = await work;
      noteMedia(c, media);
      return c.json({ success: true as const, media }, 201);
    }
    keepRunning(c, recorded);
    return c.json({ success: true as const, ...job }, 202, { 'preference-applied': 'respond-async', location: `/v1/media/${id}` });
  };

  const hostRoute = createRoute({
    method: 'post',
    path: '/v1/media',
    operationId: 'hostMedia',
    tags: ['Media'],
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
    responses: {
      201: hosted,
      202: {
        description: 'With `Prefer: respond-async`: the file was received and is being processed; GET the Location for its outcome.',
        headers: {
          'Preference-Applied': { schema: { type: 'string', example: 'respond-async' } },
          Location: { schema: { type: 'string', example: '/v1/media/q5V0Ck3nYbq2V8D3mXy0cQ' } },
        },
        content: { 'application/json': { schema: JobProcessingSchema } },
      },
      ...errors(400, 401, 408, 409, 413, 415, 422, 429, 503),
    },
  });

  const getRoute = createRoute({
    method: 'get',
    path: '/v1/media/{id}',
    operationId: 'getMedia',
    tags: ['Media'],
    summary: 'The hosted media, with a fresh URL; or how a background upload (Prefer: respond-async) is going',
    description:
      'A media id answers with the media (`status: "ready"`). A job id from a 202 answers `processing`, the media once ready, or, when the job failed, ' +
      'the error it ended with (`status: "failed"`, its code and sentence; `media_processing_timeout` when it did not finish by its deadline).',
    request: { params: idParam },
    responses: {
      200: { description: 'Found', content: { 'application/json': { schema: MediaStatusResponseSchema } } },
      ...errors(401, 404, 413, 415, 422, 429, 500, 503, 504),
    },
  });

  const deleteRoute = createRoute({
    method: 'delete',
    path: '/v1/media/{id}',
    operationId: 'deleteMedia',
    tags: ['Media'],
    summary: 'Delete hosted media; its URL stops serving',
    request: { params: idParam },
    responses: { 204: { description: 'Deleted' }, ...errors(401, 404, 429, 503) },
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
    .openapi(getRoute, async (c) => {
      const id = c.req.valid('param').id;
      // A resumable upload's job answers only the API key that made the upload, as at /v1/uploads/{id}/media.
      const owner = await requestOwner(deps.apiKeys, (name) => c.req.header(name));
      if (JOB_ID.test(id)) return c.json({ success: true as const, ...(await deps.media.jobs.state(id, { is: owner })) }, 200);
      return c.json({ success: true as const, status: 'ready' as const, media: await deps.media.get(id) }, 200);
    })
    .openapi(deleteRoute, async (c) => {
      await deps.media.delete(c.req.valid('param').id);
      return c.body(null, 204);
    });
}
