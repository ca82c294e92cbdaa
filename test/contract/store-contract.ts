/**
 * The behaviour every MediaStore adapter must have, run against each real adapter (local disk, S3 on the
 * emulator, ...). Assertions are on bytes read back and on what is left in the store, not on calls made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newMediaId, recordKey } from '../../src/core/keys.js';
import type { ByteRange, MediaStore } from '../../src/core/ports.js';

export interface StoreHarness {
  store: MediaStore;
  /**
   * Every name the store holds, leftovers included (temp files, sidecars, pending multipart uploads), each
   * beginning with the key it belongs to, so "nothing left behind" is a prefix check.
   */
  listKeys(): Promise<string[]>;
  cleanup(): Promise<void>;
  /** How an anonymous client reaches a public URL; the global fetch unless given (a worker answering its own URLs). */
  fetch?: (url: string) => Promise<Response>;
}

const MiB = 1024 * 1024;

/** Random bytes in both runtimes: workerd's getRandomValues (and node:crypto's randomBytes on it) stop at 64 KiB a call. */
function randomBytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let at = 0; at < n; at += 65_536) crypto.getRandomValues(out.subarray(at, at + 65_536));
  return out;
}

/** A stream that hands out `data` in `chunkSize` pieces, one per pull, like a network body does. */
export function streamOf(data: Uint8Array, chunkSize = 64 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= data.length) return controller.close();
      controller.enqueue(data.slice(at, at + chunkSize));
      at += chunkSize;
    },
  });
}

/** Like streamOf, but errors with `error` once `failAt` bytes have been handed out (a size limit, a dropped client). */
export function failingStream(data: Uint8Array, failAt: number, error: Error, chunkSize = 64 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= failAt) return controller.error(error);
      const end = Math.min(at + chunkSize, failAt);
      controller.enqueue(data.slice(at, end));
      at = end;
    },
  });
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const newKey = (ext = 'jpg') => `${newMediaId()}.${ext}`;

