import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectError, expectMedia, filesIn, form } from '../support/http.js';

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
  it('refuses /v1 without a key, and with a wrong one', async () => {
    await expectError(await t.app.request('/v1/media', { method: 'POST', body: fx.pdf() }), 401, 'missing_api_key');
    const wrong = await t.app.request('/v1/media', { method: 'POST', body: fx.pdf(), headers: { 'x-api-key': `${KEY}x` } });
    await expectError(wrong, 401, 'invalid_api_key');
  });

  it('accepts any key of the list, over a real socket too', async () => {
    const res = await fetch(`${t.baseUrl}/v1/media`, { method: 'POST', body: fx.pdf(), headers: { 'x-api-key': 'other-key' } });
    expect(res.status).toBe(201);
  });

  it('leaves hosted files, health and the API document open', async () => {
    const media = await host(fx.pdf());
    expect((await fetch(media.url)).status).toBe(200);
    expect((await t.app.request('/healthz')).status).toBe(200);
    expect((await t.app.request('/readyz')).status).toBe(200);
    const doc = await (await t.app.request('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/media', '/v1/media/{id}', '/v1/mms/send', '/healthz', '/readyz']));
    expect(doc.components.schemas.Media.properties.sha256).toBeDefined();
  });
});

describe('GET and DELETE /v1/media/{id}', () => {
  it('returns the same media object, and DELETE stops the URL serving', async () => {
    const media = await host(fx.wav(), 'voice.wav');
    const got = await expectMedia(await t.app.request(`/v1/media/${media.id}`, authed()), 200);
    expect(got).toEqual(media);

    const del = await t.app.request(`/v1/media/${media.id}`, authed({ method: 'DELETE' }));
    expect(del.status).toBe(204);
    expect((await fetch(media.url)).status).toBe(404);
    await expectError(await t.app.request(`/v1/media/${media.id}`, authed()), 404, 'media_not_found');
    await expectError(await t.app.request(`/v1/media/${media.id}`, authed({ method: 'DELETE' })), 404, 'media_not_found');
    expect((await filesIn(join(t.dir, 'media'))).filter((f) => f.includes(media.id))).toEqual([]);
  });

  it('answers 404 for ids that are not ids', async () => {
    await expectError(await t.app.request('/v1/media/..%2F..%2Fetc', authed()), 404, 'media_not_found');
  });
});

describe('GET /media/<key> — how files are served', () => {
  it('sends the headers gateways and browsers need, and answers HEAD', async () => {
    const bytes = fx.pdf(5000);
    const media = await host(bytes, 'brochure.pdf');
    const res = await fetch(media.url, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-type': 'application/pdf',
      'content-length': String(bytes.length),
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
      'content-disposition': 'inline; filename="brochure.pdf"',
    });
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*sandbox/);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await res.text()).toBe('');
  });

  it('answers ranges, suffix ranges, unsatisfiable ranges and If-None-Match', async () => {
    const bytes = fx.mp4(10_000);
    const media = await host(bytes);
    const part = await fetch(media.url, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);

    const tail = await fetch(media.url, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(-10))).toBe(true);

    const beyond = await fetch(media.url, { headers: { range: `bytes=${bytes.length + 5}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    const etag = (await fetch(media.url, { method: 'HEAD' })).headers.get('etag')!;
    expect((await fetch(media.url, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('serves nothing outside hosted media: records, traversal, unknown keys', async () => {
    const media = await host(fx.pdf());
    for (const path of [`/media/records/${media.id}.json`, `/media/records%2F${media.id}.json`, '/media/..%2F..%2Fpackage.json', '/media/AAAAAAAAAAAAAAAAAAAAAA.pdf']) {
      const res = await fetch(`${t.baseUrl}${path}`);
      expect(res.status, path).toBe(404);
    }
  });
});
