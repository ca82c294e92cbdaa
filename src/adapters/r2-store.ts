import { resolveRange } from '../core/byte-range.js';
import type { ByteRange, FileContent, MediaStore, ObjectInfo, PutOptions, StoredObject, StreamingWrites } from '../core/ports.js';
import { concat, emptyStream } from '../core/streams.js';

/**
 * The parts of a Workers R2 binding (`R2Bucket`) this store uses, written out so that the file compiles
 * without the Workers types; the real binding fits them as it is.
 */
export interface R2HttpMetadataLike {
  contentType?: string;
  contentDisposition?: string;
  cacheControl?: string;
}
export interface R2ObjectLike {
  key: string;
  size: number;
  /** Unquoted, as `onlyIf.etagMatches` takes it; httpEtag is the quoted header value. */
  etag: string;
  httpEtag: string;
  httpMetadata?: R2HttpMetadataLike;
  customMetadata?: Record<string, string>;
}
export interface R2ObjectBodyLike extends R2ObjectLike {
  body: ReadableStream<Uint8Array>;
}
export interface R2BucketLike {
  /** With `onlyIf`, resolves null when the condition fails (`etagDoesNotMatch: '*'`: only if the key is free; `etagMatches`: only if unchanged). */
  put(
    key: string,
    value: Uint8Array | ReadableStream<Uint8Array>,
    options?: {
      httpMetadata?: R2HttpMetadataLike;
      customMetadata?: Record<string, string>;
      sha256?: string;
      onlyIf?: { etagDoesNotMatch?: string; etagMatches?: string };
    },
  ): Promise<R2ObjectLike | null>;
  get(key: string, options?: { range?: ByteRange }): Promise<R2ObjectBodyLike | null>;
  head(key: string): Promise<R2ObjectLike | null>;
  delete(key: string): Promise<void>;
}

export interface R2StoreOptions {
  bucket: R2BucketLike;
  /**
   * R2_PUBLIC_BASE_URL: the bucket's own public origin (a custom domain, or the r2.dev address). Without it,
   * this service serves the objects itself at `${appBaseUrl}/media/<key>`, with the same headers as on Node.
   */
  publicBaseUrl?: string;
  /** The worker's own public origin (PUBLIC_BASE_URL), for /media/<key> URLs. */
  appBaseUrl: string;
}

/** Keys carry 128 random bits and are never rewritten, so caches (R2's custom domains included) may keep them. */
const CACHE_CONTROL = 'public, max-age=31536000, immutable';
const PROBE_KEY = '.readiness-probe-never-written';

/**
 * Media in an R2 bucket through the Workers binding: no credentials, no signing, no SDK. Objects carry their
 * Content-Type and Content-Disposition as R2 HTTP metadata, so an R2 custom domain serves them right too, and
 * the media record as custom metadata (which R2 does not serve). Each file is one put: whole, or not there.
 */
export class R2Store implements MediaStore, StreamingWrites {
  readonly servedByApp: boolean;
  private readonly bucket: R2BucketLike;
  private readonly base: string;

  constructor(options: R2StoreOptions) {
    this.bucket = options.bucket;
    this.servedByApp = !options.publicBaseUrl;
    this.base = options.publicBaseUrl ? options.publicBaseUrl.replace(/\/+$/, '') : `${options.appBaseUrl.replace(/\/+$/, '')}/media`;
  }

  async put(key: string, content: FileContent, options: PutOptions): Promise<void> {
    await this.bucket.put(key, concat(content.chunks), {
      httpMetadata: {
        contentType: options.contentType,
        contentDisposition: options.filename ? `inline; filename="${options.filename}"` : undefined,
        cacheControl: CACHE_CONTROL,
      },
      customMetadata: options.metadata,
      sha256: content.sha256, // R2 refuses the write if the bytes it received differ
    });
  }

  /**
   * A direct upload's bytes as they arrive. R2 takes a stream only of known length: a FixedLengthStream (a Workers
   * global) of `size` says it, and fails the put, which then keeps nothing, when the body's length differs.
   */
  async putStream(key: string, body: ReadableStream<Uint8Array>, size: number): Promise<void> {
    const Fixed = (globalThis as { FixedLengthStream?: new (length: number) => TransformStream<Uint8Array, Uint8Array> }).FixedLengthStream;
    if (!Fixed) throw new Error('R2Store.putStream needs the Workers runtime (FixedLengthStream)');
    const fixed = new Fixed(size);
    await Promise.all([body.pipeTo(fixed.writable), this.bucket.put(key, fixed.readable, { httpMetadata: { contentType: 'application/octet-stream' } })]);
  }

  async publicUrl(key: string): Promise<{ url: string; expiresAt: Date | null }> {
    return { url: `${this.base}/${key}`, expiresAt: null };
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    let object: R2ObjectBodyLike | null;
    try {
      object = await this.bucket.get(key, range ? { range } : undefined);
    } catch (err) {
      // R2 refuses a range that starts past the end (10039; the local emulator fails differently): if that is
      // why, answer with the object's headers and no bytes, as the other stores do.
      const unsatisfiable = range && (await this.unsatisfiable(key, range));
      if (unsatisfiable !== undefined) return unsatisfiable;
      throw err;
    }
    if (!object) return null;
    return { body: object.body, size: object.size, ...headersOf(object), range: range && resolveRange(range, object.size) };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const object = await this.bucket.head(key);
    return object && { size: object.size, ...headersOf(object) };
  }

  async delete(key: string): Promise<void> {
    await this.bucket.delete(key); // R2 deletes of a missing key succeed: idempotent as it stands
  }

  async check(): Promise<void> {
    await this.bucket.head(PROBE_KEY); // null proves the binding answers; a broken binding throws
  }

  /** The object's headers and an empty body when `range` starts past its end; null when it is gone; undefined otherwise. */
  private async unsatisfiable(key: string, range: ByteRange): Promise<StoredObject | null | undefined> {
    const head = await this.bucket.head(key);
    if (!head) return null;
    const span = resolveRange(range, head.size);
    if (span.start < head.size) return undefined;
    return { body: emptyStream(), size: head.size, ...headersOf(head), range: span };
  }
}

function headersOf(o: R2ObjectLike) {
  const disposition = o.httpMetadata?.contentDisposition;
  const filename = disposition ? /filename="([^"]*)"/.exec(disposition)?.[1] : undefined;
  return { contentType: o.httpMetadata?.contentType ?? 'application/octet-stream', etag: o.httpEtag, filename, metadata: o.customMetadata ?? {} };
}
