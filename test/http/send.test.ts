import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SendResponseSchema } from '../../src/http/schemas.js';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import { expectError, expectMedia, filesIn, form } from '../support/http.js';

let teli: FakeTeli;
let t: TestApp;
beforeAll(async () => {
  teli = await startFakeTeli();
  t = await startTestApp((baseUrl) => ({
    TELI_API_BASE_URL: teli.baseUrl,
    TELI_API_KEY: teli.apiKey,
    TELI_TIMEOUT_MS: '500',
    // The hosted URLs live on this loopback test server: let the URL checks reach it, and nothing else.
    FETCH_ALLOW_PRIVATE_HOSTS: new URL(baseUrl).host,
  }));
});
afterAll(async () => {
  await t.close();
  await teli.close();
});
afterEach(() => {
  teli.calls.length = 0;
  teli.mode = { kind: 'ok' };
});

const send = (body: FormData | object) =>
  t.app.request('/v1/mms/send', body instanceof FormData ? { method: 'POST', body } : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const fields = { campaign_id: 'campaign_abc123', phone_number: '+15551234567', message: 'Here it is' };
const hostedUrl = async () => (await expectMedia(await t.app.request('/v1/media', { method: 'POST', body: fx.pdf() }))).url;

describe('POST /v1/mms/send — JSON, as the send endpoint takes it', () => {
  it('forwards the request with the upstream key and returns the upstream reply as it is', async () => {
    const media_url = await hostedUrl();
    const res = await send({ ...fields, phone_number: '(555) 123-4567', media_url });
    expect(res.status).toBe(200);
    const body = SendResponseSchema.parse(await res.json());
    expect(body).toMatchObject({ success: true, message: 'MMS sent successfully', powered_by: 'Teli', phone_number: '+15551234567' });
    expect(teli.calls).toHaveLength(1);
    expect(teli.calls[0]!.headers['x-api-key']).toBe(teli.apiKey);
    expect(teli.calls[0]!.body).toEqual({ ...fields, media_url });
    expect(teli.calls[0]!.download).toMatchObject({ status: 200, contentType: 'application/pdf' });
  });

  const invalid = [
    { name: 'no campaign_id', body: { phone_number: '+15551234567', media_url: 'https://example.com/a.pdf' }, code: 'missing_field', says: /campaign_id/ },
    { name: 'no media_url', body: { campaign_id: 'c', phone_number: '+15551234567' }, code: 'missing_field', says: /Missing required field: media_url/ },
    { name: 'a phone number that is not one', body: { campaign_id: 'c', phone_number: 'call me', media_url: 'https://example.com/a.pdf' }, code: 'invalid_phone_number', says: /call me/ },
    { name: 'a too-short number', body: { campaign_id: 'c', phone_number: '+1555', media_url: 'https://example.com/a.pdf' }, code: 'invalid_phone_number', says: /E\.164/ },
    { name: 'an ftp media_url', body: { campaign_id: 'c', phone_number: '+15551234567', media_url: 'ftp://example.com/a.pdf' }, code: 'invalid_media_url', says: /HTTP\/HTTPS/ },
    { name: 'a campaign_id that is a number', body: { campaign_id: 42, phone_number: '+15551234567', media_url: 'https://example.com/a.pdf' }, code: 'invalid_field', says: /campaign_id/ },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name} with 400 ${c.code}, sending nothing`, async () => {
      expect(await expectError(await send(c.body), 400, c.code)).toMatch(c.says);
      expect(teli.calls).toHaveLength(0);
    });
  }

  it('refuses a body that is not JSON', async () => {
    const res = await t.app.request('/v1/mms/send', { method: 'POST', body: '{"campaign_id":', headers: { 'content-type': 'application/json' } });
    await expectError(res, 400, 'invalid_json');
  });

  it('passes an upstream 4xx through with its status and body', async () => {
    teli.mode = { kind: 'status', status: 404, body: JSON.stringify({ success: false, error: 'Contact not found in campaign' }) };
    const res = await send({ ...fields, media_url: await hostedUrl() });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ success: false, error: 'Contact not found in campaign' });
  });
});

describe('POST /v1/mms/send — multipart with a file', () => {
  it('hosts the file, sends its URL, and the endpoint downloads the same bytes anonymously', async () => {
    const bytes = fx.mp3(40);
    const res = await send(form(fields, [{ filename: 'voice note.mp3', bytes }]));
    expect(res.status).toBe(200);
    const body = SendResponseSchema.parse(await res.json());
    expect(body.success).toBe(true);
    expect(body.media).toMatchObject({ content_type: 'audio/mpeg', kind: 'audio', size: bytes.length });
    expect(teli.calls).toHaveLength(1);
    const call = teli.calls[0]!;
    expect(call.body).toEqual({ ...fields, media_url: body.media!.url });
    expect(call.download!.contentType).toBe('audio/mpeg');
    expect(call.download!.bytes.equals(bytes)).toBe(true);
  });

  it('checks the fields before storing the file when they come first', async () => {
    const before = await filesIn(t.dir);
    const res = await send(form({ campaign_id: 'c', phone_number: 'nope' }, [{ filename: 'a.pdf', bytes: fx.pdf() }]));
    await expectError(res, 400, 'invalid_phone_number');
    expect(await filesIn(t.dir)).toEqual(before);
    expect(teli.calls).toHaveLength(0);
  });

  it('takes the fields after the file too', async () => {
    const body = new FormData();
    body.append('file', new Blob([fx.pdf()]), 'a.pdf');
    body.append('campaign_id', fields.campaign_id);
    body.append('phone_number', '555-123-4567');
    const res = await send(body);
    expect(res.status).toBe(200);
    expect(teli.calls).toHaveLength(1);
    expect(teli.calls[0]!.body).toMatchObject({ campaign_id: fields.campaign_id, phone_number: '+15551234567' });
    expect(teli.calls[0]!.download!.contentType).toBe('application/pdf');
  });

  it('removes the hosted file when fields after it turn out wrong', async () => {
    const before = await filesIn(t.dir);
    const body = new FormData();
    body.append('file', new Blob([fx.pdf()]), 'a.pdf');
    body.append('phone_number', '+15551234567');
    await expectError(await send(body), 400, 'missing_field');
    expect(await filesIn(t.dir)).toEqual(before);
    expect(teli.calls).toHaveLength(0);
  });

  it('refuses a form without a file, and a file the endpoint would not take', async () => {
    await expectError(await send(form(fields)), 400, 'no_file');
    await expectError(await send(form(fields, [{ filename: 'x.jpg', bytes: fx.html() }])), 415, 'unsupported_media_type');
    expect(teli.calls).toHaveLength(0);
  });
});

describe('POST /v1/mms/send — when the endpoint fails', () => {
  it('answers 502 with the hosted media on an upstream 5xx, and does not retry', async () => {
    teli.mode = { kind: 'status', status: 503, body: '<html>Service Unavailable</html>' };
    const res = await send(form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]));
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body).toMatchObject({ success: false, code: 'upstream_unavailable', upstream_status: 503 });
    expect((await fetch(body.media.url)).status).toBe(200); // the caller can retry with media.url
    expect(teli.calls).toHaveLength(1);
  });

  it('answers 504 when the endpoint does not answer in time, once', async () => {
    teli.mode = { kind: 'hang' };
    const res = await send(form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]));
    const body = await res.json();
    expect({ status: res.status, code: body.code }).toEqual({ status: 504, code: 'upstream_timeout' });
    expect(body.media.url).toMatch(/^http/);
    expect(teli.calls).toHaveLength(1);
  });

  it('answers 502 when the endpoint cannot be reached', async () => {
    const down = await startTestApp({ TELI_API_BASE_URL: 'http://127.0.0.1:9', TELI_API_KEY: 'k' });
    try {
      const res = await down.app.request('/v1/mms/send', { method: 'POST', body: form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]) });
      await expectError(res, 502, 'upstream_unavailable');
    } finally {
      await down.close();
    }
  });
});

describe('dry run (no TELI_API_KEY)', () => {
  it('sends nothing and answers with the body a send would get', async () => {
    const dry = await startTestApp({ TELI_API_BASE_URL: teli.baseUrl });
    try {
      const res = await dry.app.request('/v1/mms/send', { method: 'POST', body: form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]) });
      expect(res.status).toBe(200);
      const body = SendResponseSchema.parse(await res.json());
      expect(body).toMatchObject({ success: true, dry_run: true, campaign_id: fields.campaign_id, phone_number: fields.phone_number });
      expect(body.media_url).toBe(body.media!.url);
      expect(teli.calls).toHaveLength(0);
    } finally {
      await dry.close();
    }
  });
});
