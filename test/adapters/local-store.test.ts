import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/adapters/local-store.js';
import { fileRoutes } from '../../src/http/routes/files.js';
import { describeStoreContract } from '../contract/store-contract.js';

/** Every file under dir, as a key-like relative path: data files, .meta.json sidecars and leftover .tmp files. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

describeStoreContract('LocalStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'local-store-'));
  // The local store's URLs point at this service: serve its files route on a socket, as in production.
  const app = new Hono();
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const store = new LocalStore(dir, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  app.route('/', fileRoutes({ store }));
  const cleanup = async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  };
  return { store, listKeys: () => listFiles(dir), cleanup };
});

describe('LocalStore, local specifics', () => {
  let root: string;
  let store: LocalStore;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'local-store-unsafe-'));
    store = new LocalStore(join(root, 'media'), 'http://127.0.0.1:1');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const unsafe = [
    '../x.jpg',
    'a/../../b.jpg',
    '/etc/passwd.txt',
    `${tmpdir()}/abs.jpg`,
    'x.meta.json',
    'a/./b.jpg',
    'a//b.jpg',
    '.hidden.jpg',
    'a\\..\\b.jpg',
    'x.jpg\0.png',
    'x',
    '',
  ];
  for (const key of unsafe) {
    it(`refuses ${JSON.stringify(key)} before touching the disk`, async () => {
      const refused = new Error(`refusing unsafe storage key ${JSON.stringify(key)}`);
      await expect(store.put(key, { chunks: [new Uint8Array([1, 2, 3])], size: 3, sha256: '0'.repeat(64) }, { contentType: 'image/jpeg' })).rejects.toEqual(refused);
      await expect(store.get(key)).rejects.toEqual(refused);
      await expect(store.head(key)).rejects.toEqual(refused);
      await expect(store.delete(key)).rejects.toEqual(refused);
      await expect(store.publicUrl(key)).rejects.toEqual(refused);
      // Not even the store's own directory was created, let alone anything next to it.
      expect(await listFiles(root)).toEqual([]);
      expect(await readdir(root)).toEqual([]);
    });
  }

  it('serves its objects itself, at /media/<key>', async () => {
    expect(store.servedByApp).toBe(true);
    expect(await store.publicUrl('abc.jpg')).toEqual({ url: 'http://127.0.0.1:1/media/abc.jpg', expiresAt: null });
  });
});
