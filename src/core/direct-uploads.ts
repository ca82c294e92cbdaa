/**
 * Direct uploads: a client asks for a URL (create), PUTs the file's bytes there — straight to the bucket when the
 * store presigns (S3, R2 through its S3 API), or to this service (local disk, an R2 binding) — and then asks for
 * it to be completed: the staged bytes go through the same pipeline as POST /v1/media, and are removed whatever
 * the outcome. Staged bytes and the upload's record live under `uploads/direct/`, which is never served as media.
 *
 * Completing runs as a media job keyed by the upload id (see media-jobs): its record says the outcome, so a second
 * complete, on any instance, answers the same without hosting a second copy, and the media id is the upload id
 * with the file's extension.
 */
import { AppError, isAppError } from './errors.js';
import type { RecordBucket } from './idempotency.js';
import { getJson, putJson } from './json-records.js';
import { DIRECT_STAGING_PREFIX, newRandomPart } from './keys.js';
import { JOB_ID, timedOutJob, type JobRecord } from './media-jobs.js';
import { originalText } from './media-record.js';
import type { Media, MediaService, UploadInput } from './media-service.js';
import { refuse } from './policy.js';
import type { Hasher, Logger, MediaStore, StreamingWrites, UploadTargets } from './ports.js';
import { guardStorage, storageUnavailable } from './storage-guard.js';
import { exactLength } from './streams.js';
import type { SignedPut, SignedUploadUrls } from './upload-signing.js';

/** How long an upload URL works: time for a large file on a slow phone link, short enough to be worthless if leaked. */
export const DIRECT_UPLOAD_TTL_MS = 15 * 60_000;

export const stagedKey = (id: string) => `${DIRECT_STAGING_PREFIX}${id}.bin`;
const recordKey = (id: string) => `${DIRECT_STAGING_PREFIX}${id}.json`;

/** What is kept about an upload until it is completed: whose it is (a hash of the API key), and what was declared. */
interface UploadRecord {
  owner: string;
  size: number;
  filename: string | null;
  content_type: string | null;
  expires_at: string;
}

export interface DirectUploadRequest {
  filename: string;
  size: number;
  content_type?: string;
}

export interface DirectUploadTicket {
  upload_id: string;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expires_at: string;
}

export interface DirectUploadsDeps {
  store: MediaStore;
  media: MediaService;
  targets: UploadTargets;
  /** When this service takes the PUTs itself: the URLs' signer and the store's streaming writes. */
  service?: { urls: SignedUploadUrls; writes: StreamingWrites };
  /** A write only if the key is free (conditional write), for instances sharing a bucket; absent for one process. */
  createOnce?: (key: string, body: string) => Promise<boolean>;
  sha256: () => Hasher;
  logger: Logger;
  now?: () => Date;
}

/** DirectUploadsDeps.createOnce over a bucket's conditional writes (If-None-Match: *), as Idempotency-Key claims use them. */
export function conditionalCreate(bucket: RecordBucket): NonNullable<DirectUploadsDeps['createOnce']> {
  return (key, body) => bucket.put(key, body, 'absent');
}

export class DirectUploads {
  private readonly deps: DirectUploadsDeps;
  private readonly now: () => Date;
  /** Completions under way in this process: a second request for one waits for the same answer. */
  private readonly running = new Map<string, Promise<Media>>();

  constructor(deps: DirectUploadsDeps) {
    this.deps = { ...deps, store: guardStorage(deps.store, deps.logger) };
    this.now = deps.now ?? (() => new Date());
  }

  /** A URL for one file of `size` bytes, refused at once (413) when no kind of file may be that large. */
  async create(owner: string, request: DirectUploadRequest): Promise<DirectUploadTicket> {
    const max = this.deps.media.limits.maxBodyBytes;
    if (request.size > max) throw refuse.bodyTooLarge('file', request.size, max);
    const id = newRandomPart();
    const expiresAt = new Date(this.now().getTime() + DIRECT_UPLOAD_TTL_MS);
    // The URL first: when none can be made, no record is left behind. The record is written before the URL is
    // given out, so a PUT to it always finds it.
    const { url, headers } = await this.deps.targets.target({ id, key: stagedKey(id), size: request.size, expiresAt });
    const record: UploadRecord = {
      owner,
      size: request.size,
      filename: originalText(request.filename),
      content_type: originalText(request.content_type),
      expires_at: expiresAt.toISOString(),
    };
    await putJson(this.deps.store, this.deps.sha256, recordKey(id), record);
    return { upload_id: id, url, method: 'PUT', headers, expires_at: record.expires_at };
  }

