import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile, access, constants } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { resolveRange } from '../core/byte-range.js';
import { emptyStream } from '../core/streams.js';
import type { ByteRange, FileContent, MediaStore, ObjectInfo, PutOptions, StoredObject, StreamingWrites } from '../core/ports.js';

/** Keys the local store will touch: path segments of safe characters, one extension. Nothing else reaches the disk. */
const SAFE_KEY = /^([A-Za-z0-9_-]+\/)*[A-Za-z0-9_-]+\.[a-z0-9]{1,5}$/;

type Sidecar = ObjectInfo;

/**
 * The embedded default: files on local disk, served by this service at /media/<key>. Each object is a data
 * file plus a small JSON sidecar with its headers. Writes go to a temporary file that is renamed into place
 * only when complete, so a refused or broken upload leaves nothing behind.
 */
export class LocalStore implements MediaStore, StreamingWrites {
  readonly servedByApp = true;

  constructor(
    private readonly dir: string,
    private readonly publicBaseUrl: string,
  ) {}

  async put(key: string, content: FileContent, options: PutOptions): Promise<void> {
    const sidecar: Sidecar = {
      contentType: options.contentType,
      filename: options.filename,
      etag: `"${content.sha256.slice(0, 32)}"`,
      size: content.size,
      metadata: options.metadata ?? {},
    };
    await this.place(key, sidecar, (tmp) => writeFile(tmp, content.chunks, { flag: 'wx' }));
  }

  /** A direct upload's bytes as they arrive, straight to disk (the stream enforces the length; see exactLength). */
  async putStream(key: string, body: ReadableStream<Uint8Array>, size: number): Promise<void> {
    // Staged bytes are read back once and never served: a random ETag will do.
    const sidecar: Sidecar = { contentType: 'application/octet-stream', etag: `"${randomUUID().replace(/-/g, '')}"`, size, metadata: {} };
    await this.place(key, sidecar, (tmp) => pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), createWriteStream(tmp, { flags: 'wx' })));
  }

  /** Writes the data with `write(tmp)` and the sidecar under temporary names, then moves both into place. */
  private async place(key: string, sidecar: Sidecar, write: (tmp: string) => Promise<void>): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    // Both written under temporary names, then renamed: the sidecar first, the data last. head() needs both, so
    // the object appears whole at the last rename and a reader never sees half a sidecar.
    let sidecarPlaced = false;
    try {
      await write(tmp);
      await writeFile(`${tmp}.meta`, JSON.stringify(sidecar), { flag: 'wx' });
      await rename(`${tmp}.meta`, `${file}.meta.json`);
      sidecarPlaced = true;
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      await rm(`${tmp}.meta`, { force: true });
      // Only a sidecar this write put in place: until then the one there belongs to the object already stored
      // under the key (a direct upload PUT again, a job's record), which a failed write leaves as it was.
      if (sidecarPlaced) await rm(`${file}.meta.json`, { force: true });
      throw err;
    }
  }

  async publicUrl(key: string) {
    this.pathOf(key);
    return { url: `${this.publicBaseUrl}/media/${key}`, expiresAt: null };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const file = this.pathOf(key);
    try {
      const [meta] = await Promise.all([readFile(`${file}.meta.json`, 'utf8').then((text) => JSON.parse(text) as Sidecar), stat(file)]);
      return { ...meta, metadata: meta.metadata ?? {} };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    const meta = await this.head(key);
    if (!meta) return null;
    const resolved = range && resolveRange(range, meta.size);
    const body =
      resolved && resolved.start >= meta.size
        ? emptyStream()
        : (Readable.toWeb(createReadStream(this.pathOf(key), resolved ?? {})) as ReadableStream<Uint8Array>);
    return { ...meta, body, range: resolved };
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
