import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectError, expectMedia, filesIn, form, lazyBody } from '../support/http.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const upload = (body: FormData | Uint8Array | ReadableStream, init: RequestInit & { query?: string } = {}) =>
  t.app.request(`/v1/media${init.query ?? ''}`, { method: 'POST', body, ...init, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
const stored = () => filesIn(join(t.dir, 'media'));

// The happy path for every type, and the raw-body form, are in the shared HTTP suite (test/contract/http-contract.ts),
// which runs against this entry in test/http/contract.test.ts. Here: what only the Node entry on local disk shows.
describe('POST /v1/media — names and ids', () => {
  it('gives a unicode filename a short plain name with the true extension', async () => {
    const media = await expectMedia(await upload(form({}, [{ filename: 'Fotó 日本 de mi casa (1).jpg', bytes: fx.pdf() }])));
    expect(media.extension).toBe('pdf');
    const disposition = (await fetch(media.url)).headers.get('content-disposition');
    expect(disposition).toBe('inline; filename="Foto-de-mi-casa.pdf"'); // 20 characters at most
  });

  it('uses ids with 128 random bits: no two alike, never derived from the name', async () => {
    const a = await expectMedia(await upload(form({}, [{ filename: 'same.png', bytes: fx.png() }])));
    const b = await expectMedia(await upload(form({}, [{ filename: 'same.png', bytes: fx.png() }])));
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('POST /v1/media — refused', () => {
  const refusals = [
    { name: 'HTML named .jpg', bytes: fx.html(), filename: 'photo.jpg', status: 415, code: 'unsupported_media_type', says: /could not be recognised/ },
    { name: 'SVG named .jpg', bytes: fx.svg(), filename: 'photo.jpg', status: 415, code: 'unsupported_media_type', says: /SVG are not accepted/ },
    { name: 'an executable named .jpg', bytes: fx.exe(), filename: 'photo.jpg', status: 415, code: 'unsupported_media_type', says: /exe/ },
    { name: 'a zip named .pdf', bytes: fx.zip(), filename: 'brochure.pdf', status: 415, code: 'unsupported_media_type', says: /zip/ },
    { name: 'a QuickTime movie', bytes: fx.isoMedia('qt  '), filename: 'clip.mp4', status: 415, code: 'unsupported_media_type', says: /mov/ },
    { name: 'an empty file', bytes: new Uint8Array(0), filename: 'empty.png', status: 422, code: 'empty_file', says: /empty/ },
  ];
  for (const r of refusals) {
    it(`refuses ${r.name} (${r.status} ${r.code}) and stores nothing`, async () => {
      const before = await stored();
      const message = await expectError(await upload(form({}, [{ filename: r.filename, bytes: r.bytes, type: 'image/jpeg' }])), r.status, r.code);
      expect(message).toMatch(r.says);
      expect(await stored()).toEqual(before);
    });
  }

  it('refuses an empty raw body as an empty file', async () => {
    await expectError(await upload(new Uint8Array(0)), 422, 'empty_file');
  });

  it('refuses a multipart body without a file part', async () => {
    await expectError(await upload(form({ note: 'no file here' })), 400, 'no_file');
  });

  it('refuses two files and keeps neither', async () => {
    const before = await stored();
    const body = form({}, [{ filename: 'a.png', bytes: fx.png() }, { filename: 'b.png', bytes: fx.png() }]);
    await expectError(await upload(body), 400, 'too_many_files');
    expect(await stored()).toEqual(before);
  });

  it('refuses a truncated multipart body', async () => {
    const body = new TextEncoder().encode('--XYZ\r\ncontent-disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4 and then nothing');
    const res = await upload(body, { headers: { 'content-type': 'multipart/form-data; boundary=XYZ' } });
    await expectError(res, 400, 'malformed_multipart');
  });

  it('refuses a declared Content-Length over every limit before reading the body', async () => {
    const { stream, state } = lazyBody(50_000_000);
    const res = await upload(stream, { headers: { 'content-length': '50000000' } });
    const message = await expectError(res, 413, 'file_too_large');
    expect(message).toMatch(/50 MB/);
    expect(state.pulled).toBeLessThan(1_000_000);
  });

  it('refuses a file over its type’s limit as soon as the limit is passed, with no Content-Length', async () => {
    const before = await stored();
    const { stream, state } = lazyBody(30_000_000, 64 * 1024, fx.pdf());
    const message = await expectError(await upload(stream), 413, 'file_too_large');
    expect(message).toMatch(/5 MB/);
    expect(state.pulled).toBeLessThan(7_000_000);
    expect(await stored()).toEqual(before);
  });

  it('refuses a declared size over the sniffed type’s limit without reading on', async () => {
    const { stream, state } = lazyBody(6_000_000, 64 * 1024, fx.pdf());
    const message = await expectError(await upload(stream, { headers: { 'content-length': '6000000' } }), 413, 'file_too_large');
    expect(message).toMatch(/6 MB.*5 MB/);
    expect(state.pulled).toBeLessThan(1_000_000);
  });

  it('takes a video up to 10 MB but not beyond, in multipart too', async () => {
    const ok = await expectMedia(await upload(form({}, [{ filename: 'v.mp4', bytes: fx.mp4(9_900_000) }])));
    expect(ok.size).toBe(9_900_000);
    const message = await expectError(await upload(form({}, [{ filename: 'v.mp4', bytes: fx.mp4(10_000_001) }])), 413, 'file_too_large');
    expect(message).toMatch(/10 MB/);
  });
});
