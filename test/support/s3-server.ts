/**
 * An S3 emulator for tests: @20minutes/s3rver@4 started in-process on a free port with a throwaway directory.
 * It checks SigV4 signatures and presigned-URL expiry, which is why it is used (see stack-notes). Gaps
 * against real S3 are patched here so tests exercise our code, not the emulator's bugs:
 *  - Suffix ranges (`bytes=-N`) are parsed as `bytes=0-N`: rewritten to `bytes=<size-N>-` once the
 *    signature has been checked (the Range header is signed, so it cannot be changed earlier).
 *  - Conditional writes (`If-None-Match: *` and `If-Match: <etag>` on PUT, which S3, R2 and MinIO honour) are
 *    ignored: a middleware answers 412 when the condition does not hold or another conditional write of the key
 *    is under way (`conditionalWrites: false` leaves it out, to play a store that ignores them). It also makes
 *    every write atomic for readers, as in S3 (the emulator rewrites the file in place, so a GET racing with it
 *    could get a truncated body and wait for the rest forever): a write waits for reads of the key in progress,
 *    and reads wait for it. A copy reads its source as a GET does, and honours `x-amz-copy-source-if-match`.
 *  - A copy that replaces the metadata (as ours do) keeps the destination's old ETag when it overwrites an object,
 *    and otherwise reads the whole copy back to hash it: the source's ETag is copied with the bytes instead, as in S3.
 *  - Two deletes at once in one folder could answer 500 (its cleanup of empty folders races): see patchDeleteRace.
 *  - ListParts, AbortMultipartUpload and ListMultipartUploads, which @tus/s3-store calls: see s3-multipart.ts.
 * Buckets come from `configureBuckets` because bucket-level SDK calls fail its signature check.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { multipartGaps } from './s3-multipart.js';

const require = createRequire(import.meta.url);

/** The few parts of Koa's context the patches use. */
interface Ctx {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  params: { bucket: string; key: string };
  status: number;
  body: unknown;
  type: string;
  res: import('node:http').ServerResponse;
}
type Middleware = (ctx: Ctx, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  middleware: Middleware[];
  httpServer?: import('node:http').Server;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = require('@20minutes/s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

// s3rver's on-disk layout: <dir>/<bucket>/<key dirs>/<last key segment>._S3rver_object, and pending
// multipart uploads in <dir>/<bucket>/._S3rver_uploads/<uploadId>/.
const OBJECT_SUFFIX = '._S3rver_object';
const UPLOADS_DIR = '._S3rver_uploads';
/** The emulator's own pair (it checks signatures made with it). */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  dir: string;
  /**
   * The settings that point the service at this emulator. The service's SDK finds its credentials in the
   * environment, as in production: they are set there (process.env) by this call.
   */
  serviceEnv(): Record<string, string>;
  stop(): Promise<void>;
  /** Stops answering (connections refused) but keeps the data, to play a storage outage. */
  pause(): Promise<void>;
  /** Answers again on the same port with the same data. */
  resume(): Promise<void>;
}

export interface S3TestServerOptions {
  /**
   * Honour conditional writes, as S3, R2 and MinIO do (default). False leaves the emulator as it is, ignoring
   * them, like the S3-compatible stores `npm run setup:bucket` must refuse.
   */
  conditionalWrites?: boolean;
  /** Sees every request the emulator receives (bench:store counts them). */
  onRequest?: (req: import('node:http').IncomingMessage) => void;
}

export async function startS3Server(bucket = 'media-test', options: S3TestServerOptions = {}): Promise<S3TestServer> {
  patchSuffixRanges();
  patchCopyEtag();
  patchDeleteRace();
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const launch = async (port: number) => {
    const server = new S3rver({ port, address: '127.0.0.1', directory: dir, silent: true, configureBuckets: [{ name: bucket }] });
    if (options.conditionalWrites !== false) server.middleware.unshift(conditionalPut(dir));
    server.middleware.unshift(multipartGaps(dir) as Middleware);
    const address = await server.run();
    if (options.onRequest) server.httpServer?.prependListener('request', options.onRequest);
    return { server, address };
  };
  // close() alone waits for the SDK's keep-alive sockets to time out.
  const close = async (server: S3rverInstance) => {
    const closing = server.close();
    server.httpServer?.closeAllConnections();
    await closing;
  };
  let current: S3rverInstance | null;
  const first = await launch(0);
  current = first.server;
  const port = first.address.port;
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: CREDENTIALS,
    dir,
    serviceEnv() {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey });
      return { STORAGE_DRIVER: 's3', S3_BUCKET: bucket, S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_FORCE_PATH_STYLE: 'true' };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (current) await close(current);
      await rm(dir, { recursive: true, force: true });
    },
    async pause() {
      if (current) await close(current);
      current = null;
    },
    async resume() {
      if (!current) current = (await launch(port)).server;
    },
  };
}