export function describeStoreContract(name: string, setup: () => Promise<StoreHarness>): void {
  describe(`MediaStore contract: ${name}`, () => {
    let h: StoreHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => {
      await h?.cleanup();
    });

    const leftovers = async (key: string) => (await h.listKeys()).filter((k) => k.startsWith(key));

    it('check() resolves when the store is reachable', async () => {
      await expect(h.store.check()).resolves.toBeUndefined();
    });

    it('stores a Uint8Array and reads back the same bytes and headers', async () => {
      const key = newKey();
      const data = randomBytes(12_345);
      await h.store.put(key, new Uint8Array(data), { contentType: 'image/jpeg', contentLength: data.length, filename: 'photo-1.jpg' });
      const got = await h.store.get(key);
      expect(got).not.toBeNull();
      expect(got!.contentType).toBe('image/jpeg');
      expect(got!.size).toBe(data.length);
      expect(got!.etag).toMatch(/\S/);
      expect(got!.filename).toBe('photo-1.jpg');
      expect(got!.range).toBeUndefined();
      expect((await readAll(got!.body)).equals(data)).toBe(true);
      expect(await h.listKeys()).toContain(key);
    });

    it('stores a ReadableStream of several chunks, length unknown, without a filename', async () => {
      const key = newKey('png');
      const data = randomBytes(300_001);
      await h.store.put(key, streamOf(data, 70_000), { contentType: 'image/png' });
      const got = await h.store.get(key);
      expect(got!.size).toBe(data.length);
      expect(got!.contentType).toBe('image/png');
      expect(got!.filename).toBeUndefined();
      expect((await readAll(got!.body)).equals(data)).toBe(true);
    });

    it('round-trips a body over 6 MB byte for byte (more than one 5 MiB part)', async () => {
      const key = newKey('mp4');
      const data = randomBytes(6 * MiB + 123_457);
      await h.store.put(key, streamOf(data, 100_003), { contentType: 'video/mp4', filename: 'clip.mp4' });
      const got = await h.store.get(key);
      expect(got!.size).toBe(data.length);
      expect(got!.contentType).toBe('video/mp4');
      const back = await readAll(got!.body);
      expect(back.length).toBe(data.length);
      expect(back.equals(data)).toBe(true);
    });

    it('gives a public URL that anyone can fetch without credentials', async () => {
      const key = newKey('gif');
      const data = randomBytes(4_321);
      await h.store.put(key, data, { contentType: 'image/gif', filename: 'anim.gif' });
      const { url } = await h.store.publicUrl(key);
      const res = await (h.fetch ?? fetch)(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/gif');
      expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    });

    it('keeps records under records/<id>.json', async () => {
      const key = recordKey(newMediaId());
      const json = Buffer.from(JSON.stringify({ id: 'x', status: 'stored' }));
      await h.store.put(key, json, { contentType: 'application/json' });
      const got = await h.store.get(key);
      expect(got!.contentType).toBe('application/json');
      expect((await readAll(got!.body)).equals(json)).toBe(true);
      expect(await h.listKeys()).toContain(key);
      await h.store.delete(key);
      expect(await h.store.get(key)).toBeNull();
    });

    it('returns null for a key that does not exist', async () => {
      expect(await h.store.get(newKey())).toBeNull();
      expect(await h.store.get(newKey(), { offset: 0, length: 10 })).toBeNull();
    });

    it('delete makes get return null, leaves nothing behind and is idempotent', async () => {
      const key = newKey();
      await h.store.put(key, randomBytes(1000), { contentType: 'image/jpeg', filename: 'a.jpg' });
      await h.store.delete(key);
      expect(await h.store.get(key)).toBeNull();
      expect(await leftovers(key)).toEqual([]);
      await expect(h.store.delete(key)).resolves.toBeUndefined();
      await expect(h.store.delete(newKey())).resolves.toBeUndefined();
    });

    describe('byte ranges', () => {
      const data = randomBytes(100_000);
      const key = newKey('mp4');
      beforeAll(async () => {
        await h.store.put(key, data, { contentType: 'video/mp4' });
      });

      const cases: Array<[string, ByteRange, number, number]> = [
        ['offset + length', { offset: 1000, length: 500 }, 1000, 1499],
        ['open-ended offset', { offset: 99_000 }, 99_000, 99_999],
        ['suffix', { suffix: 300 }, 99_700, 99_999],
        ['length running past the end', { offset: 99_990, length: 100 }, 99_990, 99_999],
        ['suffix longer than the object', { suffix: 200_000 }, 0, 99_999],
      ];
      for (const [label, range, start, end] of cases) {
        it(`${label} returns exactly those bytes`, async () => {
          const got = await h.store.get(key, range);
          expect(got!.range).toEqual({ start, end });
          expect(got!.size).toBe(data.length);
          expect(got!.contentType).toBe('video/mp4');
          expect((await readAll(got!.body)).equals(data.subarray(start, end + 1))).toBe(true);
        });
      }

      it('a range starting past the end is unsatisfiable: start >= size, empty body, object metadata', async () => {
        const got = await h.store.get(key, { offset: 100_000, length: 10 });
        expect(got).not.toBeNull();
        expect(got!.size).toBe(data.length);
        expect(got!.range!.start).toBeGreaterThanOrEqual(got!.size);
        expect(got!.contentType).toBe('video/mp4');
        expect(got!.etag).toMatch(/\S/);
        expect((await readAll(got!.body)).length).toBe(0);
      });
    });

    describe('a body that errors part-way', () => {
      const cases: Array<[string, number, number]> = [
        ['small (single PUT)', 1 * MiB, 600_000],
        ['large (over one 5 MiB part)', 8 * MiB, 7 * MiB + 12_345],
      ];
      for (const [label, total, failAt] of cases) {
        it(`${label}: put rejects with that very error and leaves nothing behind`, async () => {
          const key = newKey('mp4');
          const refused = new Error(`body too large (${label})`);
          const put = h.store.put(key, failingStream(randomBytes(total), failAt, refused), { contentType: 'video/mp4', filename: 'big.mp4' });
          await expect(put).rejects.toBe(refused);
          expect(await leftovers(key)).toEqual([]);
          expect(await h.store.get(key)).toBeNull();
        });
      }
    });
  });
}
