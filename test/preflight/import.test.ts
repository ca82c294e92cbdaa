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
    '/big.mp4': { file: file('mp4', 12 * MB) },
    '/big-chunked.mp4': { file: file('mp4', 40 * MB), contentLength: false },
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
    expect(served.headers.get('content-disposition')).toContain('Holiday-Photo.jpg');
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
    const declared = await importUrl({ url: server.url('/big.mp4') });
    expect(declared).toMatchObject({ status: 413, body: { code: 'file_too_large' } });
    const chunked = await importUrl({ url: server.url('/big-chunked.mp4') });
    expect(chunked).toMatchObject({ status: 413, body: { code: 'file_too_large' } });
    expect(server.requests.at(-1)!.completed).toBe(false);
  });

  it.each([
    ['/clip.mov', 415, 'unsupported_media_type'],
    ['/page', 415, 'unsupported_media_type'],
    ['/private.jpg', 422, 'url_not_fetchable'],
    ['/missing.jpg', 422, 'url_not_fetchable'],
  ])('%s → %i %s', async (path, status, code) => {
    expect(await importUrl({ url: server.url(path) })).toMatchObject({ status, body: { success: false, code } });
  });

  it('a malformed request is a 400', async () => {
    expect(await importUrl({ url: 'ftp://example.com/a.jpg' })).toMatchObject({ status: 400, body: { code: 'invalid_media_url' } });
    expect(await importUrl({})).toMatchObject({ status: 400, body: { code: 'missing_field' } });
    expect(await importUrl('{oops')).toMatchObject({ status: 400, body: { code: 'invalid_json' } });
  });
});

describe('POST /v1/media {"url"} (security)', () => {
  it('internal addresses and redirects to them are refused; nothing reaches them', async () => {
    for (const url of [`http://0x7f.0.0.1:${recorder.port}/x.jpg`, `http://localhost:${recorder.port}/x.jpg`, server.url('/to-internal')]) {
      expect(await importUrl({ url }), url).toMatchObject({ status: 422, body: { code: 'blocked_address' } });
    }
    expect(recorder.requests).toHaveLength(0);
  });
});
