/**
 * The behaviour every MediaStore adapter must have, run against each real adapter (local disk, S3 on the
 * emulator, ...). Assertions are on bytes read back and on what is left in the store, not on calls made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newMediaId } from '../../src/core/keys.js';
import type { ByteRange, FileContent, MediaStore } from '../../src/core/ports.js';

export interface StoreHarness {
  store: MediaStore;
  /**
   * Every name the store holds, leftovers included (temp files, sidecars), each
   * beginning with the key it belongs to, so "nothing left behind" is a prefix check.
   */
  listKeys(): Promise<string[]>;
  cleanup(): Promise<void>;
  /** How an anonymous client reaches a public URL; the global fetch unless given (a worker answering its own URLs). */
  fetch?: (url: string) => Promise<Response>;
}


/** Random bytes in both runtimes: workerd's getRandomValues (and node:crypto's randomBytes on it) stop at 64 KiB a call. */
function randomBytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let at = 0; at < n; at += 65_536) crypto.getRandomValues(out.subarray(at, at + 65_536));
  return out;
}

/** A file as the core hands it to a store: `data` cut into `chunkSize` pieces, with its length and SHA-256. */
export async function fileOf(data: Uint8Array, chunkSize = 64 * 1024): Promise<FileContent> {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += chunkSize) chunks.push(data.slice(at, at + chunkSize));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return { chunks, size: data.length, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const newKey = (ext = 'jpg') => newMediaId(ext);

/** An HTTP entity-tag (RFC 9110): the stores' ETags are sent as they are in ETag headers. */
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e]+"$/;

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

    it('stores a file and reads back the same bytes, headers and metadata; head() tells the same without the bytes', async () => {
      const key = newKey();
      const data = randomBytes(12_345);
      await h.store.put(key, await fileOf(data), { contentType: 'image/jpeg', filename: 'photo-1.jpg', metadata: { media: 'eyJhIjoxfQ_-' } });
      const got = await h.store.get(key);
      expect(got!.contentType).toBe('image/jpeg');
      expect(got!.size).toBe(data.length);
      expect(got!.etag).toMatch(ENTITY_TAG);
      expect(got!.filename).toBe('photo-1.jpg');
      expect(got!.metadata).toEqual({ media: 'eyJhIjoxfQ_-' });
      expect(got!.range).toBeUndefined();
      expect((await readAll(got!.body)).equals(data)).toBe(true);
      const { body: _body, range: _range, ...info } = got!;
      expect(await h.store.head(key)).toEqual(info);
      expect((await h.listKeys()).filter((k) => k === key)).toEqual([key]);
    });

    it('joins a file given in several chunks, in order; no filename and no metadata read back as none', async () => {
      const key = newKey('png');
      const data = randomBytes(300_001);
      await h.store.put(key, await fileOf(data, 70_000), { contentType: 'image/png' });
      const got = await h.store.get(key);
      expect(got!.size).toBe(data.length);
      expect(got!.contentType).toBe('image/png');
      expect(got!.filename).toBeUndefined();
      expect(got!.metadata).toEqual({});
      expect((await readAll(got!.body)).equals(data)).toBe(true);
    });

    it('round-trips a 10 MB file (the largest the service stores) byte for byte', async () => {
      const key = newKey('mp4');
      const data = randomBytes(10_000_000);
      await h.store.put(key, await fileOf(data, 100_003), { contentType: 'video/mp4', filename: 'clip.mp4' });
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
      await h.store.put(key, await fileOf(data), { contentType: 'image/gif', filename: 'anim.gif' });
      const { url } = await h.store.publicUrl(key);
      const res = await (h.fetch ?? fetch)(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/gif');
      expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    });

    it('returns null for a key that does not exist', async () => {
      expect(await h.store.get(newKey())).toBeNull();
      expect(await h.store.get(newKey(), { offset: 0, length: 10 })).toBeNull();
      expect(await h.store.head(newKey())).toBeNull();
    });

    it('delete makes get return null, leaves nothing behind and is idempotent', async () => {
      const key = newKey();
      await h.store.put(key, await fileOf(randomBytes(1000)), { contentType: 'image/jpeg', filename: 'a.jpg', metadata: { media: 'x' } });
      await h.store.delete(key);
      expect(await h.store.get(key)).toBeNull();
      expect(await h.store.head(key)).toBeNull();
      expect(await leftovers(key)).toEqual([]);
      await expect(h.store.delete(key)).resolves.toBeUndefined();
      await expect(h.store.delete(newKey())).resolves.toBeUndefined();
    });

    describe('byte ranges', () => {
      const data = randomBytes(100_000);
      const key = newKey('mp4');
      beforeAll(async () => {
        await h.store.put(key, await fileOf(data), { contentType: 'video/mp4' });
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
        expect(got!.size).toBe(data.length);
        expect(got!.range).toEqual({ start: 100_000, end: 99_999 }); // start >= size: nothing to give
        expect(got!.contentType).toBe('video/mp4');
        expect(got!.etag).toBe((await h.store.head(key))!.etag);
        expect((await readAll(got!.body)).length).toBe(0);
      });
    });
  });
}
