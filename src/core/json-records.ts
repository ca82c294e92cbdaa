import type { Hasher, MediaStore } from './ports.js';

/**
 * Small JSON records kept in the store beside the media (background jobs' states, direct uploads), so that
 * whichever instance is asked can answer. Written whole in one put, as any file.
 */
export async function putJson(store: MediaStore, sha256: () => Hasher, key: string, value: unknown): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  const hasher = sha256();
  hasher.update(bytes);
  await store.put(key, { chunks: [bytes], size: bytes.length, sha256: hasher.digestHex() }, { contentType: 'application/json' });
}

/** The record under `key`, or null when there is none or it is not JSON. */
export async function getJson(store: MediaStore, key: string): Promise<unknown> {
  const found = await store.get(key);
  if (!found) return null;
  try {
    return JSON.parse(await new Response(found.body).text());
  } catch {
    return null;
  }
}
