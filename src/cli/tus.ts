import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import * as tus from 'tus-js-client';
import type { DetailedError, UploadOptions } from 'tus-js-client';
import { CliError, EXIT, isEnvelope, serviceError } from './exit.js';
import type { UploadStage } from './progress.js';
import { interrupted, type Service } from './service.js';
import type { HostOptions } from './upload.js';

/** Chunks of 8 MiB: one PATCH each, and at most what is sent again after a dropped connection. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** After a dropped connection, tus-js-client asks the service how much arrived and resumes from there. */
const RETRY_DELAYS_MS = [0, 1_000, 3_000, 5_000, 10_000];

type UrlStorage = NonNullable<UploadOptions['urlStorage']>;
/** Node's file-backed store of upload URLs: exported by tus-js-client's Node build, absent from its typings. */
const FileUrlStorage = (tus as unknown as { FileUrlStorage: new (path: string) => UrlStorage }).FileUrlStorage;

/**
 * A tus upload of the file to /v1/uploads; resolves with the upload's URL once every byte is in, or undefined when
 * the service has no tus endpoint. With `resumeFile`, the upload's URL is kept there until it succeeds, so running
 * the same command again after a crash or a lost connection resumes it (same file, size, mtime, service and options).
 */
export async function tusUpload(
  service: Service,
  path: string,
  file: { size: number; host: HostOptions; resumeFile?: string },
  onStage: (stage: UploadStage) => void,
): Promise<string | undefined> {
  const metadata = {
    filename: basename(path),
    ...(file.host.optimize && { optimize: file.host.optimize }),
    keep_metadata: String(file.host.keepMetadata),
    trim: String(file.host.trim),
  };
  const storage = await resumeStorage(file.resumeFile);
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(path) as never, {
      endpoint: service.url('v1/uploads'),
      uploadSize: file.size,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      onShouldRetry: (err) => shouldRetry(err),
      headers: service.headers(),
      metadata,
      ...(storage
        ? {
            urlStorage: storage,
            removeFingerprintOnSuccess: true,
            // Other options make another upload: the service reads them from the upload's metadata.
            fingerprint: async (input, options) => `${await tus.defaultOptions.fingerprint(input, options)}-${JSON.stringify(metadata)}`,
          }
        : { storeFingerprintForResuming: false }),
      onProgress: (sent, total) => onStage({ stage: 'sending', sent, total }),
      onSuccess: () => {
        service.signal.removeEventListener('abort', stop);
        resolve(upload.url ?? undefined);
      },
      onError: (err) => {
        service.signal.removeEventListener('abort', stop);
        if (noTusEndpoint(err)) resolve(undefined);
        else reject(tusFailure(service, err));
      },
    });
    // Ctrl-C: stop sending and ask the service to delete what it has (tus termination), then report. A refused
    // termination means the last byte had arrived: the service is hosting the file, and says so at the upload's URL.
    const stop = () => {
      upload.abort(true).then(
        () => reject(interrupted(`The upload of ${basename(path)} was stopped (Ctrl-C) and removed from the service.`)),
        () => reject(interrupted(`The upload of ${basename(path)} was stopped (Ctrl-C), but the service could not remove it: if its last byte had arrived, it is being hosted (see ${upload.url ?? 'the upload'}/media).`)),
      );
    };
    service.signal.addEventListener('abort', stop, { once: true });
    // An upload of this file left unfinished by an earlier run goes on from where the service stopped.
    upload
      .findPreviousUploads()
      .then((previous) => {
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      })
      .catch(() => upload.start());
  });
}

/** The file of unfinished uploads; none (no resuming across runs) when its folder cannot be made. */
async function resumeStorage(file: string | undefined): Promise<UrlStorage | undefined> {
  if (!file) return undefined;
  try {
    await mkdir(dirname(file), { recursive: true });
    return forgiving(new FileUrlStorage(file));
  } catch {
    return undefined;
  }
}

/**
 * The file store, where a file that cannot be read or written (not JSON, locked by a run killed a moment ago)
 * only stops resuming: tus-js-client leaves a failed save unhandled, which would end the run with a stack trace.
 * A save that failed returns an empty key, which tus-js-client takes as "nothing stored".
 */
function forgiving(storage: UrlStorage): UrlStorage {
  return {
    findAllUploads: () => storage.findAllUploads().catch(() => []),
    findUploadsByFingerprint: (fingerprint) => storage.findUploadsByFingerprint(fingerprint).catch(() => []),
    addUpload: (fingerprint, upload) => storage.addUpload(fingerprint, upload).catch(() => ''),
    removeUpload: (key) => storage.removeUpload(key).catch(() => undefined),
  };
}

/**
 * Retried: no answer (a dropped connection), 409/423 (tus: offsets out of step, upload locked) and 5xx; but not
 * 501, which says this service has no tus at all, and not a creation that got no answer (nothing listens at
 * that address: say so now rather than after 20 s). Any other 4xx is a refusal that would only repeat. The
 * removal after Ctrl-C (DELETE) is asked once: the person is waiting for the prompt, and an upload left behind
 * is resumed by the next run or expires.
 */
function shouldRetry(err: DetailedError): boolean {
  if (err.originalRequest?.getMethod() === 'DELETE') return false;
  const status = responseOf(err)?.getStatus();
  if (status === undefined) return err.originalRequest?.getMethod() !== 'POST';
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
