import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

/** CORS for /v1/* from CORS_ORIGINS, over a real socket: preflights, and the headers on every reply, errors included. */
const APP = 'https://app.example.com';
const EXPOSED = 'Location, Upload-Offset, Upload-Length, Tus-Resumable, Upload-Expires, Retry-After, X-Request-Id';
let t: TestApp;
const corsHeaders = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'));
const preflight = (origin: string, path = '/v1/uploads/direct') =>
  fetch(`${t.baseUrl}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key, content-type' } });
const startUpload = (headers: Record<string, string>, size = 1000) =>
  fetch(`${t.baseUrl}/v1/uploads/direct`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ filename: 'a.png', size }) });

beforeAll(async () => {
  t = await startTestApp({ API_KEYS: 'k_web', CORS_ORIGINS: `${APP}, http://localhost:5173` });
  // A handler that sets CORS headers of its own, as @tus/server does: the middleware has the last word.
  t.app.get('/v1/sets-its-own-cors', (c) => c.text('ok', 200, { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'X-Secret' }));
});
afterAll(() => t.close());

describe('CORS', () => {
  it('answers a preflight from a listed origin itself, without asking for the API key', async () => {
    const res = await preflight(APP);
    expect(res.status).toBe(204);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST, PUT, PATCH, HEAD, DELETE, OPTIONS',
      'access-control-allow-headers':
        'X-API-Key, Content-Type, Tus-Resumable, Upload-Length, Upload-Offset, Upload-Metadata, Upload-Concat, Upload-Defer-Length, Idempotency-Key, Prefer',
      'access-control-max-age': '7200',
      vary: 'Origin',
    });
    // Paths that do not exist get the same answer: a preflight says nothing about what is there.
    expect(corsHeaders(await preflight('http://localhost:5173', '/v1/uploads/q5V0Ck3nYbq2V8D3mXy0cQ'))['access-control-allow-origin']).toBe('http://localhost:5173');
  });

  it('exposes the tus and retry headers on a success and on every refusal', async () => {
    const listed = { 'access-control-allow-origin': APP, 'access-control-expose-headers': EXPOSED, vary: 'Origin' };
    const created = await startUpload({ origin: APP, 'x-api-key': 'k_web' });
    expect(created.status).toBe(201);
    expect(corsHeaders(created)).toEqual(listed);
    const noKey = await startUpload({ origin: APP });
    expect(noKey.status).toBe(401);
    expect(corsHeaders(noKey)).toEqual(listed);
    const tooLarge = await startUpload({ origin: APP, 'x-api-key': 'k_web' }, 10 ** 9);
    expect(tooLarge.status).toBe(413);
    expect(corsHeaders(tooLarge)).toEqual(listed);
    const missing = await fetch(`${t.baseUrl}/v1/nothing-here`, { headers: { origin: APP, 'x-api-key': 'k_web' } });
    expect(missing.status).toBe(404);
    expect(corsHeaders(missing)).toEqual(listed);
    const own = await fetch(`${t.baseUrl}/v1/sets-its-own-cors`, { headers: { origin: APP, 'x-api-key': 'k_web' } });
    expect(corsHeaders(own)).toEqual(listed);
    // A tus creation answered by @tus/server: its Location readable by the page, its own CORS headers replaced.
    const tus = await fetch(`${t.baseUrl}/v1/uploads`, { method: 'POST', headers: { origin: APP, 'x-api-key': 'k_web', 'tus-resumable': '1.0.0', 'upload-length': '100' } });
    expect(tus.status).toBe(201);
    expect(tus.headers.get('location')).toMatch(new RegExp(`^${t.baseUrl}/v1/uploads/[A-Za-z0-9_-]{22}$`));
    expect(corsHeaders(tus)).toEqual(listed);
  });

  it('gives an origin that is not listed no CORS headers at all, even where a handler set its own', async () => {
    const other = 'https://evil.example';
    const pre = await preflight(other);
    expect(pre.status).toBe(204);
    expect(corsHeaders(pre)).toEqual({ vary: 'Origin' });
    expect(corsHeaders(await startUpload({ origin: other, 'x-api-key': 'k_web' }))).toEqual({ vary: 'Origin' });
    expect(corsHeaders(await startUpload({ origin: other }))).toEqual({ vary: 'Origin' });
    expect(corsHeaders(await fetch(`${t.baseUrl}/v1/sets-its-own-cors`, { headers: { origin: other, 'x-api-key': 'k_web' } }))).toEqual({ vary: 'Origin' });
  });

  it('with CORS_ORIGINS unset, none at all; with *, any origin (API_KEYS required)', async () => {
    const none = await startTestApp({ API_KEYS: 'k' });
    none.app.get('/v1/sets-its-own-cors', (c) => c.text('ok', 200, { 'access-control-allow-origin': '*' }));
    try {
      expect(corsHeaders(await fetch(`${none.baseUrl}/v1/sets-its-own-cors`, { headers: { origin: APP, 'x-api-key': 'k' } }))).toEqual({});
    } finally {
      await none.close();
    }
    const any = await startTestApp({ API_KEYS: 'k', CORS_ORIGINS: '*' });
    try {
      const res = await fetch(`${any.baseUrl}/v1/uploads/direct`, { method: 'POST', headers: { origin: 'https://anywhere.example' } });
      expect(res.status).toBe(401);
      expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED });
    } finally {
      await any.close();
    }
  });
});
