/**
 * The ports: what the core needs from the world, as small interfaces. Adapters in src/adapters implement
 * them for Node (local disk, S3, sharp) and Workers (R2, no sharp); tests use the same real adapters.
 */
import type { AvFormat, AvOptions, ImageOptions, MediaKind, Optimize } from './policy.js';

/**
 * A whole file as the core hands it to storage, once it has been received, checked and hashed: the chunks as they
 * arrived (not joined, so no copy is made unless a store needs one), their total length and their SHA-256.
 * Files are small (at most 10 MB for media): holding one whole means every write is a single request that
 * stores all of it or nothing, and nothing is ever sent to storage for an upload that fails.
 */
export interface FileContent {
  chunks: readonly Uint8Array[];
  size: number;
  /** Hex SHA-256 of the bytes. Stores that can have storage verify it (S3 SigV4 payload hash, R2 `sha256`). */
  sha256: string;
}

export interface PutOptions {
  contentType: string;
  /** Shown to whoever downloads the file, in Content-Disposition; already safe (see safeFilename). */
  filename?: string;
  /**
   * A few short ASCII values under lower-case keys (S3 lower-cases them), kept with the object and returned by
   * head() and get(); under 2 KB in all, S3's limit. S3 serves them with the file (`x-amz-meta-*`), so they must
   * hold nothing secret.
   */
  metadata?: Record<string, string>;
}

/** What a store knows about an object, without its bytes. */
export interface ObjectInfo {
  size: number;
  contentType: string;
  etag: string;
  filename?: string;
  /** As given to put; empty when there is none. */
  metadata: Record<string, string>;
}

export interface StoredObject extends ObjectInfo {
  body: ReadableStream<Uint8Array>;
  /** Set when a range was asked for: the bytes in `body`, inclusive; start >= size means unsatisfiable. */
  range?: { start: number; end: number };
}

/** As R2 takes it: the first `length` bytes from `offset`, or the last `suffix` bytes. */
export type ByteRange = { offset: number; length?: number } | { suffix: number };

export interface MediaStore {
  /** Writes the object in one request: afterwards it is there whole, or not at all. */
  put(key: string, content: FileContent, options: PutOptions): Promise<void>;
  /**
   * Writes `key` as a copy of the object at `from` in the same store, made by the store itself (no byte passes
   * through this service), with these headers; with `ifMatch`, only while `from` still has that ETag. Rejects when
   * it cannot; callers then write the bytes they hold with put. Missing where the store has no copy (R2's binding).
   */
  copy?(from: string, key: string, options: PutOptions & { ifMatch?: string }): Promise<void>;
  /** A URL anyone can GET without credentials, and when it stops working (null: permanent). */
  publicUrl(key: string): Promise<{ url: string; expiresAt: Date | null }>;
  /** The object's size, headers and metadata; null when it does not exist. */
  head(key: string): Promise<ObjectInfo | null>;
  /** The object, or part of it; null when it does not exist. */
  get(key: string, range?: ByteRange): Promise<StoredObject | null>;
  delete(key: string): Promise<void>;
  /** Throws when the store cannot be reached (readiness). */
  check(): Promise<void>;
  /** True when this service itself must serve the objects at /media/<key> (local disk, R2 without a domain). */
  readonly servedByApp: boolean;
}

/** A direct upload (POST /v1/uploads/direct) waiting for its bytes: staged at `key`, exactly `size` bytes, until `expiresAt`. */
export interface PendingDirectUpload {
  id: string;
  key: string;
  size: number;
  expiresAt: Date;
}

/**
 * Where a client PUTs a direct upload's bytes: a URL the store itself takes (an S3 presigned PUT), or one this
 * service takes and checks (local disk, an R2 binding: see SignedUploadUrls). Either way the URL admits exactly
 * `size` bytes, to `key` only, until `expiresAt`.
 */
export interface UploadTargets {
  /** The URL and the headers the PUT must carry as they are (the signature may cover them). */
  target(upload: PendingDirectUpload): Promise<{ url: string; headers: Record<string, string> }>;
}

/** A store that writes a body as it arrives (the service-taken PUT of a direct upload), instead of a whole file held in memory. */
export interface StreamingWrites {
  /**
   * Writes exactly `size` bytes to `key`: afterwards the object is there whole, or not at all. Rejects when the
   * body fails, or has more or fewer bytes (the caller's stream says which, see exactLength).
   */
  putStream(key: string, body: ReadableStream<Uint8Array>, size: number): Promise<void>;
}

export interface ImageInput {
  /** The file's length in bytes. */
  size: number;
  /**
   * The file in one array of its own; call it once, when the bytes are needed. An image may wait a while for its
   * turn to be decoded; until the call it stays in the service's pooled memory, which the call gives back for
   * other files, so that the image is held once at any time: in the pool while it waits, then in this array.
   */
  read(): Uint8Array;
  /** From the bytes, as file-type names it. */
  detected: { ext: string; mime: string };
}

