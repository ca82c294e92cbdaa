import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError, isAppError } from '../../core/errors.js';
import { BACKGROUND_JOBS_AT_ONCE } from '../../core/media-jobs.js';
import { QueueLimiter } from '../../core/queue-limiter.js';
import { refuse } from '../../core/policy.js';
import type { Media } from '../../core/media-service.js';
import type { ResumableUploadHooks, ResumableUploads, StagedUpload } from '../../core/resumable-uploads.js';
import type { AppDeps, AppEnv } from '../deps.js';
import { MediaStatusResponseSchema, UploadIdParamsSchema, errorResponse, errors } from '../schemas.js';
import { avOptionsIn, imageOptionsIn, requestOwner } from '../upload.js';

/**
 * tus 1.0 at /v1/uploads (creation, creation-with-upload, termination, expiration), spoken by the resumable-upload
 * port (@tus/server on Node), with this service's rules given as its hooks: an upload belongs to the API key that
 * created it (any other key is told it does not exist), its length is known and within the largest input any kind
 * may have, its metadata holds the options of POST /v1/media, and once its last byte is in it is hosted like a file
 * sent to POST /v1/media, as a background job named after the upload, then removed from staging whatever the outcome.
 * Where the port is missing (Workers), every route answers 501 and points at direct uploads.
 */
/** How the reference page (/docs) groups the tus operations. */
const TUS_TAG = 'Resumable uploads (tus 1.0)';

