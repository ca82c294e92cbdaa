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
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  t = await startTestApp({
    LOG_LEVEL: 'debug',
    API_KEYS: API_KEY,
    STORAGE_DRIVER: 's3',
    S3_BUCKET: s3.bucket,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
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

describe('logs', () => {
  it('write one JSON line per request with its id, status, latency and media, and never a key or a signature', async () => {
    const up = await t.app.request('/v1/media', { method: 'POST', body: form({}, [{ filename: 'a.pdf', bytes: fx.pdf(4000) }]), headers: { ...headers, 'x-request-id': 'req-abc.123' } });
    expect(up.headers.get('x-request-id')).toBe('req-abc.123');
    const media = await expectMedia(up);
    expect(media.url).toContain('X-Amz-Signature=');

    const sent = await t.app.request(`/v1/mms/send?token=${API_KEY}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ campaign_id: 'c', phone_number: '+15551234567', media_url: media.url }),
    });
    expect(sent.status).toBe(200);
    expect((await t.app.request('/v1/media', { method: 'POST', body: fx.pdf(), headers: { 'x-api-key': 'wrong-SECRET' } })).status).toBe(401);
    const generated = (await t.app.request('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } })).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    const lines = t.logs.map((l) => JSON.parse(l));
    const upload = lines.find((l) => l.request_id === 'req-abc.123');
    expect(upload).toMatchObject({ level: 'info', msg: 'request', method: 'POST', path: '/v1/media', status: 201, media_kind: 'document', media_size: media.size });
    expect(upload.latency_ms).toBeGreaterThanOrEqual(0);
    expect(lines.find((l) => l.status === 401)).toMatchObject({ code: 'invalid_api_key' });

    await t.app.request(`/v1/media/${media.id}`, { headers });
    expect(lines.length).toBeGreaterThan(0);
    const all = t.logs.join('\n');
    expect(all).toContain('"path":"/v1/media/:id"');
    for (const secret of [media.id, API_KEY, teli.apiKey, 'wrong-SECRET', 'X-Amz-Signature', 'X-Amz-Credential', s3.credentials.secretAccessKey]) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('GET /metrics', () => {
  it('counts requests by route and status, uploads by kind and outcome, bytes, and sends', async () => {
    await t.app.request('/v1/media', { method: 'POST', body: fx.html(), headers });
    const res = await t.app.request('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^mms_media_http_requests_total\{method="POST",route="\/v1\/media",status="201"\} [1-9]/m);
    expect(text).toMatch(/^mms_media_uploads_total\{kind="document",outcome="stored"\} [1-9]/m);
    expect(text).toMatch(/^mms_media_uploads_total\{kind="unknown",outcome="unsupported_media_type"\} 1$/m);
    expect(text).toMatch(/^mms_media_stored_bytes_total\{kind="document"\} [1-9]\d*/m);
    expect(text).toMatch(/^mms_media_upstream_sends_total\{outcome="sent"\} 1$/m);
    expect(text).toMatch(/^mms_media_upstream_send_duration_seconds_count 1$/m);
    expect(text).toMatch(/^mms_media_uploads_in_flight 0$/m);
    expect(text).toMatch(/^mms_media_image_queue_depth 0$/m);
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
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
