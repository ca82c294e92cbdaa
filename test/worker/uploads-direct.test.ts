import { describe, expect, it } from 'vitest';
import { DirectUploadSchema } from '../../src/http/schemas.js';
import * as fx from '../support/fixtures.js';
import { expectError, expectMedia } from '../support/http.js';
import { callWorker, listBucket, workerEnv } from './support.js';

/** Direct uploads on Workers with the R2 binding: no S3 credentials there, so the worker takes the signed PUT itself. */
const ORIGIN = 'https://mms-media.test';
const KEY = 'k_worker';
const env = workerEnv({ API_KEYS: KEY, UPLOAD_SIGNING_SECRET: 'a-worker-secret-of-at-least-32-characters' });
const start = (e: typeof env, size: number) =>
  callWorker(e, `${ORIGIN}/v1/uploads/direct`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ filename: 'notes.pdf', size }) });
const complete = (id: string) => callWorker(env, `${ORIGIN}/v1/uploads/${id}/complete`, { method: 'POST', headers: { 'x-api-key': KEY } });
const sha256Hex = async (b: Uint8Array) => Buffer.from(await crypto.subtle.digest('SHA-256', b)).toString('hex');

describe('direct uploads on Workers (R2 binding)', () => {
  it('takes the PUT at the URL it signed, into R2 as it arrives; complete hosts the file and removes the staged bytes', async () => {
    const bytes = new Uint8Array(fx.pdf(200_000));
    const res = await start(env, bytes.length);
    expect(res.status).toBe(201);
    const ticket = DirectUploadSchema.parse(await res.json());
    expect(ticket.url.startsWith(`${ORIGIN}/v1/uploads/direct/${ticket.upload_id}?size=${bytes.length}&expires=`)).toBe(true);

    const put = await callWorker(env, ticket.url, { method: 'PUT', headers: ticket.headers, body: bytes });
    expect(put.status).toBe(200);
    expect(await listBucket(`uploads/direct/${ticket.upload_id}`)).toEqual([`uploads/direct/${ticket.upload_id}.bin`, `uploads/direct/${ticket.upload_id}.json`]);

    const media = await expectMedia(await complete(ticket.upload_id));
    expect(media.id).toBe(`${ticket.upload_id}.pdf`);
    expect(media.sha256).toBe(await sha256Hex(bytes));
    const served = await callWorker(env, media.url);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
    expect(await listBucket(`uploads/direct/${ticket.upload_id}`)).toEqual([`uploads/direct/${ticket.upload_id}.json`]);
    // Again: the same media, nothing stored twice.
    const keys = await listBucket();
    expect((await expectMedia(await complete(ticket.upload_id))).sha256).toBe(media.sha256);
    expect(await listBucket()).toEqual(keys);
  });

  it('refuses a body of another length and an altered URL, keeping nothing; complete before the PUT is 409', async () => {
    const ticket = DirectUploadSchema.parse(await (await start(env, 5000)).json());
    const longer = await callWorker(env, ticket.url, { method: 'PUT', headers: { 'content-length': '5001' }, body: new Uint8Array(5001) });
    await expectError(longer, 400, 'upload_size_mismatch');
    // Streamed without a length: refused once the 5001st byte arrives, and R2 keeps nothing of the put it had begun
    // (the local R2 simulator logs the upload it saw cut off as an uncaught error).
    const streamed = new ReadableStream<Uint8Array>({ pull: (c) => (c.enqueue(new Uint8Array(5001)), c.close()) });
    await expectError(await callWorker(env, ticket.url, { method: 'PUT', body: streamed, duplex: 'half' } as RequestInit), 400, 'upload_size_mismatch');
    const altered = ticket.url.replace('size=5000', 'size=5001');
    await expectError(await callWorker(env, altered, { method: 'PUT', body: new Uint8Array(5001) }), 403, 'upload_signature_invalid');
    expect(await listBucket(`uploads/direct/${ticket.upload_id}`)).toEqual([`uploads/direct/${ticket.upload_id}.json`]);
    await expectError(await complete(ticket.upload_id), 409, 'upload_not_received');
  });

  it('without UPLOAD_SIGNING_SECRET on a public hostname, says to set it (isolates share no secret otherwise)', async () => {
    const unset = workerEnv({ API_KEYS: KEY });
    expect(await expectError(await start(unset, 1000), 503, 'direct_uploads_unavailable')).toBe(
      'Direct uploads here need UPLOAD_SIGNING_SECRET, one secret every instance shares (on Workers: wrangler secret put UPLOAD_SIGNING_SECRET); until it is set, send files to POST /v1/media.',
    );
  });

  it('answers CORS preflights and sets the headers on refusals, as on Node', async () => {
    const cors = workerEnv({ API_KEYS: KEY, UPLOAD_SIGNING_SECRET: 'a-worker-secret-of-at-least-32-characters', CORS_ORIGINS: 'https://app.example.com' });
    const headers = { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' };
    const pre = await callWorker(cors, `${ORIGIN}/v1/uploads/direct/q5V0Ck3nYbq2V8D3mXy0cQ`, { method: 'OPTIONS', headers });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, PATCH, HEAD, DELETE, OPTIONS');
    const refused = await callWorker(cors, `${ORIGIN}/v1/uploads/direct`, { method: 'POST', headers: { origin: 'https://app.example.com' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(refused.headers.get('access-control-expose-headers')).toBe('Location, Upload-Offset, Upload-Length, Tus-Resumable, Upload-Expires, Retry-After, X-Request-Id');
  });
});
