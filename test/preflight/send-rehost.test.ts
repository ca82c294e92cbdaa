import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SendResponseSchema } from '../../src/http/schemas.js';
import type { TestApp } from '../support/app.js';
import { expectReceived, startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import { FittingImages } from '../support/fitting-images.js';
import { file, KB, MB } from '../support/url-fixtures.js';
import { WARM_TIMEOUT_MS, phoneMov } from '../support/av-fixtures.js';
import { startMediaServer, type MediaServer } from '../support/media-server.js';
import { HOUR, sigV4Query } from '../support/signed.js';
import { postJson, startUrlTestApp } from '../support/url-app.js';

const jpeg = { 'content-type': 'image/jpeg' };
let server: MediaServer;
let recorder: MediaServer;
let teli: FakeTeli;
let t: TestApp;

const send = (media_url: string, extra: Record<string, unknown> = {}) =>
  postJson(t, '/v1/mms/send', { campaign_id: 'campaign_abc123', phone_number: '+15551234567', media_url, message: 'Hi', ...extra });
/** What the send endpoint should receive for `send(media_url)`: the caller's fields (rehost is ours, not forwarded). */
const sent = (media_url: string) => ({ campaign_id: 'campaign_abc123', phone_number: '+15551234567', media_url, message: 'Hi' });
const SUPPORTED = 'jpg, png, gif (5 MB); mp4, 3gp (10 MB); mp3, wav, ogg (5 MB); pdf (5 MB)';
/** When a sigV4Query stops working: X-Amz-Date plus X-Amz-Expires seconds. */
const expiryOf = (path: string) => {
  const q = new URL(path, 'http://x').searchParams;
  const d = q.get('X-Amz-Date')!;
  const signedAt = Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);
  return new Date(signedAt + Number(q.get('X-Amz-Expires')) * 1000).toISOString();
};

beforeAll(async () => {
  const mov = await phoneMov();
  recorder = await startMediaServer();
  server = await startMediaServer({
    '/photo.jpg': { file: file('jpg', 50 * KB), headers: jpeg },
    '/hop': { redirect: '/photo.jpg' },
    '/chunked.jpg': { file: file('jpg', 50 * KB), headers: jpeg, ranges: false, contentLength: false },
    '/photo.heic': { file: file('heic', 300 * KB), headers: { 'content-type': 'image/heic' } },
    '/big.jpg': { file: file('jpg', 6 * MB), headers: jpeg },
    '/budget.jpg': { file: file('jpg', 900 * KB), headers: jpeg },
    '/s3.jpg': { file: file('jpg', 50 * KB), headers: { 'content-type': 'binary/octet-stream' } },
    '/signed.jpg': { file: file('jpg', 50 * KB), headers: jpeg },
    '/clip.mov': { file: { prefix: mov, size: mov.length }, headers: { 'content-type': 'video/quicktime' } },
    '/private.jpg': { status: 401 },
    '/expired.jpg': { status: 403 }, // as S3 answers an expired presigned URL
    '/to-internal': { redirect: `http://127.0.0.1:${recorder.port}/x.jpg` },
  });
  teli = await startFakeTeli();
  t = await startUrlTestApp(() => ({ FETCH_ALLOW_PRIVATE_HOSTS: server.hostPort, TELI_API_BASE_URL: teli.baseUrl, TELI_API_KEY: teli.apiKey }), {
    images: new FittingImages(),
    resolve: async (host) => (host === 'internal.test' ? [{ address: '10.0.0.8', family: 4 }] : []),
  });
}, WARM_TIMEOUT_MS); // the MOV is encoded on a first run
beforeEach(() => {
  teli.calls.length = 0;
});
afterAll(async () => {
  await t.close();
  await teli.close();
  await server.close();
  await recorder.close();
});

