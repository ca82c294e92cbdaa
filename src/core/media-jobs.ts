/**
 * Uploads processed after the answer (`Prefer: respond-async`): the request receives the whole body, answers 202
 * with a job id, and the conversion goes on in the background. The job's state is a small JSON object in the store,
 * under `status/<job id>.json`, so whichever instance is asked can answer for it: `processing` (with the moment it
 * must be over by), `failed` (with the refusal's status, code and sentence), or `ready` (naming the stored media,
 * whose extension is known only once it is converted). A job still `processing` past its deadline belongs to an
 * instance that stopped, and is reported failed.
 */
import { AppError } from './errors.js';

/** A job id: the random part of the media id it becomes (`<22 characters>`, without the extension). */
export const JOB_ID = /^[A-Za-z0-9_-]{22}$/;

export const jobKey = (jobId: string) => `status/${jobId}.json`;

export type JobRecord =
  | { status: 'processing'; started_at: string; deadline: string; progress?: number }
  | { status: 'failed'; started_at: string; http_status: number; code: string; error: string }
  | { status: 'ready'; started_at: string; media_id: string };

/** Whether a Prefer header (RFC 7240: comma-separated preferences, each maybe with a value and parameters) asks for respond-async. */
export function prefersAsync(header: string | null | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((pref) => pref.split(';')[0]!.split('=')[0]!.trim().toLowerCase() === 'respond-async');
}

/** A stored record read back; anything else under the key is treated as absent. */
export function parseJobRecord(text: string): JobRecord | null {
  try {
    const record = JSON.parse(text) as JobRecord;
    return record && ['processing', 'failed', 'ready'].includes(record.status) ? record : null;
  } catch {
    return null;
  }
}

/** What a job that was never finished reads as once its deadline has passed. */
export function timedOutJob(jobId: string, deadline: string): AppError {
  return new AppError(
    504,
    'media_processing_timeout',
    `Processing this upload did not finish by ${deadline}, so it was given up and nothing was stored. Send the file again.`,
    { extra: { status: 'failed', id: jobId } },
  );
}

/** The refusal a failed job records, as the error it was. */
export function jobError(jobId: string, record: Extract<JobRecord, { status: 'failed' }>): AppError {
  return new AppError(record.http_status, record.code, record.error, { extra: { status: 'failed', id: jobId } });
}
