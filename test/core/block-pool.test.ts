import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '../../src/adapters/json-logger.js';
import { LocalStore } from '../../src/adapters/local-store.js';
import { sha256 } from '../../src/adapters/sha256.js';
import { SharpImages } from '../../src/adapters/sharp/index.js';
import { BlockPool, PooledBytes } from '../../src/core/block-pool.js';
import { AppError } from '../../src/core/errors.js';
import { MediaService } from '../../src/core/media-service.js';
import { Limits } from '../../src/core/policy.js';
import type { ImageProcessor } from '../../src/core/ports.js';
import * as fx from '../support/fixtures.js';
import { inPieces } from '../support/http.js';

const body = (bytes: Uint8Array, piece: number) => inPieces(bytes, piece, { spaced: true });

describe('PooledBytes', () => {
  it('holds the bytes whole whatever the pieces, in full blocks and a partial last one', () => {
    const pool = new BlockPool({ keepBytes: 0, blockSize: 1000 });
    const bytes = randomBytes(4321);
    for (const piece of [1, 7, 999, 1000, 1001, 4321]) {
      const file = new PooledBytes(pool);
      for (let at = 0; at < bytes.length; at += piece) file.append(bytes.subarray(at, at + piece));
      expect(file.size).toBe(4321);
      const views = file.views();
      expect(views.map((v) => v.length)).toEqual([1000, 1000, 1000, 1000, 321]);
      expect(Buffer.concat(views).equals(bytes)).toBe(true);
      expect(Buffer.from(file.copy()).equals(bytes)).toBe(true);
    }
  });

  it('is empty until something is appended', () => {
    const file = new PooledBytes(new BlockPool({ keepBytes: 0 }));
    file.append(new Uint8Array(0));
    expect(file.size).toBe(0);
    expect(file.views()).toEqual([]);
    expect(file.copy().length).toBe(0);
  });

  it('gives its blocks back for the next file, and a copy made before keeps its bytes', () => {
    const pool = new BlockPool({ keepBytes: 10_000, blockSize: 1000 });
    const first = new PooledBytes(pool);
    first.append(Buffer.alloc(2500, 1));
    const blocks = first.views().map((v) => v.buffer);
    const copy = first.copy();
    first.release();
    expect(pool.freeBlocks).toBe(3);
    expect(first.size).toBe(0);

    const second = new PooledBytes(pool);
    second.append(Buffer.alloc(2500, 2));
    expect(second.views().map((v) => v.buffer).sort()).toEqual([...blocks].sort()); // the same memory, used again
    expect(pool.freeBlocks).toBe(0);
    expect(copy.every((b) => b === 1)).toBe(true);
    expect(second.views().every((v) => v.every((b) => b === 2))).toBe(true);
  });

  it('keeps at most keepBytes of free blocks, and none with keepBytes 0', () => {
    const pool = new BlockPool({ keepBytes: 2500, blockSize: 1000 });
    const file = new PooledBytes(pool);
    file.append(new Uint8Array(5000));
    file.release();
    expect(pool.freeBlocks).toBe(2);

    const none = new BlockPool({ keepBytes: 0, blockSize: 1000 });
    const other = new PooledBytes(none);
    other.append(new Uint8Array(5000));
    other.release();
    expect(none.freeBlocks).toBe(0);
  });
});

