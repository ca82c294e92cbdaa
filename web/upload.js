// Uploads through tus (resumable: a dropped connection resumes from the last byte the service has), then waits
// for the service to finish converting the file.
import { authHeaders } from './api.js';

/** Each PATCH carries at most this much: a dropped connection costs at most one chunk of re-sending. */
const CHUNK_BYTES = 1024 * 1024;
/** Waits between automatic retries after a dropped connection or a 5xx; then the Retry button is offered. */
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10000];
const POLL_MS = 800;
const INCOMPLETE_RETRIES = 5;
/** tus answers that refuse the file itself (unreadable metadata, too large, empty); others (a key, a limit, a lost upload) may pass on Retry. */
const FINAL_STATUSES = new Set([400, 413, 415, 422]);

/**
 * Starts uploading a file. `on.progress(fraction)` while bytes go up, `on.processing(progress?)` while the service
 * converts it, then `on.ready(media)` or `on.failed(sentence, final)`; final: the service refused the file itself,
 * so sending it again cannot help. Returns cancel (ends the upload on the service too) and retry (resumes a failed
 * upload where it stopped, with the key as it is now; starts a cancelled one again).
 */
export function startUpload(file, on) {
  let upload;
  // Each start has its own flag: a cancelled upload's late answers are ignored even after Retry starts another.
  let attempt;
  const begin = () => {
    const mine = { cancelled: false };
    attempt = mine;
    upload = new globalThis.tus.Upload(file, {
      endpoint: '/v1/uploads',
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      headers: authHeaders(),
      metadata: { filename: file.name || 'pasted-file', filetype: file.type || 'application/octet-stream' },
      // Upload addresses stay in this page: nothing about an upload is written to localStorage.
      storeFingerprintForResuming: false,
      onProgress: (sent, total) => on.progress(total > 0 ? sent / total : 1),
      onSuccess: () => waitForMedia(new URL(upload.url).pathname, on, () => mine.cancelled),
      onError: (err) => {
        const body = tusErrorBody(err);
        const status = err?.originalResponse?.getStatus?.() ?? 0;
        on.failed(body?.error ?? 'The upload stopped: the connection to the service was lost. Press Retry to continue where it stopped.', FINAL_STATUSES.has(status));
      },
    });
    upload.start();
  };
  begin();
  return {
    cancel: () => {
      attempt.cancelled = true;
      // true when the service removed what it had; false when it could not (the last byte had arrived: it hosts it)
      return upload.abort(true).then(() => true, () => false);
    },
    retry: () => {
      if (attempt.cancelled) return begin();
      upload.options.headers = authHeaders(); // a key corrected since the failure
      upload.start();
    },
  };
}

/** The service's error envelope from a refused tus request, when it sent one. */
function tusErrorBody(err) {
  const text = err?.originalResponse?.getBody?.();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Asks GET /v1/uploads/{id}/media until the file is ready or refused. The service itself ends processing that runs
 * past its deadline (a failed answer), so this ends too; 409 (not every byte in) can only be brief after tus
 * reported success, and is asked again a few times.
 */
async function waitForMedia(uploadPath, on, stopped) {
  let incomplete = 0;
  for (;;) {
    if (stopped()) return;
    let res, body;
    try {
      res = await fetch(`${uploadPath}/media`, { headers: authHeaders() });
      body = await res.json();
    } catch {
      await sleep(POLL_MS * 2); // the service is briefly unreachable: keep asking
      continue;
    }
    if (stopped()) return; // cancelled while the question was out
    if (res.ok && body.status === 'ready') return on.ready(body.media);
    if (res.ok && body.status === 'processing') on.processing(body.progress);
    // A failed job with a 4xx refused the file itself; a 5xx (storage down, queue full, out of time) may pass on Retry.
    else if (res.status !== 409 || ++incomplete > INCOMPLETE_RETRIES) return on.failed(body.error ?? `The service answered HTTP ${res.status}.`, body.status === 'failed' && res.status < 500);
    await sleep(POLL_MS);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