export interface ProcessedImage {
  bytes: Uint8Array;
  extension: string;
  contentType: string;
  width?: number;
  height?: number;
  original: { width?: number; height?: number };
  transformations: string[];
}

/**
 * Decodes, encodes and reports facts; what to do with an image is the policy's (src/core/policy/images.ts), and
 * how large an input may be is the service's Limits, checked before process is called.
 */
export interface ImageProcessor {
  /** Whether an image of this detected type can be taken at all (carrier formats, plus what it can convert). */
  accepts(detected: { ext: string; mime: string }): boolean;
  /** Returns a carrier-ready image or throws an AppError saying why it cannot. */
  process(input: ImageInput, options: ImageOptions): Promise<ProcessedImage>;
  /** The decode queue now, for /metrics: images being processed, and images waiting for a slot. */
  stats?(): { active: number; waiting: number };
}

/** A video or audio file ready to store, with what was done to it (see src/core/policy/av-steps.ts). */
export interface ProcessedAv {
  /** At most the endpoint's limit for its type: small enough to hold. */
  bytes: Uint8Array;
  extension: string;
  contentType: string;
  kind: 'video' | 'audio';
  /** Seconds. */
  duration?: number;
  width?: number;
  height?: number;
  original: { duration?: number; width?: number; height?: number; codecs?: string[] };
  transformations: string[];
  /** True when `bytes` are the upload's own, unchanged (passed as sent once probed): stored as a kept file is. */
  asSent?: boolean;
}

/** A video or audio file that passes with its own bytes: what ProcessedAv says of it, less the bytes (the upload's own). */
export type KeptAv = Omit<ProcessedAv, 'bytes' | 'asSent'>;

/**
 * One file on its way to a converter. The service writes its bytes as they arrive (a converter keeps them out of
 * memory: a temporary file), then asks for the result once, and closes it on every path.
 */
export interface AvUpload {
  /** The next bytes of the file, in order; resolves once they are kept (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Once every byte is written: a carrier-ready file, or an AppError saying why not. */
  process(options: AvOptions): Promise<ProcessedAv>;
  /** Lets go of whatever was kept for the file. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Makes video and audio carrier-ready: probes, then keeps, remuxes or re-encodes as the policy says
 * (src/core/policy/av.ts). How large an input may be is the service's Limits, checked as the bytes arrive.
 */
export interface AvProcessor {
  /** Whether a file of this detected type is taken as video or audio here (what it converts, plus carrier types). */
  accepts(detected: { ext: string; mime: string }): boolean;
  /** True when files are converted here; false for the stand-in that only lets deliverable files pass (no ffmpeg). */
  readonly converts: boolean;
  /**
   * A file held whole in memory (no larger than describableBytes) that passes with its own bytes, told in-process
   * from its container headers, without a child process; undefined when it needs the converter or its headers
   * alone cannot vouch for it (then it goes through open() as any other).
   */
  describeAsSent?(chunks: readonly Uint8Array[], format: AvFormat, options: AvOptions): KeptAv | undefined;
  /** Starts a file. Throws 503 `server_busy` at once when the conversion queue is already full. */
  open(detected: { ext: string; mime: string }): Promise<AvUpload>;
  /** The conversion queue now, for /metrics. */
  stats?(): { active: number; waiting: number };
}

export interface SendRequest {
  campaign_id: string;
  phone_number: string;
  media_url: string;
  message?: string;
}

export interface SendResult {
  status: number;
  body: unknown;
}

export interface MmsSender {
  /** One attempt, never retried: throws AppError 502/504 when the endpoint cannot be reached in time. */
  send(request: SendRequest): Promise<SendResult>;
}

export interface Hasher {
  update(chunk: Uint8Array): void;
  digestHex(): string;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface Clock {
  now(): Date;
}

export type { AvOptions, ImageOptions, MediaKind, Optimize };

/** One outbound request to a user-supplied URL (see GuardedFetcher). */
export interface OutboundRequest {
  method: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** The caller's whole time budget: when it aborts, the request (or the body still arriving) fails with `url_timeout`. */
  signal: AbortSignal;
  /** The body errors with `file_too_large` once more than this many bytes arrive. */
  maxBytes: number;
}

export interface OutboundResponse {
  status: number;
  headers: Headers;
  /** Null for HEAD. Cancel it when you have read enough: that closes the connection. */
  body: ReadableStream<Uint8Array> | null;
}

/**
 * Fetches a URL someone gave us, and only if the address policy allows it: the host (an IP literal, or every
 * address its name resolves to) must be public unless its host:port is allowlisted, and the connection goes
 * to the address that was checked. Exactly one request: redirects are returned, never followed, so the caller
 * re-checks every hop. Throws AppError `blocked_address`, `url_timeout` or `url_not_fetchable`.
 */
export interface GuardedFetcher {
  fetch(url: URL, request: OutboundRequest): Promise<OutboundResponse>;
}
