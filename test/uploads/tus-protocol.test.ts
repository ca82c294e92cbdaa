import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MediaStatusResponseSchema } from '../../src/http/schemas.js';
import type { TusUploads } from '../../src/adapters/tus/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { html, pdf } from '../support/fixtures.js';
import { expectError, filesIn } from '../support/http.js';
import { settledUpload } from '../support/tus.js';
import { uploadMetadata } from '../support/tus-metadata.js';

/**
 * The tus protocol at /v1/uploads as this service answers it (local driver), request by request: what tus itself
 * answers (409, 410, its status codes and texts) and the service's own refusals (the JSON envelope).
 */
const OWNER = 'k_owner';
const OTHER = 'k_other';
const PUBLIC = 'https://uploads.example.com';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ API_KEYS: `${OWNER},${OTHER}`, PUBLIC_BASE_URL: PUBLIC });
});
afterAll(() => t.close());

/** One tus request to the service's socket, with the key and Tus-Resumable a client sends. */
const tus = (path: string, init: { method: string; headers?: Record<string, string>; body?: Uint8Array; key?: string }) =>
  fetch(`${t.baseUrl}${path}`, { method: init.method, body: init.body, headers: { 'tus-resumable': '1.0.0', 'x-api-key': init.key ?? OWNER, ...init.headers } });
const create = (length: number, metadata: Record<string, string> = { filename: 'photo.png' }, key = OWNER) =>
  tus('/v1/uploads', { method: 'POST', key, headers: { 'upload-length': String(length), ...(Object.keys(metadata).length && { 'upload-metadata': uploadMetadata(metadata) }) } });
