import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreflightResponseSchema } from '../../src/http/schemas.js';
import type { TestApp } from '../support/app.js';
import { FittingImages } from '../support/fitting-images.js';
import { file, KB, MB } from '../support/url-fixtures.js';
import { deliverableMp4WithLocation } from '../support/av-fixtures.js';
import { startMediaServer, type MediaServer } from '../support/media-server.js';
import { HOUR, sigV4Query } from '../support/signed.js';
import { postJson, startUrlTestApp } from '../support/url-app.js';

const jpeg = { 'content-type': 'image/jpeg' };
/** A file of the corpus, served whole. */
const corpus = (name: string) => {
  const bytes = new Uint8Array(readFileSync(new URL(`../fixtures/corpus/${name}`, import.meta.url)));
  return { prefix: bytes, size: bytes.length };
};
let server: MediaServer;
let recorder: MediaServer;
let t: TestApp;

/** The report, and its problems as `severity:code` (without `slow`: this app's slow threshold is 200 ms, which a busy machine may pass). */
async function preflight(mediaUrl: string, { keepSlow = false } = {}) {
  const res = await postJson(t, '/v1/media/preflight', { media_url: mediaUrl });
  expect(res.status).toBe(200);
  const report = PreflightResponseSchema.parse(res.body);
  const codes = report.problems.map((p) => `${p.severity}:${p.code}`).filter((c) => keepSlow || c !== 'warning:slow');
  return { report, codes };
}

beforeAll(async () => {
  const indexLast = await deliverableMp4WithLocation();
  recorder = await startMediaServer();
  const loops = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`/loop${i}`, { redirect: `/loop${i + 1}` }]));
  server = await startMediaServer({
    '/photo.jpg': { file: file('jpg', 50 * KB), headers: jpeg },
    '/private.jpg': { status: 401, headers: { 'www-authenticate': 'Basic' } },
    '/forbidden.jpg': { status: 403 },
    '/page': { file: file('html'), headers: { 'content-type': 'text/html; charset=utf-8' } },
    '/s3.jpg': { file: file('jpg', 50 * KB), headers: { 'content-type': 'binary/octet-stream' } },
    '/clip.mov': { file: file('mov', 2 * MB), headers: { 'content-type': 'video/quicktime' } },
    '/photo.heic': { file: file('heic', 300 * KB), headers: { 'content-type': 'image/heic' } },
    '/heic-named.jpg': { file: file('heic', 300 * KB), headers: jpeg },
    '/big.mp4': { file: file('mp4', 12 * MB), headers: { 'content-type': 'video/mp4' } },
    '/huge.jpg': { file: file('jpg', 50 * MB), headers: jpeg, ranges: false },
    '/big-chunked.mp4': { file: file('mp4', 40 * MB), headers: { 'content-type': 'video/mp4' }, ranges: false, contentLength: false },
    '/chunked.jpg': { file: file('jpg', 100 * KB), headers: jpeg, ranges: false, contentLength: false },
    '/budget.jpg': { file: file('jpg', 900 * KB), headers: jpeg },
    '/index-last.mp4': { file: { prefix: indexLast, size: indexLast.length }, headers: { 'content-type': 'video/mp4' } },
    '/wav': { file: { prefix: Uint8Array.from([...'RIFF\x24\x08\x00\x00WAVEfmt '].map((c) => c.charCodeAt(0))), size: 40 * KB }, headers: { 'content-type': 'audio/x-wav' } },
    '/empty.jpg': { file: { prefix: new Uint8Array(0), size: 0 }, headers: jpeg },
    '/animated.png': { file: corpus('png/animated.apng'), headers: { 'content-type': 'image/png' } },
    '/animated.apng': { file: corpus('png/animated.apng'), headers: { 'content-type': 'image/apng' } },
    '/clip.mp4': { file: corpus('video/itunes-style.m4v'), headers: { 'content-type': 'video/mp4' } },
    '/clip.m4v': { file: corpus('video/itunes-style.m4v'), headers: { 'content-type': 'video/x-m4v' } },
    '/to-ftp': { redirect: 'ftp://files.example.com/photo.jpg' },
    '/to-nowhere': { redirect: 'http://[not a host/photo.jpg' },
    '/hop1': { redirect: '/hop2' },
    '/hop2': { redirect: '/photo.jpg' },
    ...loops,
    '/to-metadata': { redirect: 'http://169.254.169.254/latest/meta-data/' },
    '/to-recorder': { redirect: `http://127.1:${recorder.port}/secret` },
    '/to-internal-name': { redirect: `http://internal.test:${recorder.port}/secret` },
    '/slow.jpg': { file: file('jpg', 10 * KB), headers: jpeg, delayMs: 400 },
    '/signed.jpg': { file: file('jpg', 50 * KB), headers: jpeg },
  });
  t = await startUrlTestApp(() => ({ FETCH_ALLOW_PRIVATE_HOSTS: server.hostPort }), {
    images: new FittingImages(),
    // As DNS would answer: both names lead to loopback.
    resolve: async (host) => (host === 'internal.test' || host === 'localhost' ? [{ address: '127.0.0.1', family: 4 }] : []),
    preflight: { slowMs: 200 },
  });
});
afterAll(async () => {
  await t.close();
  await server.close();
  await recorder.close();
});

