/**
 * Uploads processed after the answer (`Prefer: respond-async`): the request receives the whole body, answers 202
 * with a job id, and the conversion goes on in the background. The job's state is a small JSON object in the store,
 * under `status/<job id>.json`, so whichever instance is asked can answer for it: `processing` (with the moment it
 * must be over by), `failed` (with the refusal's status, code and sentence), or `ready` (naming the stored media,
 * whose extension is known only once it is converted). A job still `processing` past its deadline belongs to an
 * instance that stopped, and is reported failed.
 */
import { AppError, isAppError } from './errors.js';
import { getJson, putJson } from './json-records.js';
import { newRandomPart } from './keys.js';
import { mediaNotFound, type Media } from './media-record.js';
import type { Hasher, Logger, MediaStore } from './ports.js';

/** A job id: the random part of the media id it becomes (`<22 characters>`, without the extension). */
export const JOB_ID = /^[A-Za-z0-9_-]{22}$/;

export const jobKey = (jobId: string) => `status/${jobId}.json`;

/**
 * Background jobs that read their file themselves (finished resumable uploads) processed at once by an instance;
 * the rest wait their turn with their bytes staged. Each holds one file in memory while it is checked, as an
 * upload request does (see memoryBound in src/node/memory.ts); the work is bounded further by the image and video
 * queues.
 */
export const BACKGROUND_JOBS_AT_ONCE = 8;

/** `owner`: a job begun for one API key (a resumable upload's, see begin) reads as unknown to the others. */
export type JobRecord = (
  | { status: 'processing'; started_at: string; deadline: string; progress?: number; claim?: string }
  | { status: 'failed'; started_at: string; http_status: number; code: string; error: string }
  | { status: 'ready'; started_at: string; media_id: string }
) & { owner?: string };

/** Whether a Prefer header (RFC 7240: comma-separated preferences, each maybe with a value and parameters) asks for respond-async. */
export function prefersAsync(header: string | null | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((pref) => pref.split(';')[0]!.split('=')[0]!.trim().toLowerCase() === 'respond-async');
}

/** A stored record read back; anything else under the key is treated as absent. */
export function parseJobRecord(value: unknown): JobRecord | null {
  const record = value as JobRecord | null;
  return record && ['processing', 'failed', 'ready'].includes(record.status) ? record : null;
}

/** What a job that was never finished reads as once its deadline has passed. */
export function timedOutJob(jobId: string, deadline: string): AppError {
  return new AppError(
    504,
    'media_processing_timeout',
    `Processing this upload did not finish by ${deadline}, so it was given up and nothing was stored. Send the file again as a new upload.`,
    { extra: { status: 'failed', id: jobId } },
  );
}

/** The refusal a failed job records, as the error it was. */
export function jobError(jobId: string, record: Extract<JobRecord, { status: 'failed' }>): AppError {
  return new AppError(record.http_status, record.code, record.error, { extra: { status: 'failed', id: jobId } });
}

/** What GET /v1/media/{id} reports for a job that has not failed. */
export type JobState = { status: 'processing'; id: string; started_at: string; deadline: string; progress?: number } | { status: 'ready'; media: Media };

export interface MediaJobsDeps {
  store: MediaStore;
  sha256: () => Hasher;
  logger: Logger;
  /** How long a job may take before it reads as failed even if no instance finished it (default 3 minutes). */
  jobDeadlineMs?: number;
  /** The media a ready job names, and the removal of media whose job could not be recorded. */
  media: { get(id: string): Promise<Media>; discard(id: string): Promise<void> };
}

/** Background uploads' records: begun, given progress, ended, read back by any instance. */
export class MediaJobs {
  /** Per job, its record's writes in order, so that no progress lands after the outcome. */
  private readonly writes = new Map<string, Promise<void>>();
  private readonly ended = new Set<string>();

  constructor(private readonly deps: MediaJobsDeps) {}

  /**
   * Starts a background job (Prefer: respond-async): allocates its id and records it as processing until its
   * deadline, before any of the file is read. The id is the random part of the media id the job will store; a
   * resumable upload gives its own (a random part too), with the hash of the API key it belongs to as `owner`.
   */
  async begin(options: { id?: string; owner?: string } = {}): Promise<Extract<JobState, { status: 'processing' }>> {
    const id = options.id ?? newRandomPart();
    const record = this.processing();
    await this.write(id, { ...record, ...(options.owner !== undefined && { owner: options.owner }) });
    return { ...record, id };
  }

  /**
   * Starts a job under an id given out before (a direct upload's), only if no job has that id yet: false when one
   * has. `createOnce` writes only if the key is free (a conditional write, for instances sharing the bucket);
   * without it (one process) the record is simply written and the caller keeps others out. The record carries a
   * random claim, so that a write that landed but whose reply was lost (the SDK's retry then refused: the key is
   * taken) is still known as this call's. When the write fails, a record it may have left is removed (only if it
   * bears this claim), so that the job can be begun again.
   */
  async beginOnce(id: string, createOnce?: (key: string, body: string) => Promise<boolean>): Promise<boolean> {
    const record = this.processing();
    if (!createOnce) {
      await this.write(id, record);
      return true;
    }
    const claim = newRandomPart();
    const mine = async () => {
      const stored = await this.record(id);
      return stored?.status === 'processing' && stored.claim === claim;
    };
    try {
      return (await createOnce(jobKey(id), JSON.stringify({ ...record, claim }))) || (await mine());
    } catch (err) {
      if (await mine().catch(() => false)) await this.drop(id);
      throw err;
    }
  }

  private processing(): Extract<JobRecord, { status: 'processing' }> {
    const started = Date.now();
    return { status: 'processing', started_at: new Date(started).toISOString(), deadline: new Date(started + (this.deps.jobDeadlineMs ?? 180_000)).toISOString() };
  }