export interface BucketContents {
  keys: string[];
  uploads: Array<{ uploadId: string; key: string }>;
}

/** Everything in the bucket, read from disk (ListObjects fails against the emulator): keys and pending uploads. */
export async function listBucket(dir: string, bucket: string): Promise<BucketContents> {
  const root = join(dir, bucket);
  const keys: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    // A folder may go while it is read: the emulator removes a key's folders once they are empty.
    const entries = await readdir(join(root, rel), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' && rel !== '') return [];
      throw err;
    });
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (rel === '' && entry.name === UPLOADS_DIR) continue;
        await walk(rel ? `${rel}/${entry.name}` : entry.name);
      } else if (entry.name.endsWith(OBJECT_SUFFIX)) {
        const name = entry.name.slice(0, -OBJECT_SUFFIX.length);
        keys.push(rel ? `${rel}/${name}` : name);
      }
    }
  };
  await walk('');
  const ids = await readdir(join(root, UPLOADS_DIR)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const uploads = await Promise.all(
    ids.map(async (uploadId) => ({ uploadId, key: await readFile(join(root, UPLOADS_DIR, uploadId, 'key'), 'utf8').catch(() => '?') })),
  );
  return { keys: keys.sort(), uploads };
}

/** Resolves once `key` is in the bucket, looked at every 20 ms. */
export async function untilStored(s3: S3TestServer, key: string): Promise<void> {
  while (!(await listBucket(s3.dir, s3.bucket)).keys.includes(key)) await new Promise((r) => setTimeout(r, 20));
}

function conditionalPut(dir: string): Middleware {
  const writing = new Map<string, Promise<void>>(); // object file → settles when its conditional write ends
  const reading = new Map<string, number>(); // object file → GETs of it still being answered
  const readersDone = new Map<string, () => void>();
  const waitForReaders = async (file: string) => {
    while (reading.has(file)) await new Promise<void>((resolve) => readersDone.set(file, resolve));
  };
  /** Waits for a write of `file` to end, then counts a reader of it until the function it returns is called. */
  const startReading = async (file: string) => {
    while (writing.has(file)) await writing.get(file);
    reading.set(file, (reading.get(file) ?? 0) + 1);
    return () => {
      const left = reading.get(file)! - 1;
      if (left > 0) return void reading.set(file, left);
      reading.delete(file);
      readersDone.get(file)?.();
    };
  };
  return async (ctx, next) => {
    const m = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (!m || ctx.query.uploadId) return next();
    const file = join(dir, m[1]!, `${decodeURIComponent(m[2]!)}${OBJECT_SUFFIX}`);
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      ctx.res.once('close', await startReading(file));
      return next();
    }
    const ifMatch = ctx.headers['if-match'];
    const ifAbsent = ctx.headers['if-none-match'] === '*';
    if (ctx.method !== 'PUT') return next();
    const conditional = ifAbsent || typeof ifMatch === 'string';
    // A copy reads its source as a GET does, from before it claims its own key (so that two copies never wait on
    // each other): a write of the source waits for the copy, and the copy for such a write.
    const source = copySourceFile(dir, ctx);
    const doneReading = source && source !== file ? await startReading(source) : undefined;
    try {
      // A plain write waits its turn (S3 replaces an object whole: a GET never sees half of a new version).
      if (!conditional) while (writing.has(file)) await writing.get(file);
      // Claim the name before any await, so that two racing writes cannot both pass the check.
      if (writing.has(file)) return preconditionFailed(ctx);
      let release!: () => void;
      writing.set(file, new Promise<void>((resolve) => (release = resolve)));
      try {
        await waitForReaders(file);
        const holds = !conditional || (ifAbsent
          ? (await stat(file).catch(() => null)) === null
          : `"${await readFile(`${file}.md5`, 'utf8').catch(() => '')}"` === ifMatch);
        const sourceHolds = !source || typeof ctx.headers['x-amz-copy-source-if-match'] !== 'string' ||
          `"${await readFile(`${source}.md5`, 'utf8').catch(() => '')}"` === ctx.headers['x-amz-copy-source-if-match'];
        if (!holds || !sourceHolds) return preconditionFailed(ctx);
        await next();
      } finally {
        writing.delete(file);
        release();
      }
    } finally {
      doneReading?.();
    }
  };
}

