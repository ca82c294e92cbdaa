import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { Upload, type DetailedError } from 'tus-js-client';
import type { Media } from '../core/media-record.js';
import { CliError, EXIT, isEnvelope, serviceError } from './exit.js';
import type { UploadStage } from './progress.js';
import { expectOk, interrupted, isInterrupted, type Service } from './service.js';

/** How the service processes the file: the same options as POST /v1/media. */
export interface HostOptions {
  optimize?: 'auto' | 'always' | 'off';
  keepMetadata: boolean;
  trim: boolean;
}

/** Chunks of 8 MiB: the S3 store's part size, and what is sent again at most after a dropped connection. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** After a dropped connection, tus-js-client asks the service how much arrived and resumes from there. */
const RETRY_DELAYS_MS = [0, 1_000, 3_000, 5_000, 10_000];
/** Polling for the processed media: quick at first (images are ready in well under a second), then every 2 s. */
const POLL_MS = [250, 250, 500, 500, 1_000];
const POLL_MAX_MS = 2_000;

/**
 * Hosts a local file: resumable upload through tus to /v1/uploads, then GET /v1/uploads/{id}/media until the
 * service has processed it. A service without /v1/uploads (an older version, or Workers, which answer 501) gets
 * the file in one request to POST /v1/media instead, with the same options and the same result.
 */
export async function hostFile(service: Service, path: string, options: HostOptions, onStage: (stage: UploadStage) => void): Promise<Media> {
  const size = await fileSize(path);
  const uploadUrl = await tusUpload(service, path, size, options, onStage);
  if (uploadUrl === undefined) return postMedia(service, path, size, options, onStage);
  onStage({ stage: 'processing' });
  return waitForMedia(service, uploadUrl, onStage).catch((err: unknown) => {
    if (!isInterrupted(err)) throw err;
    throw interrupted(`Stopped waiting (Ctrl-C); the service has all of ${basename(path)} and may still host it.`);
  });
}

async function fileSize(path: string): Promise<number> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(EXIT.usage, err.code === 'ENOENT' ? 'no such file.' : `cannot be read (${err.code ?? err.message}).`);
  });
  if (!info.isFile()) throw new CliError(EXIT.usage, 'not a file.');
  return info.size;
}

/** The upload's URL once every byte is in; undefined when the service has no tus endpoint. */
function tusUpload(service: Service, path: string, size: number, options: HostOptions, onStage: (stage: UploadStage) => void): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(createReadStream(path) as never, {
      endpoint: service.url('v1/uploads'),
      uploadSize: size,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      onShouldRetry: (err) => shouldRetry(responseOf(err)?.getStatus()),
      headers: service.headers(),
      metadata: {
        filename: basename(path),
        ...(options.optimize && { optimize: options.optimize }),
        keep_metadata: String(options.keepMetadata),
        trim: String(options.trim),
      },
      onProgress: (sent, total) => onStage({ stage: 'sending', sent, total }),
      onSuccess: () => resolve(upload.url ?? undefined),
      onError: (err) => {
        service.signal.removeEventListener('abort', stop);
        if (noTusEndpoint(err)) resolve(undefined);
        else reject(tusFailure(service, err));
      },
    });
    // Ctrl-C: stop sending and ask the service to delete what it has (tus termination), then report.
    const stop = () => {
      upload.abort(true).catch(() => undefined).finally(() => reject(interrupted(`The upload of ${basename(path)} was stopped (Ctrl-C) and removed from the service.`)));
    };
    service.signal.addEventListener('abort', stop, { once: true });
    upload.start();
  });
}

/**
 * Retried: no answer (a dropped connection), 409/423 (tus: offsets out of step, upload locked) and 5xx; but not
 * 501, which says this service has no tus at all. Any other 4xx is a refusal that would only repeat.
 */
function shouldRetry(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status === 409 || status === 423 || (status >= 500 && status !== 501);
}

const responseOf = (err: Error) => (err as Partial<DetailedError>).originalResponse ?? null;

/** The creation request answered 404 (no such route) or 501 (Workers: resumable uploads unavailable). */
function noTusEndpoint(err: Error): boolean {
  const request = (err as Partial<DetailedError>).originalRequest;
  const status = responseOf(err)?.getStatus();
  return request?.getMethod() === 'POST' && (status === 404 || status === 501);
}

function tusFailure(service: Service, err: Error): CliError {
  const response = responseOf(err);
  if (!response) return service.unreachable((err as Partial<DetailedError>).causingError ?? err);
  let body: unknown;
  try {
    body = JSON.parse(response.getBody());
  } catch {
    body = undefined;
  }
  if (isEnvelope(body)) return serviceError(response.getStatus(), body);
  return new CliError(response.getStatus() >= 500 ? EXIT.service : EXIT.unexpected, `The upload failed: the service answered HTTP ${response.getStatus()}.`, { status: response.getStatus() });
}

type MediaState = { status: 'ready'; media: Media } | { status: 'processing'; progress?: number };

/** Polls the upload's media until it is ready; a failed job answers with its refusal, which is thrown as such. */
async function waitForMedia(service: Service, uploadUrl: string, onStage: (stage: UploadStage) => void): Promise<Media> {
  const url = `${uploadUrl.replace(/\/+$/, '')}/media`;
  for (let attempt = 0; ; attempt++) {
    const reply = await service.request('GET', url);
    // upload_incomplete right after the last byte: the service has not yet taken the upload in hand.
    const incomplete = reply.status === 409 && isEnvelope(reply.body) && reply.body.code === 'upload_incomplete';
    if (!incomplete) {
      const state = expectOk<MediaState>(reply, url);
      if (state.status === 'ready') return state.media;
      onStage({ stage: 'processing', fraction: state.progress });
    }
    await sleep(POLL_MS[attempt] ?? POLL_MAX_MS, service.signal);
  }
}

/** The one-request path: the raw file as the body of POST /v1/media, its options and name in the query. */
async function postMedia(service: Service, path: string, size: number, options: HostOptions, onStage: (stage: UploadStage) => void): Promise<Media> {
  const query = new URLSearchParams({ filename: basename(path), keep_metadata: String(options.keepMetadata), trim: String(options.trim) });
  if (options.optimize) query.set('optimize', options.optimize);
  const url = `${service.url('v1/media')}?${query}`;
  let sent = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      sent += chunk.length;
      onStage({ stage: 'sending', sent, total: size });
      next(null, chunk);
    },
    // Every byte is out: what follows is the service checking and converting the file.
    flush(done) {
      onStage({ stage: 'processing' });
      done();
    },
  });
  const body = Readable.toWeb(createReadStream(path).pipe(counting)) as ReadableStream<Uint8Array>;
  onStage({ stage: 'sending', sent: 0, total: size });
  const reply = await service.request('POST', url, { body, headers: { 'content-type': 'application/octet-stream' } });
  return expectOk<{ media: Media }>(reply, url).media;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(interrupted());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stopped);
      resolve();
    }, ms);
    const stopped = () => {
      clearTimeout(timer);
      reject(interrupted());
    };
    signal.addEventListener('abort', stopped, { once: true });
  });
}