export function tusRoutes(deps: Pick<AppDeps, 'media' | 'resumable' | 'apiKeys' | 'logger'>) {
  const routes = new OpenAPIHono<AppEnv>();
  const { media } = deps;
  // Its queue is as long as the uploads finishing (each waits with its bytes staged; see onFinish), so it never
  // refuses; a job that waited past half its time gives up (stillWaiting).
  const hosting = new QueueLimiter(BACKGROUND_JOBS_AT_ONCE, Number.MAX_SAFE_INTEGER, stillWaiting);

  const port = (): ResumableUploads => {
    if (!deps.resumable) throw unavailable();
    return deps.resumable;
  };

  /**
   * Hosts a finished upload in the background; the job is recorded before its last request is answered. The bytes
   * stay staged until the outcome, so a full processing queue (503 server_busy) is waited out, not reported: the
   * upload is read again after the delay the refusal names, doubling, for as long as the job's deadline allows.
   * Uploads are processed BACKGROUND_JOBS_AT_ONCE at a time; one that has not started by half its time fails
   * (503 server_busy) rather than be processed only to be discarded as too late. A file kept byte for byte is
   * copied from staging (storeKey) while the staged object is still the one read, not sent to the store again.
   */
  const onFinish = async (upload: StagedUpload) => {
    const tus = port();
    const job = await media.jobs.begin({ id: upload.id, owner: upload.owner }).catch(async (err: unknown) => {
      // Unrecorded, the job could never be asked after: the staged bytes go, so that the client, whose HEAD then
      // finds no upload, sends the file again rather than wait for an outcome that would never come.
      await tus.remove(upload.id, { finished: true }).catch((removal: unknown) =>
        deps.logger.error('a finished resumable upload could be neither recorded nor removed: its staged bytes stay, unprocessed, until the bucket\'s lifecycle rule removes them (S3) or someone deletes them from uploads/tus (local disk)', {
          upload: upload.id,
          error: (removal as Error)?.message ?? String(removal),
        }),
      );
      throw err;
    });
    const { filename, filetype } = upload.metadata;
    const storeKey = tus.storeKey(upload.id);
    const until = Date.parse(job.deadline) - (Date.parse(job.deadline) - Date.parse(job.started_at)) / 2;
    const host = async (): Promise<Media> => {
      if (Date.now() > until) throw stillWaiting(); // the other half of its time would not be enough to be sure
      const staged = await tus.read(upload.id);
      return media.host({
        body: staged.body,
        // Copied only while it is still the object read: no write to it after this read can become the media.
        source: storeKey === undefined ? undefined : { key: storeKey, etag: staged.etag },
        declaredSize: upload.size,
        filename,
        declaredContentType: filetype,
        image: imageOptionsIn(upload.metadata),
        av: avOptionsIn(upload.metadata),
        key: upload.id,
        onProgress: media.jobs.progressOf({ ...job, owner: upload.owner }),
      });
    };
    // The turn is given back while a busy converter is waited out, so other uploads are not held up by the wait.
    const work = whenNotBusy(() => hosting.run(host), until);
    // Staging is emptied before the outcome is recorded: once a job reads ready or failed, its bytes are gone.
    const removed = work.finally(() =>
      tus.remove(upload.id, { finished: true }).catch((err: unknown) => deps.logger.error('a finished resumable upload could not be removed from staging', { upload: upload.id, error: (err as Error)?.message ?? String(err) })),
    );
    // end() records every outcome of the work itself; what is left (its record unreadable) must not go unhandled.
    const { id: _id, ...begun } = job;
    media.jobs.end(upload.id, removed, { ...begun, owner: upload.owner }).catch((err: unknown) => deps.logger.error('a resumable upload\'s job could not be ended', { upload: upload.id, error: (err as Error)?.message ?? String(err) }));
  };

  const hooksFor = async (c: Context<AppEnv>): Promise<ResumableUploadHooks> => {
    const owner = await requestOwner(deps.apiKeys, (name) => c.req.header(name));
    return {
      owner,
      onCreate({ size, metadata }) {
        if (size > media.limits.maxBodyBytes) throw refuse.bodyTooLarge('file', size, media.limits.maxBodyBytes);
        if (size === 0) throw refuse.emptyFile();
        imageOptionsIn(metadata); // optimize, keep_metadata and trim checked as POST /v1/media checks them
      },
      onAccess(id, createdBy) {
        if (createdBy !== owner) throw uploadNotFound(id);
      },
      onFinish,
    };
  };

  const protocol = async (c: Context<AppEnv>) => port().handle(c.req.raw, await hooksFor(c));

  const mediaRoute = createRoute({
    method: 'get',
    path: '/v1/uploads/{id}/media',
    operationId: 'getUploadMedia',
    tags: [TUS_TAG],
    summary: 'What a finished resumable (tus) upload became: processing, ready with its media, or failed',
    description:
      'Answers as GET /v1/media/{id} does for a background upload. Before the last byte is in: 409 `upload_incomplete`. ' +
      'Another API key than the one that created the upload: 404.',
    request: { params: UploadIdParamsSchema },
    responses: {
      200: { description: 'Processing or ready', content: { 'application/json': { schema: MediaStatusResponseSchema } } },
      ...errors(401, 404, 413, 415, 422, 429, 500, 501, 503, 504),
      409: errorResponse(409, {
        description: 'The upload\'s last byte has not arrived yet (upload_incomplete): send the rest, then ask again.',
        code: 'upload_incomplete',
        error: 'The upload is not finished: 800000 of 2000000 bytes received. Send the rest (a tus client resumes by itself), then ask again.',
      }),
    },
  });

  documentProtocol(routes);
  routes.on(['POST', 'OPTIONS'], '/v1/uploads', protocol);
  routes.on(['PATCH', 'DELETE', 'OPTIONS'], '/v1/uploads/:id', protocol);
  // Hono answers HEAD with the GET route (the request itself is still a HEAD): tus's HEAD reads an upload's offset.
  routes.get('/v1/uploads/:id', (c) => {
    if (c.req.method === 'HEAD') return protocol(c);
    throw new AppError(405, 'method_not_allowed', 'An upload is read with HEAD (its offset, for resuming); what it became is at GET /v1/uploads/{id}/media.', { headers: { allow: 'HEAD, PATCH, DELETE, OPTIONS' } });
  });
  return routes.openapi(mediaRoute, async (c) => {
    const { id } = c.req.valid('param');
    const owner = await requestOwner(deps.apiKeys, (name) => c.req.header(name));
    const staged = await port().find(id);
    if (staged && staged.owner !== owner) throw uploadNotFound(id);
    if (staged && staged.offset < staged.size) {
      throw new AppError(409, 'upload_incomplete', `The upload is not finished: ${staged.offset} of ${staged.size} bytes received. Send the rest (a tus client resumes by itself), then ask again.`);
    }
    const state = await media.jobs.state(id, { is: owner, only: true }).catch((err: unknown) => {
      throw isAppError(err) && err.code === 'media_not_found' ? uploadNotFound(id) : err;
    });
    return c.json({ success: true as const, ...state }, 200);
  });
}

/**
 * Runs `work` until it is not refused with 503 server_busy, waiting the refusal's Retry-After (at least a second),
 * then twice as long each time, up to 30 s; no new try starts after `until` (half the job's time, so that the last
 * try has the other half): then it fails as stillWaiting says.
 */