/** CopyObject's source (`x-amz-copy-source`: bucket/key) as the emulator's object file; undefined for any other write. */
function copySourceFile(dir: string, ctx: Ctx): string | undefined {
  const source = ctx.headers['x-amz-copy-source'];
  return typeof source === 'string' ? join(dir, `${decodeURIComponent(source).replace(/^\//, '')}${OBJECT_SUFFIX}`) : undefined;
}

function preconditionFailed(ctx: Ctx): void {
  ctx.status = 412;
  ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>';
}

/** Makes the emulator's CopyObject carry the source's ETag (its `.md5` file) with the bytes; see the header. */
function patchCopyEtag(): void {
  type Store = { getResourcePath(b: string, k: string, r: string): string };
  type CopyObject = ((this: Store, srcBucket: string, srcKey: string, destBucket: string, destKey: string, ...rest: unknown[]) => Promise<unknown>) & { patched?: true };
  const store = (require('@20minutes/s3rver/lib/stores/filesystem.js') as { prototype: { copyObject: CopyObject } }).prototype;
  if (store.copyObject.patched) return;
  const original = store.copyObject;
  store.copyObject = Object.assign(
    async function (this: Store, srcBucket: string, srcKey: string, destBucket: string, destKey: string, ...rest: unknown[]) {
      const [from, to] = [this.getResourcePath(srcBucket, srcKey, 'object.md5'), this.getResourcePath(destBucket, destKey, 'object.md5')];
      // Without the source's ETag on disk, the destination's stale one goes, and the original hashes the copy.
      if (from !== to) await mkdir(dirname(to), { recursive: true }).then(() => copyFile(from, to)).catch(() => rm(to, { force: true }));
      return original.call(this, srcBucket, srcKey, destBucket, destKey, ...rest);
    },
    { patched: true as const },
  );
}

/**
 * The emulator's DeleteObject removes the key's folders once they are empty, and answers 500 when a delete of
 * another key in the same folder removed one first (two deletes at once, as a finished upload's data and `.info`
 * go): the folder's absence is what the cleanup wanted. S3 answers 204.
 */
function patchDeleteRace(): void {
  type DeleteObject = ((this: unknown, bucket: string, key: string) => Promise<void>) & { patched?: true };
  const store = (require('@20minutes/s3rver/lib/stores/filesystem.js') as { prototype: { deleteObject: DeleteObject } }).prototype;
  if (store.deleteObject.patched) return;
  const original = store.deleteObject;
  store.deleteObject = Object.assign(
    async function (this: unknown, bucket: string, key: string) {
      // The object's own files are unlinked with ENOENT ignored; an ENOENT that comes out is a folder gone already.
      await original.call(this, bucket, key).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    },
    { patched: true as const },
  );
}

/** Wraps the emulator's GET Object controller (looked up per request by its router) to honour `bytes=-N`. */
function patchSuffixRanges(): void {
  const objectCtrl = require('@20minutes/s3rver/lib/controllers/object.js') as {
    getObject: ((ctx: Ctx & { store: { getMetadata(b: string, k: string): Promise<Record<string, unknown>> } }) => Promise<void>) & { patched?: true };
  };
  if (objectCtrl.getObject.patched) return;
  const original = objectCtrl.getObject;
  const patched = async (ctx: Parameters<typeof original>[0]) => {
    const m = /^bytes=-(\d+)$/.exec(String(ctx.headers.range ?? ''));
    if (m) {
      const meta = await ctx.store.getMetadata(ctx.params.bucket, ctx.params.key).catch(() => null);
      if (meta) ctx.headers.range = `bytes=${Math.max(0, Number(meta['content-length']) - Number(m[1]))}-`;
    }
    return original(ctx);
  };
  objectCtrl.getObject = Object.assign(patched, { patched: true as const });
}
