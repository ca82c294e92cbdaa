import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
  type S3ClientConfig,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { resolveRange } from '../core/byte-range.js';
import { concat, emptyStream } from '../core/streams.js';
import type { ByteRange, FileContent, Logger, MediaStore, ObjectInfo, PutOptions, StoredObject } from '../core/ports.js';

export interface S3ClientOptions {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };
  /** Where the SDK's own notes go (at debug level: failures that matter are logged where they are handled). */
  logger?: Logger;
}

/**
 * Node's agent keeps idle sockets to the store for good, and reuses one that the store is closing at that moment
 * (its idle timeout: 5 s for a Node server, 30-60 s behind load balancers): the request fails with ECONNRESET
 * ("socket hang up"), which the SDK cannot retry when the body is a stream (a tus part). With an idle timeout of
 * its own, the agent closes idle sockets first: after 15 s, or a second before the store's announced
 * `Keep-Alive: timeout=N` (Node 20 heeds that hint only when the agent has a timeout). Ignored on Workers (fetch).
 */
export const IDLE_SOCKETS_CLOSED = { httpAgent: { timeout: 15_000 }, httpsAgent: { timeout: 15_000 } };

/**
 * An S3 client that fails fast when the store is down: a few attempts, a connect timeout for unreachable
 * hosts and an idle-socket timeout for hung ones. `requestTimeout` is a hard cap up to the response headers
 * (it must cover sending a 10 MB file on a slow link); without `throwOnRequestTimeout` the SDK only logs it.
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    ...(options.logger && { logger: sdkLogger(options.logger) }),
    // Two tries of at most ~4 s idle each: a store that is down or hung is reported (503) within 10 s.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2_000, socketTimeout: 4_000, requestTimeout: 30_000, throwOnRequestTimeout: true, ...IDLE_SOCKETS_CLOSED },
    // By default the SDK adds its own CRC32 to every upload (a second pass over the file, and streamed bodies sent
    // aws-chunked with a trailer, which replaces the SHA-256 payload hash S3Store.put signs with). Uploads carry
    // that SHA-256 instead, so checksums are computed only where an operation requires one, on every store.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    // S3-compatible stores (R2, MinIO, emulators) also mishandle response checksum validation.
    ...(options.endpoint && { responseChecksumValidation: 'WHEN_REQUIRED' }),
  });
}

/**
 * The SDK writes its notes to the console as plain text unless it is given a logger; the one that matters here
 * ("non-retryable streaming request", after a failed attempt that put() then makes again) becomes a debug line.
 * `info` and `error` are left out on purpose: given those, the SDK would serialise every call for logging.
 */
function sdkLogger(logger: Logger): S3ClientConfig['logger'] {
  const note = (...content: unknown[]) => logger.debug('s3 client note', { note: content.map(String).join(' ') });
  return { trace: note, debug: note, warn: note } as unknown as S3ClientConfig['logger'];
}

export interface S3StoreOptions {
  client: S3Client;
  bucket: string;
  /** A public (CDN or public-bucket) base URL; without it, objects are shared through presigned URLs. */
  publicBaseUrl?: string;
  urlTtlSeconds: number;
  now?: () => Date;
  /**
   * Sends a file's chunks as a stream instead of joining them into one buffer first: on Node,
   * `(chunks) => Readable.from(chunks)` saves a copy of every upload (~0.8 ms of CPU per MB under load). Without
   * it (Workers, whose fetch wants one body) the chunks are joined.
   */
  streamChunks?: (chunks: readonly Uint8Array[]) => NonNullable<PutObjectCommandInput['Body']>;
}

/** How many times a write is tried: a store that is down or hung is reported within 10 s (see createS3Client). */
const PUT_ATTEMPTS = 2;

/** Keys carry 128 random bits and are never rewritten, so caches may keep them for good. */
const CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** The headers an object is served with, written alike by put and copy. */
const objectHeaders = (options: PutOptions) => ({
  ContentType: options.contentType,
  ContentDisposition: options.filename ? `inline; filename="${options.filename}"` : undefined,
  CacheControl: CACHE_CONTROL,
  Metadata: options.metadata,
});
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600; // SigV4's limit
const PROBE_KEY = '.readiness-probe-never-written';

export class S3Store implements MediaStore {
  readonly servedByApp = false;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly publicBaseUrl?: string;
  private readonly ttl: number;
  private readonly now: () => Date;
  private readonly streamChunks?: S3StoreOptions['streamChunks'];