async function whenNotBusy<T>(work: () => Promise<T>, until: number): Promise<T> {
  for (let wait = 0; ; ) {
    try {
      return await work();
    } catch (err) {
      if (!isAppError(err) || err.code !== 'server_busy') throw err;
      const retryAfter = Object.entries(err.headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
      wait = Math.min(30_000, Math.max(1_000, Number(retryAfter ?? 1) * 1_000, wait * 2));
      // Given up: the converter's own "try again in N seconds" would not fit, as the staged bytes now go.
      if (Date.now() + wait > until) throw stillWaiting();
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function stillWaiting(): AppError {
  return new AppError(503, 'server_busy', 'The upload arrived, but too many finished uploads were waiting to be processed for it to be done in time; nothing was stored. Upload it again in a minute.', {
    headers: { 'retry-after': '60' },
  });
}

function uploadNotFound(id: string): AppError {
  return new AppError(404, 'upload_not_found', `No upload "${id}" exists for this API key: it may have expired, been cancelled or already been processed. Start a new one with POST /v1/uploads.`);
}

function unavailable(): AppError {
  return new AppError(
    501,
    'resumable_uploads_unavailable',
    'Resumable (tus) uploads are not available on this deployment (Cloudflare Workers). Upload with POST /v1/uploads/direct, which returns a URL to PUT the file to, then POST /v1/uploads/{id}/complete.',
  );
}

/** The tus requests in /openapi.json: headers in, headers out (tus clients speak the protocol; these are for reference). */
function documentProtocol(routes: OpenAPIHono<AppEnv>): void {
  const header = (name: string, description: string, required = false) => ({ name, in: 'header' as const, required, description, schema: { type: 'string' as const } });
  const tusResumable = header('Tus-Resumable', '1.0.0', true);
  const id = { name: 'id', in: 'path' as const, required: true, schema: { type: 'string' as const } };
  const tusError = { description: 'A protocol error, as tus answers it (plain text): 409 wrong Upload-Offset, 410 expired, 412 no Tus-Resumable…' };
  const notFound = {
    404: errorResponse(404, {
      description: 'No such upload for this API key (upload_not_found): expired, cancelled, already processed, or made with another key.',
      code: 'upload_not_found',
      error: 'No upload "q5V0Ck3nYbq2V8D3mXy0cQ" exists for this API key: it may have expired, been cancelled or already been processed. Start a new one with POST /v1/uploads.',
    }),
  };
  const register = (method: 'post' | 'head' | 'patch' | 'delete', path: string, operationId: string, summary: string, parameters: object[], ok: Record<number, { description: string }>) =>
    routes.openAPIRegistry.registerPath({ method, path, operationId, summary, tags: [TUS_TAG], parameters: [tusResumable, ...parameters] as never, responses: { ...ok, ...errors(401, 429, 501, 503), 409: tusError } });
  register('post', '/v1/uploads', 'createUpload', 'Create a resumable upload (tus creation, creation-with-upload)', [
    header('Upload-Length', 'The file\'s size in bytes; over the largest input taken: 413 file_too_large.', true),
    header('Upload-Metadata', 'filename, filetype, optimize (auto|always|off), keep_metadata (true|false), trim (true|false), each base64.'),
  ], { 201: { description: 'Created: Location is the upload\'s URL, Upload-Expires when an unfinished upload is removed.' }, ...errors(400, 413) });
  register('head', '/v1/uploads/{id}', 'getUploadOffset', 'How many bytes the upload has (Upload-Offset), to resume from', [id], { 200: { description: 'Upload-Offset and Upload-Length.' }, ...notFound });
  register('patch', '/v1/uploads/{id}', 'appendUpload', 'Send bytes from Upload-Offset (Content-Type: application/offset+octet-stream)', [id, header('Upload-Offset', 'Where these bytes start: the offset HEAD reported.', true)], {
    204: { description: 'Stored; Upload-Offset is the new offset. After the last byte the file is processed: see GET /v1/uploads/{id}/media.' },
    ...notFound,
  });
  register('delete', '/v1/uploads/{id}', 'cancelUpload', 'Cancel the upload (tus termination): its bytes are removed', [id], {
    204: { description: 'Removed.' },
    400: { description: 'The upload is finished and being hosted (tus, plain text): it can no longer be cancelled; delete the media once it is ready.' },
    ...notFound,
  });
}
