import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectReceived, startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import { expectError, expectMedia } from '../support/http.js';

/**
 * Media this service hosts, sent by its URL, on the embedded default: its URLs are on a loopback address, which the
 * URL check refuses to fetch (no FETCH_ALLOW_PRIVATE_HOSTS here). The service knows its own media from its record.
 */
let teli: FakeTeli;
let t: TestApp;
beforeAll(async () => {
  teli = await startFakeTeli();
  t = await startTestApp({ TELI_API_BASE_URL: teli.baseUrl, TELI_API_KEY: teli.apiKey });
});
afterAll(async () => {
  await t.close();
  await teli.close();
});

const fields = { campaign_id: 'campaign_abc123', phone_number: '+15551234567', message: 'Here it is' };
const send = (media_url: string) => t.app.request('/v1/mms/send', { method: 'POST', body: JSON.stringify({ ...fields, media_url }), headers: { 'content-type': 'application/json' } });

describe('POST /v1/mms/send with the URL of media hosted here', () => {
  it('sends it without fetching it, and the endpoint downloads the hosted bytes', async () => {
    const media = await expectMedia(await t.app.request('/v1/media', { method: 'POST', body: fx.pdf() }));
    expect(new URL(media.url).hostname).toBe('127.0.0.1');
    teli.calls.length = 0;
    const res = await send(media.url);
    expect(res.status).toBe(200);
    expectReceived(teli, { ...fields, media_url: media.url });
    expect(teli.calls[0]!.download).toEqual({ status: 200, contentType: 'application/pdf', bytes: fx.pdf() });
  });

  it('answers 404 media_not_found for hosted media since deleted, and sends nothing', async () => {
    const media = await expectMedia(await t.app.request('/v1/media', { method: 'POST', body: fx.pdf() }));
    expect((await t.app.request(`/v1/media/${media.id}`, { method: 'DELETE' })).status).toBe(204);
    teli.calls.length = 0;
    await expectError(await send(media.url), 404, 'media_not_found');
    expect(teli.calls).toEqual([]);
  });

  it('still checks any other URL on the same address, and refuses what it may not fetch', async () => {
    teli.calls.length = 0;
    const error = await expectError(await send(`${t.baseUrl}/openapi.json`), 422, 'url_not_fetchable');
    expect(error).toContain('127.0.0.1');
    expect(teli.calls).toEqual([]);
  });
});