const patch = (id: string, offset: number, body: Uint8Array, key = OWNER) =>
  tus(`/v1/uploads/${id}`, { method: 'PATCH', key, body, headers: { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' } });
const idOf = (res: Response) => {
  expect(res.status).toBe(201);
  const location = res.headers.get('location')!;
  expect(location).toMatch(new RegExp(`^${PUBLIC}/v1/uploads/[A-Za-z0-9_-]{22}$`));
  return location.slice(location.lastIndexOf('/') + 1);
};
/** The staged files of one upload, or of every upload. */
const staging = async (id = '') => (await filesIn(`${t.dir}/media/uploads/tus`)).filter((f) => f.startsWith(id));

describe('creating an upload', () => {
  it('answers 201 with a Location under PUBLIC_BASE_URL (https behind a proxy) and when it expires', async () => {
    const res = await create(1000);
    const id = idOf(res);
    expect(res.headers.get('tus-resumable')).toBe('1.0.0');
    const expires = Date.parse(res.headers.get('upload-expires')!);
    expect(Math.abs(expires - (Date.now() + 24 * 3_600_000))).toBeLessThan(60_000);
    const head = await tus(`/v1/uploads/${id}`, { method: 'HEAD' });
    expect({ status: head.status, offset: head.headers.get('upload-offset'), length: head.headers.get('upload-length'), cache: head.headers.get('cache-control') }).toEqual({
      status: 200,
      offset: '0',
      length: '1000',
      cache: 'no-store',
    });
    // The metadata as sent: who owns the upload is the server's business.
    expect(head.headers.get('upload-metadata')).toBe(uploadMetadata({ filename: 'photo.png' }));
  });

  it('refuses an upload over the largest input any kind may have with 413 before anything is stored', async () => {
    const before = await staging();
    const max = t.deps.media.limits.maxBodyBytes;
    const res = await create(max + 1_000_000);
    expect(await expectError(res, 413, 'file_too_large')).toBe(`The file is ${max / 1e6 + 1} MB; nothing larger than ${max / 1e6} MB is accepted.`);
    expect(await staging()).toEqual(before);
  });

  it('needs Upload-Length: tus refuses a deferred length (an extension not offered), nothing stored', async () => {
    const before = await staging();
    const deferred = await tus('/v1/uploads', { method: 'POST', headers: { 'upload-defer-length': '1' } });
    expect({ status: deferred.status, body: await deferred.text() }).toEqual({ status: 501, body: 'creation-defer-length extension is not (yet) supported.\n' });
    const none = await tus('/v1/uploads', { method: 'POST' });
    expect({ status: none.status, body: await none.text() }).toEqual({ status: 400, body: 'Upload-Length or Upload-Defer-Length header required\n' });
    expect(await staging()).toEqual(before);
  });

  it('checks the metadata options as POST /v1/media checks them', async () => {
    const before = await staging();
    expect(await expectError(await create(10, { optimize: 'sometimes' }), 400, 'invalid_field')).toBe('optimize must be auto, always or off (got "sometimes").');
    expect(await expectError(await create(10, { keep_metadata: 'yes' }), 400, 'invalid_field')).toBe('keep_metadata must be true or false (got "yes").');
    expect(await expectError(await create(10, { trim: '1' }), 400, 'invalid_field')).toBe('trim must be true or false (got "1").');
    expect(await expectError(await create(0), 422, 'empty_file')).toBe('The file is empty: there is nothing to send.');
    expect(await staging()).toEqual(before);
  });

  it('leaves the protocol\'s own refusals to tus: no Tus-Resumable is 412', async () => {
    const res = await fetch(`${t.baseUrl}/v1/uploads`, { method: 'POST', headers: { 'x-api-key': OWNER, 'upload-length': '10' } });
    expect({ status: res.status, body: await res.text() }).toEqual({ status: 412, body: 'Tus-Resumable Required\n' });
  });

  it('tells a client what it supports (OPTIONS)', async () => {
    const res = await tus('/v1/uploads', { method: 'OPTIONS' });
    expect({ status: res.status, version: res.headers.get('tus-version'), extensions: res.headers.get('tus-extension') }).toEqual({
      status: 204,
      version: '1.0.0',
      extensions: 'creation,creation-with-upload,termination,expiration',
    });
  });

  it('asks for the API key as every /v1 route does', async () => {
    const res = await fetch(`${t.baseUrl}/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' } });
    await expectError(res, 401, 'missing_api_key');
  });
});

describe('sending the bytes', () => {
  it('takes a PATCH at the current offset only: another offset is 409 and changes nothing', async () => {
    const bytes = pdf(2000);
    const id = idOf(await create(bytes.length, { filename: 'brochure.pdf' }));
    const first = await patch(id, 0, bytes.subarray(0, 100));
    expect({ status: first.status, offset: first.headers.get('upload-offset') }).toEqual({ status: 204, offset: '100' });
    const wrong = await patch(id, 50, bytes.subarray(50, 100));
    expect({ status: wrong.status, body: await wrong.text() }).toEqual({ status: 409, body: 'Upload-Offset conflict\n' });
    const media = await fetch(`${t.baseUrl}/v1/uploads/${id}/media`, { headers: { 'x-api-key': OWNER } });
    expect(await expectError(media, 409, 'upload_incomplete')).toBe(
      `The upload is not finished: 100 of ${bytes.length} bytes received. Send the rest (a tus client resumes by itself), then ask again.`,
    );
    const last = await patch(id, 100, bytes.subarray(100));
    expect(last.status).toBe(204);
    const done = MediaStatusResponseSchema.parse(await (await settledUpload(t.baseUrl, id, { 'x-api-key': OWNER })).json());
    expect(done).toMatchObject({ status: 'ready', media: { id: `${id}.pdf`, kind: 'document', size: bytes.length, original: { filename: 'brochure.pdf' } } });
    const served = await t.app.request(`/media/${id}.pdf`);
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('belongs to the key that created it: any other key is told it does not exist', async () => {
    const id = idOf(await create(1000));
    expect((await patch(id, 0, new Uint8Array(10))).status).toBe(204);
    const notFound = `No upload "${id}" exists for this API key: it may have expired, been cancelled or already been processed. Start a new one with POST /v1/uploads.`;
    expect(await expectError(await patch(id, 10, new Uint8Array(10), OTHER), 404, 'upload_not_found')).toBe(notFound);
    expect(await expectError(await tus(`/v1/uploads/${id}`, { method: 'DELETE', key: OTHER }), 404, 'upload_not_found')).toBe(notFound);
    expect(await expectError(await fetch(`${t.baseUrl}/v1/uploads/${id}/media`, { headers: { 'x-api-key': OTHER } }), 404, 'upload_not_found')).toBe(notFound);
    expect((await tus(`/v1/uploads/${id}`, { method: 'HEAD', key: OTHER })).status).toBe(404);
    // Untouched for its owner.
    expect((await tus(`/v1/uploads/${id}`, { method: 'HEAD' })).headers.get('upload-offset')).toBe('10');
    // An id that never existed reads the same.
    await expectError(await patch('AAAAAAAAAAAAAAAAAAAAAA', 0, new Uint8Array(1)), 404, 'upload_not_found');
  });

  it('is cancelled with DELETE (termination): its bytes go, and it reads as unknown', async () => {
    const id = idOf(await create(1000));
    await patch(id, 0, new Uint8Array(300));
    expect(await staging(id)).toEqual([id, `${id}.json`]);
    expect((await tus(`/v1/uploads/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await staging(id)).toEqual([]);
    expect((await tus(`/v1/uploads/${id}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('whose record cannot be read answers 503 storage_unavailable (retried), never that it does not exist', async () => {
    const id = idOf(await create(1000));
    await patch(id, 0, new Uint8Array(100));
    const record = `${t.dir}/media/uploads/tus/${id}.json`;
    const saved = await readFile(record);
    await rm(record);
    await mkdir(record); // reading it now fails (EISDIR), as a disk error would
    try {
      await expectError(await patch(id, 100, new Uint8Array(10)), 503, 'storage_unavailable');
      expect((await tus(`/v1/uploads/${id}`, { method: 'HEAD' })).status).toBe(503);
    } finally {
      await rm(record, { recursive: true });
      await writeFile(record, saved);
    }
    expect((await tus(`/v1/uploads/${id}`, { method: 'HEAD' })).headers.get('upload-offset')).toBe('100');
  });

  it('answers GET on an upload with 405: HEAD reads it', async () => {
    const id = idOf(await create(10));
    const res = await fetch(`${t.baseUrl}/v1/uploads/${id}`, { headers: { 'x-api-key': OWNER } });
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('HEAD, PATCH, DELETE, OPTIONS');
  });
});

describe('a finished upload the pipeline refuses', () => {
  it('reads as failed with the refusal\'s status and code, and leaves nothing but its record', async () => {
    const bytes = html();
    // creation-with-upload: the whole file in the POST.
    const res = await tus('/v1/uploads', {
      method: 'POST',
      body: bytes,
      headers: { 'upload-length': String(bytes.length), 'upload-metadata': uploadMetadata({ filename: 'page.html' }), 'content-type': 'application/offset+octet-stream' },
    });
    const id = idOf(res);
    expect(res.headers.get('upload-offset')).toBe(String(bytes.length));
    const failed = await settledUpload(t.baseUrl, id, { 'x-api-key': OWNER });
    expect(await failed.clone().json()).toMatchObject({ success: false, status: 'failed', id });
    await expectError(failed, 415, 'unsupported_media_type');
    expect(await staging(id)).toEqual([]);
    expect((await filesIn(`${t.dir}/media`)).filter((f) => f.includes(id))).toEqual([`status/${id}.json`, `status/${id}.json.meta.json`]);
  });
});

describe('a finished upload', () => {
  /** A PDF sent whole in one PATCH; resolves with its id once the last PATCH is answered. */
  const finished = async () => {
    const bytes = pdf(2000);
    const id = idOf(await create(bytes.length, { filename: 'menu.pdf' }));
    expect((await patch(id, 0, bytes)).status).toBe(204);
    return { id, bytes };
  };

  it('is hosted once: a PATCH from its last offset (no bytes) is answered 204 and starts nothing', async () => {
    const hosted = vi.spyOn(t.deps.media, 'host');
    try {
      const { id, bytes } = await finished();
      expect((await patch(id, bytes.length, new Uint8Array(0))).status).toBe(204);
      const done = await settledUpload(t.baseUrl, id, { 'x-api-key': OWNER });
      expect(MediaStatusResponseSchema.parse(await done.json())).toMatchObject({ status: 'ready', media: { id: `${id}.pdf` } });
      expect(hosted).toHaveBeenCalledTimes(1);
    } finally {
      hosted.mockRestore();
    }
  });

  it('sent whole with its creation (POST) is hosted, whatever Upload-Offset the POST carries', async () => {
    const bytes = pdf(2000);
    const res = await tus('/v1/uploads', {
      method: 'POST',
      body: bytes,
      headers: { 'upload-length': String(bytes.length), 'upload-offset': String(bytes.length), 'upload-metadata': uploadMetadata({ filename: 'menu.pdf' }), 'content-type': 'application/offset+octet-stream' },
    });
    const id = idOf(res);
    const done = await settledUpload(t.baseUrl, id, { 'x-api-key': OWNER });
    expect(MediaStatusResponseSchema.parse(await done.json())).toMatchObject({ status: 'ready', media: { id: `${id}.pdf` } });
  });

  it('cannot be cancelled (DELETE: 400 from tus): it is hosted all the same', async () => {
    const { id } = await finished();
    expect((await tus(`/v1/uploads/${id}`, { method: 'DELETE' })).status).toBe(400);
    const done = await settledUpload(t.baseUrl, id, { 'x-api-key': OWNER });
    expect(MediaStatusResponseSchema.parse(await done.json())).toMatchObject({ status: 'ready', media: { id: `${id}.pdf` } });
  });

  it('whose job cannot be recorded is answered with the failure and removed, so that the client sends it again', async () => {
    const begin = vi.spyOn(t.deps.media.jobs, 'begin').mockRejectedValueOnce(new Error('the store is down'));
    try {
      const bytes = pdf(2000);
      const id = idOf(await create(bytes.length, { filename: 'menu.pdf' }));
      expect((await patch(id, 0, bytes)).status).toBe(500);
      expect(await staging(id)).toEqual([]);
      expect((await tus(`/v1/uploads/${id}`, { method: 'HEAD' })).status).toBe(404);
    } finally {
      begin.mockRestore();
    }
  });

  it('answers only its own key at GET /v1/media/{id} too: another key gets 404', async () => {
    const { id } = await finished();
    await settledUpload(t.baseUrl, id, { 'x-api-key': OWNER });
    await expectError(await fetch(`${t.baseUrl}/v1/media/${id}`, { headers: { 'x-api-key': OTHER } }), 404, 'media_not_found');
    expect(MediaStatusResponseSchema.parse(await (await fetch(`${t.baseUrl}/v1/media/${id}`, { headers: { 'x-api-key': OWNER } })).json()).status).toBe('ready');
  });
});

describe('an upload left unfinished', () => {
  it('expires after UPLOAD_EXPIRY_HOURS: 410 from tus, then removed by the sweep (404)', async () => {
    const id = idOf(await create(1000));
    await patch(id, 0, new Uint8Array(100));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 24 * 3_600_000 + 1_000);
      expect((await tus(`/v1/uploads/${id}`, { method: 'HEAD' })).status).toBe(410);
      expect((await patch(id, 100, new Uint8Array(10))).status).toBe(410);
      await expectError(await fetch(`${t.baseUrl}/v1/uploads/${id}/media`, { headers: { 'x-api-key': OWNER } }), 404, 'upload_not_found');
      await (t.deps.resumable as TusUploads).sweep();
      expect(await staging(id)).toEqual([]);
      expect((await tus(`/v1/uploads/${id}`, { method: 'HEAD' })).status).toBe(404);
    } finally {
      vi.useRealTimers();
    }
  });
});
