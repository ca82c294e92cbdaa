import { createHash } from 'node:crypto';
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
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const stored = () => filesIn(join(t.dir, 'media'));

describe('POST /v1/media — happy', () => {
  const cases = [
    { name: 'png', bytes: fx.png(3, 2), type: 'image/png', ext: 'png', kind: 'image' },
    { name: 'mp4', bytes: fx.mp4(50_000), type: 'video/mp4', ext: 'mp4', kind: 'video' },
    { name: '3gp', bytes: fx.isoMedia('3gp4'), type: 'video/3gpp', ext: '3gp', kind: 'video' },
    { name: 'mp3 behind an ID3 tag', bytes: fx.mp3(20, 30_000), type: 'audio/mpeg', ext: 'mp3', kind: 'audio' },
    { name: 'wav', bytes: fx.wav(), type: 'audio/wav', ext: 'wav', kind: 'audio' },
    { name: 'ogg', bytes: fx.ogg(), type: 'audio/ogg', ext: 'ogg', kind: 'audio' },
    { name: 'pdf', bytes: fx.pdf(1000), type: 'application/pdf', ext: 'pdf', kind: 'document' },
  ] as const;

  for (const c of cases) {
    it(`hosts ${c.name}, typed from its bytes, at a URL that serves the same bytes anonymously`, async () => {
      const media = await expectMedia(await upload(form({}, [{ filename: `upload.bin`, bytes: c.bytes }])));
      expect(media).toMatchObject({ content_type: c.type, extension: c.ext, kind: c.kind, size: c.bytes.length, sha256: sha256(c.bytes) });
      expect(media.original).toMatchObject({ filename: 'upload.bin', content_type: 'application/octet-stream', size: c.bytes.length });
      expect(media.url).toBe(`${t.baseUrl}/media/${media.id}.${c.ext}`);
      expect(media.expires_at).toBeNull();

      const served = await fetch(media.url); // over the real socket, no key
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe(c.type);
      expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(c.bytes))).toBe(true);
    });
  }

  it('takes a raw body, ignoring the declared type and the name, and keeps the name as data only', async () => {
    const bytes = fx.png();
    const media = await expectMedia(
      await upload(bytes, { headers: { 'content-type': 'application/pdf' }, query: '?filename=..%2F..%2Fetc%2Fpasswd.pdf' }),
    );
    expect(media).toMatchObject({ content_type: 'image/png', extension: 'png' });
    expect(media.original).toMatchObject({ filename: '../../etc/passwd.pdf', content_type: 'application/pdf' });
    const served = await fetch(media.url);
    expect(served.headers.get('content-disposition')).toBe('inline; filename="passwd.png"');
  });

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
