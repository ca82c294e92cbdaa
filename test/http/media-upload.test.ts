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

// The happy path for every type, and the raw-body form, are in the shared HTTP suite (test/contract/http-contract.ts),
// which runs against this entry in test/http/contract.test.ts. Here: what only the Node entry on local disk shows.
describe('POST /v1/media — names and ids', () => {
  it('gives a unicode filename a short plain name with the true extension', async () => {
    const media = await expectMedia(await upload(form({}, [{ filename: 'Fotó 日本 de mi casa (1).jpg', bytes: fx.pdf() }])));
    expect(media.extension).toBe('pdf');
    const disposition = (await fetch(media.url)).headers.get('content-disposition');
    expect(disposition).toBe('inline; filename="Foto-de-mi-casa.pdf"'); // 20 characters at most
  });

  it('keeps at most 100 characters of the name and declared type the caller gave, in the reply and in GET alike', async () => {
    const name = `${'ü'.repeat(150)}.pdf`;
    const media = await expectMedia(await upload(form({}, [{ filename: name, bytes: fx.pdf(), type: `application/${'x'.repeat(200)}` }])));
    expect(media.original.filename).toBe(name.slice(0, 100));
    expect(media.original.content_type).toBe(`application/${'x'.repeat(200)}`.slice(0, 100));
    expect(await expectMedia(await t.app.request(`/v1/media/${media.id}`), 200)).toEqual(media);
  });

  it('uses ids with 128 random bits: no two alike, never derived from the name', async () => {
    const a = await expectMedia(await upload(form({}, [{ filename: 'same.png', bytes: fx.png() }])));
    const b = await expectMedia(await upload(form({}, [{ filename: 'same.png', bytes: fx.png() }])));
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{22}\.png$/);
    expect(a.url.endsWith(`/${a.id}`)).toBe(true); // the id is the file's name in its URL
  });
});

describe('POST /v1/media — refused (the rest of the refusals are in the shared HTTP suite)', () => {
  it('refuses an empty raw body as an empty file', async () => {
    expect(await expectError(await upload(new Uint8Array(0)), 422, 'empty_file')).toBe('The file is empty: there is nothing to send.');
  });

  it('refuses a declared size over the sniffed type’s limit without reading on', async () => {
    const { stream, state } = lazyBody(6_000_000, 64 * 1024, fx.pdf());
    const message = await expectError(await upload(stream, { headers: { 'content-length': '6000000' } }), 413, 'file_too_large');
    expect(message).toBe('The file is 6 MB; the limit for pdf files is 5 MB.');
    expect(state.pulled).toBeLessThan(1_000_000);
  });

  it('refuses a form declared larger than any file and its envelope before reading it', async () => {
    const { stream, state } = lazyBody(300_000_000);
    const headers = { 'content-length': '300000000', 'content-type': 'multipart/form-data; boundary=XYZ' };
    expect(await expectError(await upload(stream, { headers }), 413, 'file_too_large')).toBe('The upload is 300 MB; nothing larger than 200 MB is accepted.');
    expect(state.pulled).toBeLessThan(1_000_000);
  });

  it('refuses a form whose Content-Type names no boundary, rather than storing the whole form as the file', async () => {
    // What a client sends when it sets `Content-Type: multipart/form-data` itself: a PDF reader would open the form
    // (envelope and all), so it was stored as one.
    const envelope = (content: Buffer) =>
      Buffer.concat([Buffer.from('--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'), content, Buffer.from('\r\n--XYZ--\r\n')]);
    const before = await filesIn(t.dir);
    for (const contentType of ['multipart/form-data', 'Multipart/Form-Data; boundary=']) {
      const message = await expectError(await upload(envelope(fx.pdf()), { headers: { 'content-type': contentType } }), 400, 'malformed_multipart');
      expect(message).toBe('The Content-Type multipart/form-data names no boundary; let the HTTP client set that header itself, as it adds the boundary.');
    }
    expect(await filesIn(t.dir)).toEqual(before);
  });
});
