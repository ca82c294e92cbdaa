import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaResponseSchema } from '../../src/http/schemas.js';
import type { TestApp } from '../support/app.js';
import { FittingImages } from '../support/fitting-images.js';
import { file, KB, MB } from '../support/url-fixtures.js';
import { startMediaServer, type MediaServer } from '../support/media-server.js';
import { postJson, startUrlTestApp } from '../support/url-app.js';

let server: MediaServer;
let recorder: MediaServer;
let t: TestApp;

beforeAll(async () => {
  recorder = await startMediaServer();
  server = await startMediaServer({
    '/Holiday%20Photo.jpg': { file: file('jpg', 50 * KB), headers: { 'content-type': 'image/jpeg' } },
    '/photo.heic': { file: file('heic', 300 * KB), headers: { 'content-type': 'image/heic' } },
    '/doc.pdf': { file: file('pdf', 200 * KB), headers: { 'content-type': 'binary/octet-stream' }, contentLength: false },
    '/hop': { redirect: '/doc.pdf' },
    '/clip.mov': { file: file('mov', 2 * MB) },
    '/big.pdf': { file: file('pdf', 12 * MB) },
    '/big-chunked.pdf': { file: file('pdf', 40 * MB), contentLength: false },
    '/page': { file: file('html'), headers: { 'content-type': 'text/html' } },
    '/private.jpg': { status: 403 },
    '/to-internal': { redirect: `http://[::ffff:127.0.0.1]:${recorder.port}/x.jpg` },
  });
  t = await startUrlTestApp(() => ({ FETCH_ALLOW_PRIVATE_HOSTS: server.hostPort }), { images: new FittingImages() });
});
afterAll(async () => {
  await t.close();
  await server.close();
  await recorder.close();
});

const importUrl = (body: unknown) => postJson(t, '/v1/media', body);

describe('POST /v1/media {"url"} (happy)', () => {
  it('imports through the upload pipeline: sniffed, named from the URL, served back byte for byte', async () => {
    const res = await importUrl({ url: server.url('/Holiday%20Photo.jpg') });
    expect(res.status).toBe(201);
    const { media } = MediaResponseSchema.parse(res.body);
    expect(media).toMatchObject({ content_type: 'image/jpeg', extension: 'jpg', kind: 'image', size: 50 * KB, original: { filename: 'Holiday Photo.jpg', content_type: 'image/jpeg' } });
    const served = await fetch(media.url);
    expect(served.headers.get('content-disposition')).toBe('inline; filename="Holiday-Photo.jpg"');
    expect((await served.arrayBuffer()).byteLength).toBe(50 * KB);
  });

  it('follows redirects, takes chunked bodies and fixes the Content-Type', async () => {
    const res = await importUrl({ url: server.url('/hop') });
    expect(res.status).toBe(201);
    expect(res.body.media).toMatchObject({ content_type: 'application/pdf', size: 200 * KB, original: { content_type: 'binary/octet-stream' } });
  });

  it('converts HEIC through the image processor', async () => {
    const res = await importUrl({ url: server.url('/photo.heic'), optimize: 'auto' });
    expect(res.status).toBe(201);
    expect(res.body.media).toMatchObject({ extension: 'jpg', transformations: ['converted heic to jpg'] });
  });
});

describe('POST /v1/media {"url"} (error)', () => {
  it('the upload limits apply: declared too large is refused before reading; chunked is cut off at the limit', async () => {
    const declared = await importUrl({ url: server.url('/big.pdf') });
    expect(declared).toEqual({ status: 413, body: { success: false, code: 'file_too_large', error: 'The file is 12 MB; the limit for pdf files is 5 MB.' } });
    const chunked = await importUrl({ url: server.url('/big-chunked.pdf') });
    expect(chunked).toEqual({ status: 413, body: { success: false, code: 'file_too_large', error: 'The file is larger than 5 MB, the limit for pdf files.' } });
    expect(server.requests.at(-1)!.completed).toBe(false);
  });

  it.each([
    // Only its first bytes are a QuickTime movie's: ffprobe cannot read it.
    ['/clip.mov', 422, { code: 'unreadable_media', error: 'The QuickTime (MOV) file could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.' }],
    ['/page', 415, { code: 'unsupported_media_type', error: 'The type of this file could not be recognised from its contents (text, HTML and SVG are not accepted). Supported: jpg, png, gif (5 MB); mp4, 3gp (10 MB); mp3, wav, ogg (5 MB); pdf (5 MB).' }],
    ['/private.jpg', 422, { code: 'url_not_fetchable', error: 'The URL answered HTTP 403 without credentials (carriers send none either); nothing was imported.', upstream_status: 403 }],
    ['/missing.jpg', 422, { code: 'url_not_fetchable', error: 'The URL answered HTTP 404; nothing was imported.', upstream_status: 404 }],
  ])('%s → %i', async (path, status, body) => {
    expect(await importUrl({ url: server.url(path) })).toEqual({ status, body: { success: false, ...body } });
  });

  it('a malformed request is a 400', async () => {
    const refused = (code: string, error: string) => ({ status: 400, body: { success: false, code, error } });
    expect(await importUrl({ url: 'ftp://example.com/a.jpg' })).toEqual(refused('invalid_media_url', 'url must be a valid http:// or https:// URL.'));
    expect(await importUrl({})).toEqual(refused('missing_field', 'Missing required field: url'));
    expect(await importUrl('{oops')).toEqual(refused('invalid_json', 'The request body is not valid JSON.'));
  });
});

describe('POST /v1/media {"url"} (security)', () => {
  it('internal addresses and redirects to them are refused; nothing reaches them', async () => {
    const blocked = (address: string, range: string, what: string) => ({
      status: 422,
      body: { success: false, code: 'blocked_address', error: `${what} address, not a public one: URLs that lead into private networks are never fetched.`, address, range },
    });
    for (const [url, expected] of [
      [`http://0x7f.0.0.1:${recorder.port}/x.jpg`, blocked('127.0.0.1', 'loopback', '127.0.0.1 is a loopback')],
      [`http://localhost:${recorder.port}/x.jpg`, blocked('127.0.0.1', 'loopback', '127.0.0.1 (localhost resolves to it) is a loopback')],
      [server.url('/to-internal'), blocked('::ffff:7f00:1', 'ipv4Mapped of loopback', '::ffff:7f00:1 is an IPv4-mapped IPv6 form of a loopback')],
    ] as const) {
      expect(await importUrl({ url }), url).toEqual(expected);
    }
    expect(recorder.requests).toHaveLength(0);
  });
});
