import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MediaSchema, SendResponseSchema } from '../../src/http/schemas.js';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectReceived, startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
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

/** The URL a file hosted by this test app is served at. */
const servedAt = (media: { id: string; url: string }, extension: string) => {
  expect(media.id).toMatch(new RegExp(`^[A-Za-z0-9_-]{22}\\.${extension}$`));
  expect(media.url).toBe(`${t.baseUrl}/media/${media.id}`);
};

const phoneRefusal = (input: string) => `"${input}" is not a phone number. Use E.164, for example +15551234567 (US numbers may omit +1).`;

describe('POST /v1/mms/send — JSON, as the send endpoint takes it', () => {
  it('forwards the request with the upstream key and returns the upstream reply as it is', async () => {
    const media_url = await hostedUrl();
    const res = await send({ ...fields, phone_number: '(555) 123-4567', media_url });
    expect(res.status).toBe(200);
    const body = SendResponseSchema.parse(await res.json());
    expect(body).toMatchObject({ success: true, message: 'MMS sent successfully', powered_by: 'Teli', phone_number: '+15551234567' });
    // The number goes in E.164, whatever way the caller wrote it.
    expectReceived(teli, { campaign_id: 'campaign_abc123', phone_number: '+15551234567', message: 'Here it is', media_url });
    expect(teli.calls[0]!.download).toEqual({ status: 200, contentType: 'application/pdf', bytes: fx.pdf() });
  });

  const invalid = [
    { name: 'no campaign_id', body: { phone_number: '+15551234567', media_url: 'https://example.com/a.pdf' }, code: 'missing_field', says: 'Missing required field: campaign_id' },
    { name: 'no media_url', body: { campaign_id: 'c', phone_number: '+15551234567' }, code: 'missing_field', says: 'Missing required field: media_url' },
    { name: 'a phone number that is not one', body: { campaign_id: 'c', phone_number: 'call me', media_url: 'https://example.com/a.pdf' }, code: 'invalid_phone_number', says: phoneRefusal('call me') },
    { name: 'a too-short number', body: { campaign_id: 'c', phone_number: '+1555', media_url: 'https://example.com/a.pdf' }, code: 'invalid_phone_number', says: phoneRefusal('+1555') },
    { name: 'an ftp media_url', body: { campaign_id: 'c', phone_number: '+15551234567', media_url: 'ftp://example.com/a.pdf' }, code: 'invalid_media_url', says: 'media_url must be a valid HTTP/HTTPS URL' },
    { name: 'a campaign_id that is a number', body: { campaign_id: 42, phone_number: '+15551234567', media_url: 'https://example.com/a.pdf' }, code: 'invalid_field', says: 'campaign_id must be a string' },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name} with 400 ${c.code}, sending nothing`, async () => {
      expect(await expectError(await send(c.body), 400, c.code)).toBe(c.says);
      expect(teli.calls).toHaveLength(0);
    });
  }

  it('refuses a body that is not JSON', async () => {
    const res = await t.app.request('/v1/mms/send', { method: 'POST', body: '{"campaign_id":', headers: { 'content-type': 'application/json' } });
    expect(await expectError(res, 400, 'invalid_json')).toBe('The request body is not valid JSON.');
    expect(teli.calls).toHaveLength(0);
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
    servedAt(body.media!, 'mp3');
    expectReceived(teli, { campaign_id: 'campaign_abc123', phone_number: '+15551234567', message: 'Here it is', media_url: body.media!.url });
    expect(teli.calls[0]!.download).toEqual({ status: 200, contentType: 'audio/mpeg', bytes });
  });

  it('checks the fields before storing the file when they come first', async () => {
    const before = await filesIn(t.dir);
    const res = await send(form({ campaign_id: 'c', phone_number: 'nope' }, [{ filename: 'a.pdf', bytes: fx.pdf() }]));
    expect(await expectError(res, 400, 'invalid_phone_number')).toBe(phoneRefusal('nope'));
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
    const { media } = SendResponseSchema.parse(await res.json());
    servedAt(media!, 'pdf');
    // No message field was sent, so none is forwarded.
    expectReceived(teli, { campaign_id: 'campaign_abc123', phone_number: '+15551234567', media_url: media!.url });
    expect(teli.calls[0]!.download).toEqual({ status: 200, contentType: 'application/pdf', bytes: fx.pdf() });
  });

  it('removes the hosted file when fields after it turn out wrong', async () => {
    const before = await filesIn(t.dir);
    const body = new FormData();
    body.append('file', new Blob([fx.pdf()]), 'a.pdf');
    body.append('phone_number', '+15551234567');
    expect(await expectError(await send(body), 400, 'missing_field')).toBe('Missing required field: campaign_id');
    expect(await filesIn(t.dir)).toEqual(before);
    expect(teli.calls).toHaveLength(0);
  });

  it('refuses a form without a file, and a file the endpoint would not take', async () => {
    expect(await expectError(await send(form(fields)), 400, 'no_file')).toBe('No file was sent: add a multipart part named "file".');
    expect(await expectError(await send(form(fields, [{ filename: 'x.jpg', bytes: fx.html() }])), 415, 'unsupported_media_type')).toBe(
      'The type of this file could not be recognised from its contents (text, HTML and SVG are not accepted). Supported: jpg, png, gif (5 MB); mp4, 3gp (10 MB); mp3, wav, ogg (5 MB); pdf (5 MB).',
    );
    expect(teli.calls).toHaveLength(0);
  });
});

describe('POST /v1/mms/send — when the endpoint fails', () => {
  it('answers 502 (may or may not have been sent) when the endpoint says 200 without its JSON reply', async () => {
    teli.mode = { kind: 'status', status: 200, body: 'OK' };
    const res = await send(form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]));
    const body = await res.json();
    const media = MediaSchema.parse(body.media);
    expect({ status: res.status, ...body, media: undefined }).toEqual({
      status: 502,
      success: false,
      code: 'upstream_unavailable',
      error: `The send endpoint answered HTTP 200 without the JSON reply it should give; the message may or may not have been sent: check before sending it again. Retry with media.url (${media.id}) instead of uploading again.`,
      upstream_status: 200,
      upstream: { success: false, error: 'OK' },
      media: undefined,
    });
    teli.mode = { kind: 'ok' };
  });

  it('answers 502 with the hosted media on an upstream 5xx, and does not retry', async () => {
    teli.mode = { kind: 'status', status: 503, body: '<html>Service Unavailable</html>' };
    const res = await send(form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]));
    expect(res.status).toBe(502);
    const body = await res.json();
    const media = MediaSchema.parse(body.media);
    expect(body).toEqual({
      success: false,
      code: 'upstream_unavailable',
      error: `The send endpoint failed (HTTP 503); the message may not have been sent. Retry with media.url (${media.id}) instead of uploading again.`,
      upstream_status: 503,
      upstream: { success: false, error: '<html>Service Unavailable</html>' },
      media,
    });
    servedAt(media, 'pdf');
    expect((await fetch(media.url)).status).toBe(200); // the caller can retry with media.url
    expectReceived(teli, { campaign_id: 'campaign_abc123', phone_number: '+15551234567', message: 'Here it is', media_url: media.url });
  });

  it('answers 504 when the endpoint does not answer in time, once', async () => {
    teli.mode = { kind: 'hang' };
    const res = await send(form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]));
    const body = await res.json();
    expect({ status: res.status, code: body.code, error: body.error }).toEqual({
      status: 504,
      code: 'upstream_timeout',
      error: 'The send endpoint did not answer within 500 ms; the message may or may not have been sent.',
    });
    servedAt(body.media, 'pdf');
    expectReceived(teli, { campaign_id: 'campaign_abc123', phone_number: '+15551234567', message: 'Here it is', media_url: body.media.url });
  });

  it('answers 502 when the endpoint cannot be reached', async () => {
    const down = await startTestApp({ TELI_API_BASE_URL: 'http://127.0.0.1:9', TELI_API_KEY: 'k' });
    try {
      const res = await down.app.request('/v1/mms/send', { method: 'POST', body: form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]) });
      expect(await expectError(res, 502, 'upstream_unavailable')).toBe('The send endpoint could not be reached; the message was not sent.');
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