describe('POST /v1/mms/send with media_url (happy)', () => {
  it.each(['/photo.jpg', '/hop', '/chunked.jpg'])('%s: no errors, sent unchanged, warnings and all', async (path) => {
    const res = await send(server.url(path));
    expect(res.status).toBe(200);
    const body = SendResponseSchema.parse(res.body);
    expect(body.media).toBeUndefined();
    // A clean URL gets the endpoint's reply untouched; warnings come back in the report.
    if (path === '/photo.jpg') expect(body.preflight).toBeUndefined();
    else expect(body.preflight).toMatchObject({ ok: true, media_url: server.url(path), problems: [{ code: path === '/hop' ? 'redirect' : 'no_content_length', severity: 'warning' }] });
    expectReceived(teli, sent(server.url(path)));
    expect(teli.calls[0]!.download?.status).toBe(path === '/hop' ? 302 : 200);
  });

  it.each([
    ['HEIC', '/photo.heic', 'not_carrier_format', 'converted heic to jpg'],
    ['6 MB jpg', '/big.jpg', 'too_large', 'fitted to 600000 bytes'],
    ['900 KB jpg', '/budget.jpg', 'over_image_budget', 'fitted to 600000 bytes'],
    ['octet-stream', '/s3.jpg', 'content_type_mismatch', undefined],
    ['signed for 2 h', `/signed.jpg?${sigV4Query(2 * HOUR)}`, 'expires_soon', undefined],
  ])('%s (%s): rehosted, and the carrier gets a hosted jpg', async (_label, path, code, transformation) => {
    const res = await send(server.url(path));
    expect(res.status).toBe(200);
    const body = SendResponseSchema.parse(res.body);
    expect(body.preflight!.ok).toBe(false);
    expect(body.preflight!.problems.map((p) => p.code)).toEqual([code]);
    expect(body.media).toMatchObject({ rehosted: true, content_type: 'image/jpeg', extension: 'jpg' });
    if (transformation) expect(body.media!.transformations).toEqual([transformation]);
    expect(body.media!.url).toBe(`${t.baseUrl}/media/${body.media!.id}`);
    expectReceived(teli, sent(body.media!.url));
    expect(teli.calls[0]!.download).toMatchObject({ status: 200, contentType: 'image/jpeg' });
    expect([...teli.calls[0]!.download!.bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('rehost=always hosts even a good URL; rehost=never sends a good one unchanged', async () => {
    const always = await send(server.url('/photo.jpg'), { rehost: 'always' });
    expect(always.status).toBe(200);
    expect(always.body.media).toMatchObject({ rehosted: true, size: 50 * KB });
    expect(always.body.media.url).toBe(`${t.baseUrl}/media/${always.body.media.id}`);
    const never = await send(server.url('/photo.jpg'), { rehost: 'never' });
    expect(never.status).toBe(200);
    expectReceived(teli, sent(always.body.media.url), sent(server.url('/photo.jpg')));
  });
});

describe('POST /v1/mms/send with a video URL carriers would drop', () => {
  it('rehost=auto converts an iPhone MOV to an upright H.264 MP4 and sends that', async () => {
    const res = await send(server.url('/clip.mov'));
    expect(res.status).toBe(200);
    const { media } = SendResponseSchema.parse(res.body);
    expect(media).toMatchObject({ rehosted: true, content_type: 'video/mp4', width: 360, height: 640 });
    expect(media!.transformations!.slice(0, 3)).toEqual(['convert:mov->mp4', 'transcode:hevc->h264', 'rotate:90']);
    expect(teli.calls.map((c) => [c.body.media_url, c.download?.contentType])).toEqual([[media!.url, 'video/mp4']]);
    expect(teli.calls[0]!.download!.bytes.length).toBeLessThanOrEqual(600_000);
  });
});

describe('POST /v1/mms/send with media_url (error): nothing is sent', () => {
  it.each([
    ['404', '/nothing.jpg', ['http_status'], () => 'The server answered HTTP 404: there is no file at this URL.'],
    ['401', '/private.jpg', ['auth_required'], () => 'The server refused an anonymous request with HTTP 401; carriers send no credentials or cookies.'],
    // The expiry is the first error, and the one the sentence names; the 403 it causes comes after it.
    ['expired presigned (403)', `/expired.jpg?${sigV4Query(-HOUR)}`, ['expired', 'auth_required'], (path: string) => `This signed URL expired at ${expiryOf(path)}.`],
  ])('%s: 422 url_not_fetchable, with the report', async (_label, path, problems, says) => {
    const res = await send(server.url(path));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ success: false, code: 'url_not_fetchable', error: `media_url cannot be fetched: ${says(path)} Nothing was sent.`, preflight: { fetchable: false } });
    expect(res.body.preflight.problems.map((p: { code: string }) => p.code)).toEqual(problems);
    expect(teli.calls).toHaveLength(0);
  });

  it('MOV with rehost=never → 422 media_url_rejected, though hosting would convert it', async () => {
    const res = await send(server.url('/clip.mov'), { rehost: 'never' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'media_url_rejected',
      error: `media_url would not be delivered: The file is mov (video/quicktime), which carriers do not accept. Supported: ${SUPPORTED}. Send with rehost=auto to host a fixed copy. Nothing was sent.`,
      preflight: {
        fetchable: true,
        ok: false,
        problems: [expect.objectContaining({ code: 'not_carrier_format', rehostable: true }), expect.objectContaining({ code: 'over_media_budget', rehostable: true })],
      },
    });
    expect(teli.calls).toHaveLength(0);
  });

  it('rehost=never refuses a URL with errors hosting would fix', async () => {
    const res = await send(server.url('/photo.heic'), { rehost: 'never' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('media_url_rejected');
    expect(res.body.error).toBe(
      `media_url would not be delivered: The file is heic (image/heic), which carriers do not accept. Supported: ${SUPPORTED}. Send with rehost=auto to host a fixed copy. Nothing was sent.`,
    );
    expect(teli.calls).toHaveLength(0);
  });

  it('a bad rehost value is a 400', async () => {
    const res = await send(server.url('/photo.jpg'), { rehost: 'sometimes' });
    expect(res).toMatchObject({ status: 400, body: { success: false, code: 'invalid_field' } });
  });
});

describe('POST /v1/mms/send with media_url (security)', () => {
  it('internal addresses, names resolving to them and redirects to them: 422, nothing fetched, nothing sent', async () => {
    for (const url of [`http://127.1:${recorder.port}/x.jpg`, `http://internal.test:${recorder.port}/x.jpg`, server.url('/to-internal'), 'http://169.254.169.254/latest/meta-data/']) {
      const res = await send(url);
      expect(res.status, url).toBe(422);
      expect(res.body.code).toBe('url_not_fetchable');
      expect(res.body.preflight.problems[0].code).toBe('blocked_address');
      for (const mode of ['always', 'never']) expect((await send(url, { rehost: mode })).status).toBe(422);
    }
    expect(recorder.requests).toHaveLength(0);
    expect(teli.calls).toHaveLength(0);
  });
});