describe('MediaService with pooled memory', () => {
  let dir: string;
  const logger = jsonLogger('error', () => undefined);
  const images = new SharpImages({ targetBytes: 600_000, maxDimension: 1600, maxPixels: 50_000_000, concurrency: 1, queueLimit: 4 });
  const limits = new Limits({ profile: 'safe', processedInputBytes: { image: 20_000_000 } });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mms-media-pool-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const service = (store: LocalStore, pool: BlockPool) => new MediaService({ store, images, limits, sha256, logger, blocks: pool });

  it('stores files received at the same time intact, while their blocks pass from one file to the next', async () => {
    const pool = new BlockPool({ keepBytes: 4 * 1024 * 1024, blockSize: 64 * 1024 });
    const store = new LocalStore(join(dir, 'ok'), 'http://localhost');
    const media = service(store, pool);
    const files = Array.from({ length: 24 }, (_, i) => {
      const bytes = fx.mp4(50_000 + i * 37_000);
      randomBytes(bytes.length - fx.ISO_MEDIA_DATA_AT).copy(bytes, fx.ISO_MEDIA_DATA_AT);
      return bytes;
    });
    for (let round = 0; round < 2; round++) {
      const hosted = await Promise.all(files.map((bytes, i) => media.host({ body: body(bytes, 8000 + i * 997) })));
      for (const [i, m] of hosted.entries()) {
        expect(m.size).toBe(files[i]!.length);
        expect((await readFile(join(dir, 'ok', m.id))).equals(files[i]!)).toBe(true);
      }
    }
    expect(pool.freeBlocks).toBeGreaterThan(0);
  });

  it('takes back the blocks of a refused file, but not of one whose write failed', async () => {
    const pool = new BlockPool({ keepBytes: 64 * 1024 * 1024, blockSize: 64 * 1024 });
    const notADirectory = join(dir, 'plain-file');
    await writeFile(notADirectory, 'the store cannot create its directory here');
    const broken = service(new LocalStore(notADirectory, 'http://localhost'), pool);
    await expect(broken.host({ body: body(fx.mp4(300_000), 4096) })).rejects.toThrow();
    expect(pool.freeBlocks).toBe(0); // left to the GC: a failed write may still be reading them

    const working = service(new LocalStore(join(dir, 'refused'), 'http://localhost'), pool);
    await expect(working.host({ body: body(fx.mp4(11_000_000), 65_536) })).rejects.toMatchObject({ status: 413, code: 'file_too_large' });
    expect(pool.freeBlocks).toBeGreaterThanOrEqual(Math.floor(10_000_000 / 65_536));
  });

  it('lends an image to the processor in its blocks, and takes them back when it reads the file or is refused', async () => {
    const pool = new BlockPool({ keepBytes: 64 * 1024 * 1024, blockSize: 64 * 1024 });
    const png = fx.png(300, 200);
    const blocks = Math.ceil(png.length / (64 * 1024));
    const seen: Array<{ beforeRead: number; afterRead: number; read: Uint8Array }> = [];
    const lending = (refuse: 'before reading' | 'after reading' | 'never'): ImageProcessor => ({
      accepts: (detected) => images.accepts(detected),
      process: async (input, options) => {
        if (refuse === 'before reading') throw new AppError(503, 'server_busy', 'refused for the test');
        const beforeRead = pool.freeBlocks;
        const read = input.read();
        seen.push({ beforeRead, afterRead: pool.freeBlocks, read });
        if (refuse === 'after reading') throw new AppError(422, 'unreadable_image', 'refused for the test');
        return images.process({ ...input, read: () => read }, options);
      },
    });
    const store = new LocalStore(join(dir, 'img'), 'http://localhost');
    const host = (refuse: Parameters<typeof lending>[0]) => new MediaService({ store, images: lending(refuse), limits, sha256, logger, blocks: pool }).host({ body: body(png, 500) });
    expect(await host('never')).toMatchObject({ kind: 'image', width: 300, height: 200 });
    expect(pool.freeBlocks).toBe(blocks);
    await expect(host('after reading')).rejects.toMatchObject({ code: 'unreadable_image' });
    expect(pool.freeBlocks).toBe(blocks);
    await expect(host('before reading')).rejects.toMatchObject({ code: 'server_busy' });
    expect(pool.freeBlocks).toBe(blocks);
    // Until the processor read the image, its blocks were out of the pool; the read gave the file whole, in an
    // array of its own, and the blocks back at once, so that the image was never held twice.
    expect(seen.map((s) => [s.beforeRead, s.afterRead])).toEqual([
      [0, blocks],
      [0, blocks],
    ]);
    for (const s of seen) expect(Buffer.from(s.read).equals(png)).toBe(true);
  });
});