describe('POST /v1/media/preflight (happy)', () => {
  it('a good file: ok, detected from the first bytes of a Range request', async () => {
    const { report, codes } = await preflight(server.url('/photo.jpg'));
    expect(codes).toEqual([]);
    expect(report).toMatchObject({
      success: true,
      ok: true,
      fetchable: true,
      status: 206,
      content_type: 'image/jpeg',
      detected: { content_type: 'image/jpeg', kind: 'image', extension: 'jpg' },
      size: 50 * KB,
      final_url: server.url('/photo.jpg'),
      expires_at: null,
    });
    const seen = server.requests.at(-1)!;
    expect(seen.headers.range).toBe('bytes=0-65535');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();
  });

  it('redirects are followed one hop at a time: a warning, with the final URL', async () => {
    const { report, codes } = await preflight(server.url('/hop1'));
    expect(codes).toEqual(['warning:redirect']);
    expect(report.ok).toBe(true);
    expect(report.final_url).toBe(server.url('/photo.jpg'));
    expect(report.redirects).toEqual([server.url('/hop2'), server.url('/photo.jpg')]);
  });

  it('chunked (no Content-Length, Range ignored): measured by a bounded read, a warning', async () => {
    const { report, codes } = await preflight(server.url('/chunked.jpg'));
    expect(codes).toEqual(['warning:no_content_length']);
    expect(report).toMatchObject({ ok: true, status: 200, size: 100 * KB });
  });

  it('a presigned URL valid for days: expires_at reported, no problem', async () => {
    const query = sigV4Query(6 * 24 * HOUR);
    const { report, codes } = await preflight(`${server.url('/signed.jpg')}?${query}`);
    expect(codes).toEqual([]);
    // X-Amz-Date plus X-Amz-Expires (a week), read from the URL itself.
    const signedAt = /X-Amz-Date=(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/.exec(query)!.slice(1);
    const expected = Date.UTC(+signedAt[0]!, +signedAt[1]! - 1, +signedAt[2]!, +signedAt[3]!, +signedAt[4]!, +signedAt[5]!) + 604_800_000;
    expect(report.expires_at).toBe(new Date(expected).toISOString());
  });

  it('a Content-Type alias is a warning', async () => {
    const { report, codes } = await preflight(server.url('/wav'));
    expect(report.detected).toMatchObject({ extension: 'wav', kind: 'audio' });
    expect(codes).toEqual(['warning:content_type_alias']);
  });

  it('an APNG is a PNG and an M4V an MP4, as uploads take them; their own Content-Types are aliases', async () => {
    const png = await preflight(server.url('/animated.png'));
    expect([png.report.ok, png.codes, png.report.detected]).toEqual([true, [], { content_type: 'image/png', kind: 'image', extension: 'png' }]);
    const apng = await preflight(server.url('/animated.apng'));
    expect(apng.codes).toEqual(['warning:content_type_alias']);
    expect(apng.report.problems[0]).toMatchObject({
      message: 'Content-Type is image/apng; some gateways only know image/png.',
      fix: 'Serve it as image/png, or let us host it: send with rehost=auto (the default), or import it with POST /v1/media {"url": …}; the copy is served as image/png (or image/gif, when its animation is kept).',
    });
    const mp4 = await preflight(server.url('/clip.mp4'));
    // The corpus M4V has its index after its media data, as iTunes-style files often do: a warning, not an error.
    expect([mp4.report.ok, mp4.codes, mp4.report.detected]).toEqual([true, ['warning:no_faststart'], { content_type: 'video/mp4', kind: 'video', extension: 'mp4' }]);
    const m4v = await preflight(server.url('/clip.m4v'));
    expect(m4v.codes).toEqual(['warning:content_type_alias', 'warning:no_faststart']);
    expect(m4v.report.problems[0]).toMatchObject({ message: 'Content-Type is video/x-m4v; some gateways only know video/mp4.' });
  });
});

describe('POST /v1/media/preflight (error)', () => {
  const AUTH_FIX = 'Make the file public, or use a signed URL valid for at least 24 hours.';
  const anonymous = (status: number) => `The server refused an anonymous request with HTTP ${status}; carriers send no credentials or cookies.`;
  it.each([
    ['/private.jpg', 'auth_required', 401, anonymous(401), AUTH_FIX],
    ['/forbidden.jpg', 'auth_required', 403, anonymous(403), AUTH_FIX],
    ['/nothing-here.jpg', 'http_status', 404, 'The server answered HTTP 404: there is no file at this URL.', 'Check the link; the file may have been moved or deleted.'],
  ])('%s: %s, not fetchable', async (path, code, status, message, fix) => {
    const { report, codes } = await preflight(server.url(path));
    expect(codes).toEqual([`error:${code}`]);
    expect(report).toMatchObject({ ok: false, fetchable: false, status });
    expect(report.problems).toEqual([{ code, severity: 'error', message, fix, rehostable: false }]);
  });

  it('an HTML page is not media', async () => {
    const { report, codes } = await preflight(server.url('/page'));
    expect(codes).toEqual(['error:not_media']);
    expect(report).toMatchObject({ fetchable: true, detected: null, content_type: 'text/html; charset=utf-8' });
  });

  it('binary/octet-stream from S3: content_type_mismatch, fixable by hosting', async () => {
    const { report, codes } = await preflight(server.url('/s3.jpg'));
    expect(codes).toEqual(['error:content_type_mismatch']);
    expect(report.problems).toEqual([
      {
        code: 'content_type_mismatch',
        severity: 'error',
        message: 'The file is jpg (image/jpeg) but is declared as binary/octet-stream; carriers compare the two and drop the message.',
        fix: 'Set Content-Type to image/jpeg on the file (S3: --content-type when uploading, or copy the object onto itself with new metadata), or let us host it: send with rehost=auto (the default), or import it with POST /v1/media {"url": …}; the copy is served as image/jpeg.',
        rehostable: true,
      },
    ]);
  });

  it('a 2 MB MOV is not a carrier format and is over the budget, and hosting converts it', async () => {
    const { report, codes } = await preflight(server.url('/clip.mov'));
    expect(codes).toEqual(['error:not_carrier_format', 'error:over_media_budget']);
    expect(report.detected).toEqual({ content_type: 'video/quicktime', kind: 'video', extension: 'mov' });
    expect(report.problems).toEqual([
      {
        code: 'not_carrier_format',
        severity: 'error',
        message: 'The file is mov (video/quicktime), which carriers do not accept. Supported: jpg, png, gif (5 MB); mp4, 3gp (10 MB); mp3, wav, ogg (5 MB); pdf (5 MB).',
        fix: 'Convert it to mp4 (H.264, AAC) or mp3, or let us host it: send with rehost=auto (the default), or import it with POST /v1/media {"url": …}; it is converted to mp4 or mp3 within the delivery budget.',
        rehostable: true,
      },
      {
        code: 'over_media_budget',
        severity: 'error',
        message: 'The file is 2 MB; video and audio over 600 KB often "send" but never arrive (carriers deliver about 600 KB).',
        fix: 'Re-encode it under 600 KB, or let us host it: send with rehost=auto (the default), or import it with POST /v1/media {"url": …}; it is re-encoded to fit 600 KB.',
        rehostable: true,
      },
    ]);
  });

  it('HEIC is not a carrier format, but hosting converts it; HEIC named .jpg is also a mismatch', async () => {
    const heic = await preflight(server.url('/photo.heic'));
    const converted = 'Convert it to jpg, or let us host it: send with rehost=auto (the default), or import it with POST /v1/media {"url": …}; it is converted to jpg.';
    expect(heic.codes).toEqual(['error:not_carrier_format']);
    expect(heic.report.problems[0]).toMatchObject({ message: 'The file is heic (image/heic), which carriers do not accept. Supported: jpg, png, gif (5 MB); mp4, 3gp (10 MB); mp3, wav, ogg (5 MB); pdf (5 MB).', fix: converted, rehostable: true });
    const named = await preflight(server.url('/heic-named.jpg'));
    expect(named.codes).toEqual(['error:not_carrier_format']);
    expect(named.report.problems[0]).toMatchObject({
      message: 'The file is heic (image/heic, served as image/jpeg), which carriers do not accept. Supported: jpg, png, gif (5 MB); mp4, 3gp (10 MB); mp3, wav, ogg (5 MB); pdf (5 MB).',
      fix: converted,
      rehostable: true,
    });
  });

  it('a 12 MB video (size from Content-Range, not downloaded): over the budget, and hosting re-encodes it', async () => {
    const { report, codes } = await preflight(server.url('/big.mp4'));
    expect(codes).toEqual(['error:over_media_budget']);
    expect(report.size).toBe(12 * MB);
    expect(report.problems[0]).toMatchObject({
      message: 'The file is 12 MB; video and audio over 600 KB often "send" but never arrive (carriers deliver about 600 KB).',
      fix: 'Re-encode it under 600 KB, or let us host it: send with rehost=auto (the default), or import it with POST /v1/media {"url": …}; it is re-encoded to fit 600 KB.',
      rehostable: true,
    });
    expect(server.requests.at(-1)!.bytesSent).toBeLessThanOrEqual(64 * 1024);
  });

  it('an MP4 with its index after the media data: no_faststart, fixed by hosting', async () => {
    const { report, codes } = await preflight(server.url('/index-last.mp4'));
    expect(codes).toEqual(['warning:no_faststart']);
    expect(report.problems[0]).toMatchObject({
      message: 'The index (moov) comes after the media data (mdat): a phone or gateway must download the whole file before it can play any of it, and some give up.',
      rehostable: true,
    });
  });

  it('oversize with Content-Length and Range ignored: too_large, and the download is cut short', async () => {
    const { report, codes } = await preflight(server.url('/huge.jpg'));
    expect(codes).toEqual(['error:too_large']);
    expect(report).toMatchObject({ status: 200, size: 50 * MB });
    expect(report.problems[0]!.rehostable).toBe(false); // beyond what the image processor takes (25 MB)
    expect(server.requests.at(-1)!.completed).toBe(false);
  });

  it('oversize without Content-Length: read only up to the limit, too_large', async () => {
    const { report, codes } = await preflight(server.url('/big-chunked.mp4'));
    expect(codes).toEqual(['warning:no_content_length', 'error:too_large']);
    expect(report.size).toBeNull();
    expect(server.requests.at(-1)!.completed).toBe(false);
  });

  it('an image over the delivery budget: over_image_budget, fixable by hosting', async () => {
    const { codes, report } = await preflight(server.url('/budget.jpg'));
    expect(codes).toEqual(['error:over_image_budget']);
    expect(report.problems[0]).toMatchObject({
      message: 'The image is 900 KB; images over 600 KB often "send" but never arrive on some carriers.',
      fix: 'Resize it under 600 KB, or let us host it: send with rehost=auto (the default), or import it with POST /v1/media {"url": …}; it is fitted to 600 KB.',
      rehostable: true,
    });
  });

  it('an empty file', async () => {
    expect((await preflight(server.url('/empty.jpg'))).codes).toEqual(['error:empty_file']);
  });

  it('more than 5 redirects: too_many_redirects', async () => {
    const { report, codes } = await preflight(server.url('/loop0'));
    expect(codes).toEqual(['error:too_many_redirects']);
    expect(report.redirects).toEqual([1, 2, 3, 4, 5].map((i) => server.url(`/loop${i}`)));
    expect(report.problems[0]!.message).toBe('The URL redirects more than 5 times; carriers give up long before that.');
  });

  it.each([
    ['/to-ftp', 'redirects to "ftp://files.example.com/photo.jpg"; only http:// and https:// URLs can be fetched.'],
    ['/to-nowhere', 'redirects to "http://[not a host/photo.jpg", which is not a valid URL.'],
  ])('a redirect to what cannot be fetched (%s): the server\'s redirect is named as what to fix', async (path, says) => {
    const { report, codes } = await preflight(server.url(path));
    expect(codes).toEqual(['error:fetch_failed']);
    expect(report.problems[0]).toMatchObject({ message: `${new URL(server.url(path)).host} ${says}`, fix: 'Fix the redirect on the server, or send the final URL of the file.' });
  });

  it('a presigned URL expiring within 24 h: expires_soon (fixable); an expired one: expired', async () => {
    const soon = await preflight(`${server.url('/signed.jpg')}?${sigV4Query(HOUR / 2)}`);
    expect(soon.codes).toEqual(['error:expires_soon']);
    expect(soon.report.fetchable).toBe(true);
    const gone = await preflight(`${server.url('/signed.jpg')}?${sigV4Query(-HOUR)}&X-Amz-Security-Token=t`);
    expect(gone.codes).toEqual(['error:expired', 'warning:temporary_credentials']);
  });

  it('a slow server: a warning (budget not exceeded)', async () => {
    const { report, codes } = await preflight(server.url('/slow.jpg'), { keepSlow: true });
    expect(codes).toEqual(['warning:slow']);
    expect(report.ok).toBe(true);
  });

  it('not http(s), and URLs over 2000 characters', async () => {
    expect((await preflight('ftp://example.com/a.jpg')).codes).toEqual(['error:not_http']);
    expect((await preflight('not a url')).codes).toEqual(['error:not_http']);
    const long = await preflight(`${server.url('/photo.jpg')}?pad=${'x'.repeat(2000)}`);
    expect(long.codes).toEqual(['error:url_too_long']);
    expect(long.report.fetchable).toBe(true);
  });

  it('a malformed body is a 400 in the usual envelope', async () => {
    for (const [body, code, error] of [
      ['{not json', 'invalid_json', 'The request body is not valid JSON.'],
      [{}, 'missing_field', 'Missing required field: media_url'],
      [{ media_url: 42 }, 'invalid_media_url', 'media_url must be a string'],
    ] as const) {
      const res = await postJson(t, '/v1/media/preflight', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, code, error });
    }
  });
});

