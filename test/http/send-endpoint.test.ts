import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendResponseSchema } from '../../src/http/schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import * as fx from '../support/fixtures.js';
import { form } from '../support/http.js';

// TELI_API_BASE_URL is operator configuration, used as configured on Node as on Workers (test/worker/worker.test.ts):
// a loopback address or name needs no FETCH_ALLOW_PRIVATE_HOSTS entry. Redirects are never followed (the HTTP contract).
const fields = { campaign_id: 'campaign_abc123', phone_number: '+15551234567' };

describe('the send endpoint is used at the address configured', () => {
  let teli: FakeTeli;
  beforeAll(async () => {
    teli = await startFakeTeli();
  });
  afterAll(async () => {
    await teli?.close();
  });

  const sendVia = async (base: string) => {
    // No FETCH_ALLOW_PRIVATE_HOSTS at all: the hosted file is served by the app, and only the endpoint downloads it.
    const t = await startTestApp({ API_KEYS: 'k', TELI_API_BASE_URL: base, TELI_API_KEY: teli.apiKey });
    try {
      teli.calls.length = 0;
      const pdf = fx.pdf();
      const res = await t.app.request('/v1/mms/send', { method: 'POST', body: form(fields, [{ filename: 'a.pdf', bytes: pdf }]), headers: { 'x-api-key': 'k' } });
      return { t, pdf, status: res.status, body: await res.json() };
    } finally {
      await t.close();
    }
  };

  for (const host of ['127.0.0.1', 'localhost']) {
    it(`sends to a loopback ${host === 'localhost' ? 'name' : 'address'} (${host})`, async () => {
      const base = teli.baseUrl.replace('127.0.0.1', host);
      const { pdf, status, body } = await sendVia(base);
      expect(status).toBe(200);
      const sent = SendResponseSchema.parse(body);
      expect(sent).toMatchObject({ success: true, message: 'MMS sent successfully', ...fields, media_url: sent.media!.url });
      expect(teli.calls.map((c) => [c.headers['x-api-key'], c.body])).toEqual([[teli.apiKey, { ...fields, media_url: sent.media!.url }]]);
      expect(teli.calls[0]!.download).toEqual({ status: 200, contentType: 'application/pdf', bytes: Buffer.from(pdf) });
    });
  }

  it('logs what the operator must change when the endpoint redirects', async () => {
    teli.mode = { kind: 'redirect', status: 308 };
    const t: TestApp = await startTestApp({ API_KEYS: 'k', TELI_API_BASE_URL: teli.baseUrl, TELI_API_KEY: teli.apiKey, LOG_LEVEL: 'warn' });
    try {
      teli.calls.length = 0;
      const res = await t.app.request('/v1/mms/send', { method: 'POST', body: form(fields, [{ filename: 'a.pdf', bytes: fx.pdf() }]), headers: { 'x-api-key': 'k' } });
      expect(res.status).toBe(502);
      expect(teli.calls).toHaveLength(1);
      const notes = t.logs.map((l) => JSON.parse(l)).filter((l) => l.msg.startsWith('send endpoint'));
      expect(notes.map((l) => [l.level, l.msg, l.upstream_status])).toEqual([
        ['warn', 'send endpoint redirected, which is never followed: set TELI_API_BASE_URL to the address it redirects to', 308],
      ]);
    } finally {
      teli.mode = { kind: 'ok' };
      await t.close();
    }
  });
});