  /**
   * Records how a background job ended: `ready` with the media it stored, or `failed` with the refusal (anything
   * that is not an AppError is recorded as the 500 the request would have answered). A job that stored its media
   * after its deadline is recorded as timed out, its media removed: it was already reported so. When even that
   * record cannot be written, the job's media is removed, so a job never leaves media its record does not name; its
   * record then stays `processing` and reads as failed after its deadline. Resolves false then, true once the
   * outcome is recorded. `begun`: the record begin() wrote, when the caller holds it (else it is read back).
   */
  async end(id: string, outcome: Promise<Media>, begun?: JobRecord): Promise<boolean> {
    outcome.catch(() => undefined); // a refusal may come while the record is read: it is handled below, not unhandled
    // A record that cannot be read just now (storage failing for a moment; the store logs it) must not keep the
    // outcome from being written, nor make this reject: callers run it after their answer, with no one to catch it.
    begun ??= (await this.record(id).catch(() => null)) ?? undefined;
    const started_at = begun?.started_at ?? new Date().toISOString();
    const owner = begun?.owner !== undefined ? { owner: begun.owner } : {};
    let media: Media | undefined;
    let record: JobRecord;
    try {
      media = await outcome;
      if (begun?.status === 'processing' && Date.parse(begun.deadline) < Date.now()) {
        // Anyone who asked after the deadline was told the job failed (media_processing_timeout): it stays failed.
        await this.deps.media.discard(media.id);
        media = undefined;
        throw timedOutJob(id, begun.deadline);
      }
      record = { status: 'ready', started_at, media_id: media.id, ...owner };
    } catch (err) {
      if (!isAppError(err)) this.deps.logger.error('a background upload failed', { job: id, error: (err as Error)?.message ?? String(err) });
      const e = isAppError(err) ? err : new AppError(500, 'internal_error', 'Something went wrong on our side; the file was not stored. Send it again.');
      record = { status: 'failed', started_at, http_status: e.status, code: e.code, error: e.message, ...owner };
    }
    this.ended.add(id); // progress not yet written is dropped
    try {
      await this.inOrder(id, () => this.write(id, record));
      return true;
    } catch (err) {
      this.deps.logger.error('the record of a background upload could not be written', { job: id, error: (err as Error)?.message ?? String(err) });
      if (media) await this.deps.media.discard(media.id);
      return false;
    } finally {
      this.ended.delete(id);
    }
  }

  /**
   * For a background job: records how far its conversion has got, in steps of a tenth at least and one write at a
   * time (a step reported while one is being written is skipped), never after its outcome.
   */
  progressOf(job: { id: string; started_at: string; deadline: string; owner?: string }): (fraction: number) => void {
    let shown = -1;
    let writing = false;
    return (fraction) => {
      if (writing || fraction < shown + 0.1 || this.ended.has(job.id)) return;
      shown = fraction;
      writing = true;
      const record = { status: 'processing' as const, started_at: job.started_at, deadline: job.deadline, progress: Math.round(fraction * 100) / 100, ...(job.owner !== undefined && { owner: job.owner }) };
      this.inOrder(job.id, () => (this.ended.has(job.id) ? Promise.resolve() : this.write(job.id, record)))
        .catch((err: unknown) => this.deps.logger.warn('the progress of a background upload could not be recorded', { job: job.id, error: (err as Error)?.message ?? String(err) }))
        .finally(() => (writing = false));
    };
  }

  private inOrder(id: string, write: () => Promise<void>): Promise<void> {
    const next = (this.writes.get(id) ?? Promise.resolve()).then(write);
    const settled = next.catch(() => undefined);
    this.writes.set(id, settled);
    void settled.then(() => this.writes.get(id) === settled && this.writes.delete(id));
    return next;
  }

  /** Forgets a job whose refusal was answered to the request itself (its id was never given out). */
  async drop(id: string): Promise<void> {
    await this.deps.store.delete(jobKey(id)).catch(() => undefined);
  }

  /**
   * A background job as its record tells it: processing, or ready with its media; a failed job throws its refusal
   * (with `status: "failed"`), and so does one still processing past its deadline (media_processing_timeout).
   * A job begun for an owner (a resumable upload's) is not found when asked for by anyone else. `owner.only`: a
   * job begun for no owner is not found either (GET /v1/uploads/{id}/media knows only resumable uploads).
   */
  async state(id: string, owner?: { is: string; only?: boolean }): Promise<JobState> {
    const record = JOB_ID.test(id) ? await this.record(id) : null;
    const mine = record?.owner === undefined ? !owner?.only : record.owner === owner?.is;
    if (!record || !mine) throw mediaNotFound(id);
    if (record.status === 'failed') throw jobError(id, record);
    if (record.status === 'ready') return { status: 'ready', media: await this.deps.media.get(record.media_id) };
    if (Date.parse(record.deadline) < Date.now()) throw timedOutJob(id, record.deadline);
    return { status: 'processing', id, started_at: record.started_at, deadline: record.deadline, ...(record.progress !== undefined && { progress: record.progress }) };
  }

  /** The job's record as stored; null when there is none. */
  async record(id: string): Promise<JobRecord | null> {
    return parseJobRecord(await getJson(this.deps.store, jobKey(id)));
  }

  private write(id: string, record: JobRecord): Promise<void> {
    return putJson(this.deps.store, this.deps.sha256, jobKey(id), record);
  }

  /** A deleted media's job record names it: it goes too, so the job reads as unknown, not ready. */
  async forgetMedia(mediaId: string): Promise<void> {
    await this.drop(mediaId.slice(0, mediaId.indexOf('.')));
  }
}
