import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendResponseSchema } from '../../src/http/schemas.js';
import { GPS_EXIF } from '../images/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectError, expectMedia, filesIn, form } from '../support/http.js';

/**
 * optimize and keep_metadata, as query parameters or as form fields sent before the file, on both routes that
 * host files: checked by the schema /openapi.json documents, and applied (real image processing, dry-run sends).
 */
let t: TestApp;
let tagged: Buffer;
beforeAll(async () => {
  // Sends download the hosted URLs from this loopback server: let the URL checks reach it.
  t = await startTestApp((baseUrl) => ({ FETCH_ALLOW_PRIVATE_HOSTS: new URL(baseUrl).host }));
  tagged = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } }).jpeg().withExif(GPS_EXIF).toBuffer();
});
afterAll(() => t.close());

const fields = { campaign_id: 'c1', phone_number: '+15551234567' };
const photo = () => ({ filename: 'IMG_0001.JPG', bytes: tagged, type: 'image/jpeg' });
/** Whether the hosted file, fetched as a carrier would, still names the camera (EXIF kept). */
const keptExif = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer()).includes('iPhone');

describe('applied', () => {
  it('keep_metadata=true in the query of a raw upload keeps EXIF; without it, it is removed', async () => {
    const kept = await expectMedia(await t.app.request('/v1/media?keep_metadata=true', { method: 'POST', body: tagged, headers: { 'content-type': 'image/jpeg' } }));
    const cut = await expectMedia(await t.app.request('/v1/media?keep_metadata=false', { method: 'POST', body: tagged, headers: { 'content-type': 'image/jpeg' } }));
    expect([await keptExif(kept.url), await keptExif(cut.url)]).toEqual([true, false]);
  });

  it('as a form field before the file it applies; after the file it came too late', async () => {
    const before = await expectMedia(await t.app.request('/v1/media', { method: 'POST', body: form({ keep_metadata: 'true' }, [photo()]) }));
    const late = new FormData();
    late.append('file', new Blob([new Uint8Array(tagged)], { type: 'image/jpeg' }), 'IMG_0001.JPG');
    late.append('keep_metadata', 'true');
    const after = await expectMedia(await t.app.request('/v1/media', { method: 'POST', body: late }));
    expect([await keptExif(before.url), await keptExif(after.url)]).toEqual([true, false]);
  });

  it('on a multipart send, as a form field', async () => {
    const res = await t.app.request('/v1/mms/send', { method: 'POST', body: form({ ...fields, keep_metadata: 'true' }, [photo()]) });
    expect(res.status).toBe(200);
    const { media } = SendResponseSchema.parse(await res.json());
    expect(await keptExif(media!.url)).toBe(true);
  });

  it('on a JSON send, to the copy of media_url it hosts', async () => {
    const source = await expectMedia(await t.app.request('/v1/media?keep_metadata=true', { method: 'POST', body: tagged, headers: { 'content-type': 'image/jpeg' } }));
    const send = (query: string) =>
      t.app.request(`/v1/mms/send${query}`, { method: 'POST', body: JSON.stringify({ ...fields, media_url: source.url, rehost: 'always' }), headers: { 'content-type': 'application/json' } });
    const kept = SendResponseSchema.parse(await (await send('?keep_metadata=true')).json());
    const cut = SendResponseSchema.parse(await (await send('')).json());
    expect([kept.media?.rehosted, cut.media?.rehosted]).toEqual([true, true]);
    expect([await keptExif(kept.media!.url), await keptExif(cut.media!.url)]).toEqual([true, false]);
  });
});

describe('checked: a value the schema does not allow is a 400 in the envelope, and nothing is stored or sent', () => {
  const refusals = [
    { name: 'optimize in the query of a raw upload', path: '/v1/media?optimize=sometimes', body: () => tagged, says: 'optimize must be auto, always or off (got "sometimes").' },
    { name: 'keep_metadata as a form field before the file', path: '/v1/media', body: () => form({ keep_metadata: 'yes' }, [photo()]), says: 'keep_metadata must be true or false (got "yes").' },
    { name: 'optimize in the query of a multipart send', path: '/v1/mms/send?optimize=never', body: () => form(fields, [photo()]), says: 'optimize must be auto, always or off (got "never").' },
    { name: 'an empty optimize form field on a send', path: '/v1/mms/send', body: () => form({ ...fields, optimize: '' }, [photo()]), says: 'optimize must be auto, always or off (got "").' },
  ];
  for (const r of refusals) {
    it(r.name, async () => {
      const stored = await filesIn(t.dir);
      expect(await expectError(await t.app.request(r.path, { method: 'POST', body: r.body() }), 400, 'invalid_field')).toBe(r.says);
      expect(await filesIn(t.dir)).toEqual(stored);
    });
  }

  it('keep_metadata in the query of a JSON send', async () => {
    const stored = await filesIn(t.dir);
    const res = await t.app.request('/v1/mms/send?keep_metadata=maybe', {
      method: 'POST',
      body: JSON.stringify({ ...fields, media_url: 'https://example.com/a.jpg' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(await expectError(res, 400, 'invalid_field')).toBe('keep_metadata must be true or false (got "maybe").');
    expect(await filesIn(t.dir)).toEqual(stored);
  });
});