  /**
   * The PUT this service takes itself: only at a URL it signed and before it expires, only for an upload not yet
   * completed, and exactly the signed number of bytes (a body of another length is refused and nothing is kept).
   */
  async receive(put: SignedPut, body: ReadableStream<Uint8Array>, declaredLength: number | undefined): Promise<void> {
    const service = this.deps.service;
    if (!service) throw new AppError(404, 'not_found', 'This deployment takes direct uploads at the URL POST /v1/uploads/direct returns, not here.');
    await service.urls.check(put, this.now());
    if (!(await this.read(put.id))) throw uploadNotFound(put.id);
    if (await this.deps.media.jobs.record(put.id)) {
      throw new AppError(409, 'upload_completed', 'This upload was completed already; to send another file, ask for a new URL with POST /v1/uploads/direct.');
    }
    const mismatch = (received: number) =>
      new AppError(400, 'upload_size_mismatch', `This URL takes exactly ${put.size} bytes, the size it was asked for; the request ${received > put.size ? 'had more' : `had ${received}`}. Send the file it was made for.`);
    if (declaredLength !== undefined && declaredLength !== put.size) {
      await body.cancel().catch(() => undefined);
      throw mismatch(declaredLength);
    }
    let refused: AppError | undefined;
    const counted = body.pipeThrough(exactLength(put.size, (received) => (refused = mismatch(received))));
    try {
      await service.writes.putStream(stagedKey(put.id), counted, put.size);
    } catch (err) {
      if (refused) throw refused;
      throw isAppError(err) ? err : storageUnavailable('putStream', err, this.deps.logger);
    }
  }

  /**
   * Hosts the staged file as POST /v1/media would, and removes the staged bytes whatever the file's outcome (the
   * media, or its refusal); asked again, answers with that recorded outcome. When the service itself fails
   * instead, nothing is recorded and the bytes stay, for another try.
   */
  async complete(owner: string, id: string, options: Pick<UploadInput, 'image' | 'av'>): Promise<Media> {
    const upload = await this.read(id);
    if (!upload || upload.owner !== owner) throw uploadNotFound(id);
    let running = this.running.get(id);
    if (!running) {
      running = this.completeOnce(id, upload, options).finally(() => this.running.delete(id));
      this.running.set(id, running);
    }
    return running;
  }

  private async completeOnce(id: string, upload: UploadRecord, options: Pick<UploadInput, 'image' | 'av'>): Promise<Media> {
    const { store, media } = this.deps;
    const outcome = await media.jobs.record(id);
    if (outcome) return this.replay(id, outcome);
    const staged = await store.get(stagedKey(id));
    if (!staged) throw this.notReceived(upload);
    const begun = await media.jobs.beginOnce(id, this.deps.createOnce).catch((err: unknown) => err);
    if (begun !== true) {
      await staged.body.cancel().catch(() => undefined);
      if (begun !== false) throw isAppError(begun) ? begun : storageUnavailable('begin a job', begun, this.deps.logger);
      return this.replay(id, await media.jobs.record(id));
    }
    const work = media.host({
      body: staged.body,
      source: { key: stagedKey(id), etag: staged.etag }, // a PUT after this read must not become the media
      declaredSize: staged.size,
      filename: upload.filename ?? undefined,
      declaredContentType: upload.content_type ?? undefined,
      ...options,
      key: id,
    });
    const failure = await work.then(
      () => undefined,
      (error: unknown) => error,
    );
    // Storage failing, the service busy, a bug: nothing was decided about the file. The job is forgotten and the
    // staged bytes kept, so that the upload can be completed again.
    if (failure !== undefined && !(isAppError(failure) && failure.status < 500)) {
      await media.jobs.drop(id);
      throw failure;
    }
    if (!(await media.jobs.end(id, work))) {
      await media.jobs.drop(id); // the media is removed already (see MediaJobs.end): try again later
      throw storageUnavailable('record', new Error(`the outcome of upload ${id} could not be recorded`), this.deps.logger);
    }
    await store.delete(stagedKey(id)).catch(() => undefined); // logged by the guard; the bucket's lifecycle rule clears it later
    // What was recorded is the answer, now and on every repeat (a job past its deadline is recorded as timed out).
    return this.replay(id, await media.jobs.record(id));
  }

  /** The outcome recorded by the first complete. */
  private async replay(id: string, record: JobRecord | null): Promise<Media> {
    if (record?.status === 'ready') return this.deps.media.get(record.media_id);
    if (record?.status === 'failed') throw new AppError(record.http_status, record.code, record.error);
    if (record && Date.parse(record.deadline) < this.now().getTime()) throw timedOutJob(id, record.deadline);
    throw new AppError(409, 'upload_completing', 'This upload is being completed by another request; ask again in a few seconds for its outcome.', {
      headers: { 'retry-after': '5' },
    });
  }

  private notReceived(upload: UploadRecord): AppError {
    if (Date.parse(upload.expires_at) <= this.now().getTime()) {
      return new AppError(410, 'upload_expired', `No file arrived for this upload before its URL expired at ${upload.expires_at}; ask for a new one with POST /v1/uploads/direct.`);
    }
    return new AppError(
      409,
      'upload_not_received',
      `No file has arrived for this upload yet: PUT it to the URL POST /v1/uploads/direct returned (with the headers it listed; it works until ${upload.expires_at}), then complete the upload.`,
    );
  }

  private async read(id: string): Promise<UploadRecord | null> {
    if (!JOB_ID.test(id)) return null;
    const record = (await getJson(this.deps.store, recordKey(id))) as UploadRecord | null;
    return record && typeof record.owner === 'string' && typeof record.size === 'number' ? record : null;
  }
}

const uploadNotFound = (id: string) => new AppError(404, 'upload_not_found', `No upload with id "${id}" exists for this API key.`);
