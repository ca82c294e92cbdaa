import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile, access, constants } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveRange } from '../core/byte-range.js';
import { emptyStream } from '../core/streams.js';
import type { Body, ByteRange, MediaStore, PutOptions, StoredObject } from '../core/ports.js';

/** Keys the local store will touch: path segments of safe characters, one extension. Nothing else reaches the disk. */
const SAFE_KEY = /^([A-Za-z0-9_-]+\/)*[A-Za-z0-9_-]+\.[a-z0-9]{1,5}$/;

interface Sidecar {
  contentType: string;
  filename?: string;
  etag: string;
  size: number;
}

/**
 * The embedded default: files on local disk, served by this service at /media/<key>. Each object is a data
 * file plus a small JSON sidecar with its headers. Writes go to a temporary file that is renamed into place
 * only when complete, so a refused or broken upload leaves nothing behind.
 */
export class LocalStore implements MediaStore {
  readonly servedByApp = true;

  constructor(
    private readonly dir: string,
    private readonly publicBaseUrl: string,
  ) {}

  async put(key: string, body: Body, options: PutOptions): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = body instanceof Uint8Array ? Readable.from([body]) : Readable.fromWeb(body as never);
    try {
      await pipeline(source, count, createWriteStream(tmp, { flags: 'wx' }));
      const sidecar: Sidecar = { contentType: options.contentType, filename: options.filename, etag: `"${md5.digest('hex')}"`, size };
      await writeFile(`${file}.meta.json`, JSON.stringify(sidecar));
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      await rm(`${file}.meta.json`, { force: true });
      throw err;
    }
  }

  async publicUrl(key: string) {
    this.pathOf(key);
    return { url: `${this.publicBaseUrl}/media/${key}`, expiresAt: null };
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    const file = this.pathOf(key);
    let meta: Sidecar;
    try {
      [meta] = await Promise.all([readFile(`${file}.meta.json`, 'utf8').then(JSON.parse), stat(file)]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const resolved = range && resolveRange(range, meta.size);
    const body =
      resolved && resolved.start >= meta.size
        ? emptyStream()
        : (Readable.toWeb(createReadStream(file, resolved ?? {})) as ReadableStream<Uint8Array>);
    return { body, size: meta.size, contentType: meta.contentType, etag: meta.etag, filename: meta.filename, range: resolved };
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    await rm(`${file}.meta.json`, { force: true });
  }

  async check(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await access(this.dir, constants.W_OK);
  }

  private pathOf(key: string): string {
    if (!SAFE_KEY.test(key)) throw new Error(`refusing unsafe storage key ${JSON.stringify(key)}`);
    return join(this.dir, key);
  }
}