describe('POST /v1/media/preflight (docs)', () => {
  it('is in /openapi.json, and sends take rehost', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, any> } };
    const path = doc.paths['/v1/media/preflight'] as { post: { requestBody: unknown; responses: Record<string, { content?: unknown }> } };
    expect(path.post.requestBody).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PreflightRequest' } } } });
    expect(path.post.responses['200']!.content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/PreflightResponse' } } });
    expect(doc.components.schemas.SendRequest.properties.rehost.enum).toEqual(['auto', 'never', 'always']);
  });
});

describe('POST /v1/media/preflight (security)', () => {
  it('a redirect to an internal address is refused at that hop; nothing reaches it', async () => {
    const refused = (what: string, hop: string) =>
      `${what} address, not a public one: URLs that lead into private networks are never fetched (at redirect ${hop}).`;
    for (const [path, hop, what] of [
      ['/to-metadata', 'http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local'],
      ['/to-recorder', `http://127.0.0.1:${recorder.port}/secret`, '127.0.0.1 is a loopback'],
      ['/to-internal-name', `http://internal.test:${recorder.port}/secret`, '127.0.0.1 (internal.test resolves to it) is a loopback'],
    ] as const) {
      const { report, codes } = await preflight(server.url(path));
      expect(codes, path).toEqual(['error:blocked_address']);
      expect(report.fetchable).toBe(false);
      expect(report.redirects).toEqual([hop]);
      expect(report.problems[0]!.message).toBe(refused(what, hop));
    }
    expect(recorder.requests).toHaveLength(0);
  });

  it('internal addresses in any spelling, and names resolving to them, are refused', async () => {
    const never = 'address, not a public one: URLs that lead into private networks are never fetched.';
    for (const [host, what] of [
      ['127.1', '127.0.0.1 is a loopback'],
      ['2130706433', '127.0.0.1 is a loopback'],
      ['0x7f.0.0.1', '127.0.0.1 is a loopback'],
      ['[::ffff:127.0.0.1]', '::ffff:7f00:1 is an IPv4-mapped IPv6 form of a loopback'],
      ['internal.test', '127.0.0.1 (internal.test resolves to it) is a loopback'],
      ['localhost', '127.0.0.1 (localhost resolves to it) is a loopback'],
    ] as const) {
      const { report, codes } = await preflight(`http://${host}:${recorder.port}/x.jpg`);
      expect(codes, host).toEqual(['error:blocked_address']);
      expect(report.problems[0]!.message, host).toBe(`${what} ${never}`);
    }
    expect(recorder.requests).toHaveLength(0);
  });
});
