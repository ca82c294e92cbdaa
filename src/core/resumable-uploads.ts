/**
 * The resumable-upload port (tus 1.0 at /v1/uploads): what http hands each tus request to, and the hooks through
 * which it applies this service's rules. Apart from ports.ts because it is one protocol's contract, with its own
 * types, that only the tus routes and their adapter use.
 */

/** An upload held by the resumable-upload server (tus) while it arrives, until its bytes have been processed. */
export interface StagedUpload {
  /** A random part, as a job id: the job that processes it and the media it becomes are named after it. */
  id: string;
  /** Upload-Length. */
  size: number;
  /** Bytes received so far. */
  offset: number;
  /** As the client sent it in Upload-Metadata, decoded, without `owner`. */
  metadata: Record<string, string>;
  /** Who created it (see ResumableUploadHooks.owner). */
  owner: string;
}

/** What http decides for one tus request; a refusal is an AppError thrown from a hook, answered in the envelope. */
export interface ResumableUploadHooks {
  /** The API key making the request, hashed: stored with an upload it creates, compared on every later request. */
  owner: string;
  /** Before an upload is created (nothing is stored yet): throws to refuse it. */
  onCreate(upload: { size: number; metadata: Record<string, string> }): void;
  /** Before any request about an upload: throws to refuse it. `owner`: who created it, null when there is no such upload. */
  onAccess(id: string, owner: string | null): void;
  /** Once its last byte is in, before the last request is answered. */
  onFinish(upload: StagedUpload): Promise<void>;
}

/**
 * tus 1.0 at /v1/uploads (on Node: @tus/server, staging on the local disk or in the bucket): http hands it each
 * tus request with its hooks. Absent where it cannot run (Workers).
 */
export interface ResumableUploads {
  /** Answers one tus request (POST, HEAD, PATCH, DELETE, OPTIONS); an AppError from a hook is thrown, not answered. */
  handle(request: Request, hooks: ResumableUploadHooks): Promise<Response>;
  /** The upload while it is staged; null when it never was, has expired or has been processed and removed. */
  find(id: string): Promise<StagedUpload | null>;
  /** A finished upload's bytes, and the ETag of the object they were read from when it is staged in the media bucket. */
  read(id: string): Promise<{ body: ReadableStream<Uint8Array>; etag?: string }>;
  /**
   * The upload's key in the media store, when it is staged as one of its objects (in its bucket): a file kept byte
   * for byte is copied from there, on the condition that the object still has the ETag read() gave.
   */
  storeKey(id: string): string | undefined;
  /**
   * Removes a staged upload, bytes and record; nothing happens when it is already gone. `finished`: its last byte
   * is in, so nothing partial is left to look for (fewer requests to the store).
   */
  remove(id: string, options?: { finished?: boolean }): Promise<void>;
  /** Stops the periodic removal of expired uploads (at shutdown). */
  close(): void;
}
