import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import { file, MB } from '../support/url-fixtures.js';
import { startMediaServer, type MediaServer } from '../support/media-server.js';
import { postJson, startUrlTestApp } from '../support/url-app.js';

/** The time budget, with the smallest FETCH_TIMEOUT_MS config allows (1 s; imports get 3×). */
let server: MediaServer;
let teli: FakeTeli;
let t: TestApp;

beforeAll(async () => {
  server = await startMediaServer({
    '/hang.jpg': { hang: true },
    '/stall.mp4': { file: file('mp4', 4 * MB), headers: { 'content-type': 'video/mp4' }, contentLength: false, ranges: false, stallAfter: 256 * 1024 },
  });
  teli = await startFakeTeli();
  t = await startUrlTestApp(() => ({
    FETCH_ALLOW_PRIVATE_HOSTS: server.hostPort,
    FETCH_TIMEOUT_MS: '1000',
    TELI_API_BASE_URL: teli.baseUrl,
    TELI_API_KEY: teli.apiKey,
  }));
});
afterAll(async () => {
  await t.close();
  await teli.close();
  await server.close();
});

const late = () => `${server.hostPort} did not deliver in time; the fetch was stopped.`;
const TIMEOUT_FIX = 'Serve the file from a faster host or a CDN: carriers give up after about 10–15 seconds.';
const timeoutProblem = () => ({ code: 'timeout', severity: 'error', message: late(), fix: TIMEOUT_FIX, rehostable: false });

describe('time budget', () => {
  it('preflight: a server that never answers is a timeout error, not a hang', async () => {
    const res = await postJson(t, '/v1/media/preflight', { media_url: server.url('/hang.jpg') });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, fetchable: false });
    expect(res.body.problems).toEqual([timeoutProblem()]);
  });

  it('preflight: a body that stalls while being measured is a timeout too', async () => {
    const res = await postJson(t, '/v1/media/preflight', { media_url: server.url('/stall.mp4') });
    expect(res.body.problems).toEqual([timeoutProblem()]);
  });

  it('send: a URL that times out is refused with 422 and nothing is sent', async () => {
    const res = await postJson(t, '/v1/mms/send', { campaign_id: 'c1', phone_number: '+15551234567', media_url: server.url('/hang.jpg') });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ success: false, code: 'url_not_fetchable', error: `media_url cannot be fetched: ${late()} Nothing was sent.` });
    expect(res.body.preflight.problems).toEqual([timeoutProblem()]);
    expect(teli.calls).toEqual([]);
  });

  it('import: a body that stalls is stopped with url_timeout and nothing is stored', async () => {
    const res = await postJson(t, '/v1/media', { url: server.url('/stall.mp4') });
    expect(res).toEqual({ status: 422, body: { success: false, code: 'url_timeout', error: late() } });
    const left = await readdir(join(t.dir, 'media'), { recursive: true }).catch(() => [] as string[]);
    expect(left.filter((name) => /\.(mp4|tmp)$/.test(name))).toEqual([]);
  });
});
