import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { Media } from '../core/media-record.js';
import { CliError, EXIT, isEnvelope } from './exit.js';
import type { UploadStage } from './progress.js';
import { expectOk, interrupted, isInterrupted, type Service } from './service.js';
import { tusUpload } from './tus.js';

/** How the service processes the file: the same options as POST /v1/media. */
export interface HostOptions {
  optimize?: 'auto' | 'always' | 'off';
  keepMetadata: boolean;
  trim: boolean;
}

/** Polling for the processed media: quick at first (images are ready in well under a second), then every 2 s. */
const POLL_MS = [100, 150, 250, 500, 1_000];
const POLL_MAX_MS = 2_000;

/**
 * Hosts a local file: resumable upload through tus to /v1/uploads, then GET /v1/uploads/{id}/media until the
 * service has processed it. A service without /v1/uploads (an older version, or Workers, which answer 501) gets
 * the file in one request to POST /v1/media instead, with the same options and the same result.
 */
export async function hostFile(service: Service, path: string, options: HostOptions, onStage: (stage: UploadStage) => void, resumeFile?: string): Promise<Media> {
  const size = await fileSize(path);
  const uploadUrl = await tusUpload(service, path, { size, host: options, resumeFile }, onStage);
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
