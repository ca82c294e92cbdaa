import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectMedia, form } from '../support/http.js';

const KEY = 'k_live_123';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ API_KEYS: `other-key, ${KEY}` });
});
afterAll(() => t.close());

const authed = (init: RequestInit = {}) => ({ ...init, headers: { 'x-api-key': KEY, ...(init.headers ?? {}) } });
const host = async (bytes: Uint8Array, filename = 'f.bin') =>
  expectMedia(await t.app.request('/v1/media', authed({ method: 'POST', body: form({}, [{ filename, bytes }]) })));

describe('API keys', () => {
  it('accepts any key of the list, over a real socket too', async () => {
    const res = await fetch(`${t.baseUrl}/v1/media`, { method: 'POST', body: fx.pdf(), headers: { 'x-api-key': 'other-key' } });
    expect(res.status).toBe(201);
  });

  it('leaves hosted files, health and the API document open', async () => {
    const pdf = fx.pdf();
    const media = await host(pdf);
    const served = await fetch(media.url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(pdf)).toBe(true);
    expect(await (await t.app.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await t.app.request('/readyz')).json()).toEqual({ status: 'ready' });
    const doc = await (await t.app.request('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/healthz',
      '/readyz',
      '/v1/media',
      '/v1/media/preflight',
      '/v1/media/{id}',
      '/v1/mms/send',
      '/v1/uploads',
      '/v1/uploads/direct',
      '/v1/uploads/direct/{id}',
      '/v1/uploads/{id}',
      '/v1/uploads/{id}/complete',
      '/v1/uploads/{id}/media',
    ]);
    expect(doc.components.schemas.Media.properties.sha256).toEqual({ type: 'string', pattern: '^[0-9a-f]{64}$' });
  });
});

// Headers, HEAD, ranges, GET and DELETE, and the key checks are in the shared HTTP suite (test/contract/http-contract.ts).
describe('GET /media/<key> — what is never served', () => {
  it('serves nothing outside hosted media: metadata sidecars, traversal, unknown keys', async () => {
    const media = await host(fx.pdf());
    for (const path of [`/media/${media.id}.meta.json`, `/media/sub%2F${media.id}`, '/media/..%2F..%2Fpackage.json', '/media/AAAAAAAAAAAAAAAAAAAAAA.pdf', '/media/AAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await fetch(`${t.baseUrl}${path}`);
      expect(res.status, path).toBe(404);
    }
  });
});