  constructor(options: S3StoreOptions) {
    // Fail at startup rather than on the first share: SigV4 presigned URLs cannot outlive a week.
    if (!(options.urlTtlSeconds > 0 && options.urlTtlSeconds <= MAX_PRESIGN_SECONDS)) {
      throw new Error(`urlTtlSeconds must be between 1 and ${MAX_PRESIGN_SECONDS}`);
    }
    ({ client: this.client, bucket: this.bucket, urlTtlSeconds: this.ttl } = options);
    this.publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '');
    this.now = options.now ?? (() => new Date());
    this.streamChunks = options.streamChunks;
  }

  /**
   * One PutObject: atomic, so nothing is ever left to clean up, and cheaper than a multipart upload (every file
   * this service stores is at most 10 MB). The body's SHA-256, already known, is sent as the SigV4 payload hash:
   * the SDK need not hash the body again, and S3 refuses the write if the bytes it received differ.
   */
  async put(key: string, content: FileContent, options: PutOptions): Promise<void> {
    if (!this.streamChunks) return this.putOnce(key, concat(content.chunks), content, options); // the SDK retries a buffer itself
    // The SDK never sends a stream twice, so the second attempt is made here, with a fresh stream.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.putOnce(key, this.streamChunks(content.chunks), content, options);
      } catch (err) {
        if (attempt === PUT_ATTEMPTS || !retryable(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200)); // as the SDK backs off
      }
    }
  }

  private async putOnce(key: string, body: NonNullable<PutObjectCommandInput['Body']>, content: FileContent, options: PutOptions) {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentLength: content.size,
      ...objectHeaders(options),
    });
    command.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = content.sha256;
        return next(args);
      },
      { step: 'build', name: 'knownPayloadHash' },
    );
    await this.client.send(command);
  }

  async copy(from: string, key: string, options: PutOptions & { ifMatch?: string }): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: key,
        CopySource: `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`,
        CopySourceIfMatch: options.ifMatch,
        MetadataDirective: 'REPLACE',
        ...objectHeaders(options),
      }),
    );
  }

  async publicUrl(key: string): Promise<{ url: string; expiresAt: Date | null }> {
    if (this.publicBaseUrl) return { url: `${this.publicBaseUrl}/${key}`, expiresAt: null };
    // SigV4 signs whole seconds (X-Amz-Date): start from the same second, or expires_at would be up to 1 s late.
    const signingDate = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: this.ttl,
      signingDate,
    });
    // A URL signed with temporary credentials (an instance role, SSO) dies with them, whatever its TTL says:
    // report the earlier time, so that preflight and callers see the truth.
    const { expiration } = await this.client.config.credentials();
    const ttlEnd = new Date(signingDate.getTime() + this.ttl * 1000);
    return { url, expiresAt: expiration && expiration < ttlEnd ? expiration : ttlEnd };
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    let res: GetObjectCommandOutput;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range && rangeHeader(range) }));
    } catch (err) {
      // Only NoSuchKey: a missing bucket (also a 404) is a misconfiguration, not a missing object.
      if ((err as { name?: string }).name === 'NoSuchKey') return null;
      if (range && statusOf(err) === 416) return this.unsatisfiable(key, range);
      throw err;
    }
    const total = /\/(\d+)$/.exec(res.ContentRange ?? '');
    const size = total ? Number(total[1]) : (res.ContentLength ?? 0);
    const span = /^bytes (\d+)-(\d+)\//.exec(res.ContentRange ?? '');
    return {
      body: res.Body ? (res.Body.transformToWebStream() as ReadableStream<Uint8Array>) : emptyStream(),
      size,
      ...headersOf(res),
      // A store may ignore the range and send everything (200): then the body is the whole object.
      range: range && (span ? { start: Number(span[1]), end: Number(span[2]) } : { start: 0, end: size - 1 }),
    };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: res.ContentLength ?? 0, ...headersOf(res) };
    } catch (err) {
      // A HEAD reply has no body, so a missing key is only a 404 (named NotFound), never NoSuchKey. A missing
      // bucket is a 404 too and reads as a missing key here; /readyz (check()) tells the two apart.
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a missing key too, so this is idempotent as it stands.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async check(): Promise<void> {
    // GET of a key that never exists: NoSuchKey proves the store answers, the credentials are accepted and
    // the bucket exists (NoSuchBucket, a wrong region or key fail). Not HeadBucket: the test emulator rejects
    // its signature, and a HEAD 404 cannot tell a missing key from a missing bucket. S3 answers 403 instead
    // of NoSuchKey without s3:ListBucket; get() needs that permission too, so failing here is right.
    // Bounded, so readiness answers within seconds even while retries are pending.
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: PROBE_KEY }), {
        abortSignal: AbortSignal.timeout(5_000),
      });
      await res.Body?.transformToWebStream().cancel(); // someone created it: fine, but free the socket
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return;
      throw err;
    }
  }

  /** A 416 carries no object headers: fetch them so callers can answer `bytes * /size`. */
  private async unsatisfiable(key: string, range: ByteRange): Promise<StoredObject | null> {
    const head = await this.head(key);
    if (!head) return null; // deleted in between
    return { ...head, body: emptyStream(), range: resolveRange(range, head.size) };
  }
}

function rangeHeader(range: ByteRange): string {
  if ('suffix' in range) return `bytes=-${range.suffix}`;
  return range.length === undefined ? `bytes=${range.offset}-` : `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout']);

/**
 * A simpler form of the SDK's own rule: retry what another attempt may fix (a dropped or refused connection, a
 * timeout, a server error, throttling), never a refusal, a cancelled call or a bug.
 */
function retryable(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  const status = statusOf(err);
  if (status !== undefined && TRANSIENT_STATUS.has(status)) return true;
  return NETWORK_ERRORS.has(e.code ?? '') || NETWORK_ERRORS.has(e.name ?? '');
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function headersOf(r: { ContentType?: string; ETag?: string; ContentDisposition?: string; Metadata?: Record<string, string> }) {
  const filename = r.ContentDisposition ? /filename="([^"]*)"/.exec(r.ContentDisposition)?.[1] : undefined;
  return { contentType: r.ContentType ?? 'application/octet-stream', etag: r.ETag ?? '', filename, metadata: r.Metadata ?? {} };
}
