import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import { expectMedia, form } from '../support/http.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

const API_KEY = 'k_live_SECRET_api_key_123';
let s3: S3TestServer;
let teli: FakeTeli;
let t: TestApp;
beforeAll(async () => {
  s3 = await startS3Server();
  teli = await startFakeTeli('teli_SECRET_upstream_key');
  t = await startTestApp({
    LOG_LEVEL: 'debug',
    API_KEYS: API_KEY,
    ...s3.serviceEnv(),
    TELI_API_BASE_URL: teli.baseUrl,
    TELI_API_KEY: teli.apiKey,
    FETCH_ALLOW_PRIVATE_HOSTS: new URL(s3.endpoint).host,
  });
});
afterAll(async () => {
  await t.close();
  await teli.close();
  await s3.stop();
});

const headers = { 'x-api-key': API_KEY };

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A request's log line without what changes from run to run (time, latency), which are checked apart. */
function steady(line: Record<string, unknown>, startedAt: number, elapsedMs: number): Record<string, unknown> {
  const { time, latency_ms, ...rest } = line;
  expect(Date.parse(String(time))).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000) * 1000);
  expect(Number.isInteger(latency_ms)).toBe(true);
  // Measured inside the request, so never longer than the whole test has run.
  expect(latency_ms as number).toBeLessThanOrEqual(Math.ceil(elapsedMs));
  return rest;
}

let pdfSize = 0;

describe('logs', () => {
  it('write one JSON line per request with its id, status, latency and media, and never a key or a signature', async () => {
    const startedAt = Date.now();
    const before = t.logs.length;
    const pdf = fx.pdf(4000);
    pdfSize = pdf.length;
    const up = await t.app.request('/v1/media', { method: 'POST', body: form({}, [{ filename: 'a.pdf', bytes: pdf }]), headers: { ...headers, 'x-request-id': 'req-abc.123' } });
    expect(up.headers.get('x-request-id')).toBe('req-abc.123');
    const media = await expectMedia(up);
    expect(media.size).toBe(pdf.length);
    expect(new URL(media.url).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);

    const sent = await t.app.request(`/v1/mms/send?token=${API_KEY}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'x-request-id': 'req-send' },
      body: JSON.stringify({ campaign_id: 'c', phone_number: '+15551234567', media_url: media.url }),
    });
    expect(sent.status).toBe(200);
    const refused = await t.app.request('/v1/media', { method: 'POST', body: fx.pdf(), headers: { 'x-api-key': 'wrong-SECRET', 'x-request-id': 'req-401' } });
    expect(refused.status).toBe(401);
    const generated = (await t.app.request('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } })).headers.get('x-request-id');
    expect(generated).toMatch(UUID_V4);
    expect((await t.app.request(`/v1/media/${media.id}`, { headers: { ...headers, 'x-request-id': 'req-get' } })).status).toBe(200);

    // Read after the last request: every request above has written its line by now.
    const elapsed = Date.now() - startedAt;
    const requests = t.logs
      .slice(before)
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'request')
      .map((l) => steady(l, startedAt, elapsed));
    expect(requests).toEqual([
      { level: 'info', msg: 'request', request_id: 'req-abc.123', method: 'POST', path: '/v1/media', status: 201, media_kind: 'document', media_size: pdf.length },
      { level: 'info', msg: 'request', request_id: 'req-send', method: 'POST', path: '/v1/mms/send', status: 200 },
      { level: 'info', msg: 'request', request_id: 'req-401', method: 'POST', path: '/v1/media', status: 401, code: 'invalid_api_key' },
      { level: 'info', msg: 'request', request_id: generated, method: 'GET', path: '/healthz', status: 200 },
      { level: 'info', msg: 'request', request_id: 'req-get', method: 'GET', path: '/v1/media/:id', status: 200 },
    ]);
    const all = t.logs.join('\n');
    for (const secret of [media.id, API_KEY, teli.apiKey, 'wrong-SECRET', 'X-Amz-Signature', 'X-Amz-Credential', s3.credentials.secretAccessKey]) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('GET /metrics', () => {
  // Counts what this file's requests did: the logs case above, then one refused upload here.
  it('counts requests by route and status, uploads by kind and outcome, bytes, and sends', async () => {
    await t.app.request('/v1/media', { method: 'POST', body: fx.html(), headers });
    const res = await t.app.request('/metrics');
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    const text = await res.text();
    const sample = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    // Refused by the key check before routing, a 401 counts under the middleware's pattern; no series per id.
    expect(sample('mms_media_http_requests_total')).toEqual([
      'mms_media_http_requests_total{method="POST",route="/v1/media",status="201"} 1',
      'mms_media_http_requests_total{method="POST",route="/v1/mms/send",status="200"} 1',
      'mms_media_http_requests_total{method="POST",route="/v1/*",status="401"} 1',
      'mms_media_http_requests_total{method="GET",route="/healthz",status="200"} 1',
      'mms_media_http_requests_total{method="GET",route="/v1/media/:id",status="200"} 1',
      'mms_media_http_requests_total{method="POST",route="/v1/media",status="415"} 1',
    ]);
    expect(sample('mms_media_uploads_total')).toEqual([
      'mms_media_uploads_total{kind="document",outcome="stored"} 1',
      'mms_media_uploads_total{kind="unknown",outcome="unsupported_media_type"} 1',
    ]);
    expect(sample('mms_media_stored_bytes_total')).toEqual([`mms_media_stored_bytes_total{kind="document"} ${pdfSize}`]);
    expect(sample('mms_media_upstream_sends_total')).toEqual(['mms_media_upstream_sends_total{outcome="sent"} 1']);
    expect(sample('mms_media_upstream_send_duration_seconds_count')).toEqual(['mms_media_upstream_send_duration_seconds_count 1']);
    expect(sample('mms_media_uploads_in_flight')).toEqual(['mms_media_uploads_in_flight 0']);
    expect(sample('mms_media_image_queue_depth')).toEqual(['mms_media_image_queue_depth 0']);
  });
});

describe('security headers', () => {
  it('mark API replies inert and uncacheable', async () => {
    const res = await t.app.request('/v1/media/AAAAAAAAAAAAAAAAAAAAAA', { headers });
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});
