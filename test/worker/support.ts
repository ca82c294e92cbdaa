/**
 * What the Workers tests share: the worker's default export called in-process (as Cloudflare calls it), an
 * env built from the real local bindings (R2 from wrangler.toml, Images from vitest.config.ts) plus vars, and
 * a stand-in network for the worker's outbound fetches.
 */
import { env as bindings } from 'cloudflare:workers';
import { vi } from 'vitest';
import worker, { type WorkerEnv } from '../../src/worker/main.js';
import type { R2BucketLike } from '../../src/adapters/r2-store.js';

export interface TestBindings {
  MEDIA_BUCKET: R2BucketLike & {
    list(options?: { cursor?: string; prefix?: string }): Promise<{ objects: { key: string }[]; truncated: boolean; cursor?: string }>;
  };
  IMAGES: {
    input(stream: ReadableStream<Uint8Array>): { output(options: { format: string }): Promise<{ image(): ReadableStream<Uint8Array> }> };
  };
}

export const local = bindings as unknown as TestBindings;

/** An env as the runtime hands it to the worker: the local R2 bucket, no Images binding unless asked, and these vars. */
export function workerEnv(vars: Record<string, string>, options: { images?: boolean } = {}): WorkerEnv {
  return { MEDIA_BUCKET: local.MEDIA_BUCKET, ...(options.images && { IMAGES: local.IMAGES }), LOG_LEVEL: 'error', ...vars };
}

/** One request to the worker, the way the runtime delivers it. */
export function callWorker(env: WorkerEnv, input: string | URL | Request, init?: RequestInit, ctx?: Parameters<typeof worker.fetch>[2]): Promise<Response> {
  return worker.fetch(input instanceof Request ? input : new Request(input, init), env, ctx);
}

/** Every key in the bucket (R2 lists 1000 at a time). */
export async function listBucket(prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await local.MEDIA_BUCKET.list({ prefix, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.sort();
}

export type Host = (request: Request) => Promise<Response>;

/**
 * Replaces the isolate's network: requests to a listed host go to its handler (the worker itself for its own
 * hostname, a stand-in for the send endpoint…); anything else fails as an unreachable host would. Redirects are
 * followed as fetch follows them unless the request says `redirect: 'manual'`, so a test sees what a client that
 * forgot to turn them off would do. Returns a function that restores the real fetch.
 */
export function fakeNetwork(hosts: Record<string, Host>): () => void {
  const route = (request: Request) => {
    const handler = hosts[new URL(request.url).host];
    if (!handler) throw new TypeError(`Network connection lost (no route to ${new URL(request.url).host} in tests).`);
    return handler(request);
  };
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (request.redirect === 'manual') return route(request);
    // As the Fetch standard: at most 20 hops; a 303, or a 301/302 after a POST, goes on as a GET without a body.
    let { url, method } = request;
    let body = request.body ? await request.arrayBuffer() : null;
    for (let hop = 0; hop <= 20; hop++) {
      const response = await route(new Request(url, { method, headers: request.headers, body, signal: request.signal }));
      const location = response.headers.get('location');
      if (![301, 302, 303, 307, 308].includes(response.status) || location === null) return response;
      if (response.status === 303 || (response.status <= 302 && method === 'POST')) [method, body] = ['GET', null];
      url = new URL(location, url).href;
    }
    throw new TypeError('Too many redirects.');
  });
  return () => spy.mockRestore();
}
