import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { SignedUploadUrls } from '../../src/core/upload-signing.js';
import { sweepDirectStaging } from '../../src/node/direct-staging-sweep.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { directClient, sha256Hex } from '../support/direct-upload.js';
import { expectError, expectMedia, filesIn, inPieces } from '../support/http.js';

/** Direct uploads with the local driver: the service takes the PUT itself, at a URL it signed, over a real socket. */
const SECRET = 'a-test-secret-of-at-least-32-characters';
let t: TestApp;
let client: ReturnType<typeof directClient>;
const staged = async () => (await filesIn(`${t.dir}/media`)).filter((f) => f.startsWith('uploads/direct/') && !f.includes('.json'));
/** A body sent chunked (no Content-Length), so that its length is known only once it has all arrived. */
const chunked = (url: string, bytes: Uint8Array) => fetch(url, { method: 'PUT', body: inPieces(bytes, 1000), duplex: 'half' } as RequestInit);

beforeAll(async () => {
  t = await startTestApp({ API_KEYS: 'k_local', UPLOAD_SIGNING_SECRET: SECRET });
  client = directClient(t.baseUrl, 'k_local');
});
afterAll(() => t.close());

describe('direct uploads on local disk', () => {
  it('takes the PUT itself at a signed URL, without the API key, and complete hosts the image it received', async () => {
    const bytes = fx.png(64, 48);
    const ticket = await client.ticket('photo.png', bytes.length, 'image/png');
    const url = new URL(ticket.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${t.baseUrl}/v1/uploads/direct/${ticket.upload_id}`);
    expect([...url.searchParams.keys()]).toEqual(['size', 'expires', 'signature']);
    expect(url.searchParams.get('size')).toBe(String(bytes.length));
    expect(Number(url.searchParams.get('expires')) * 1000).toBe(Math.floor(Date.parse(ticket.expires_at) / 1000) * 1000);
    expect(ticket.headers).toEqual({ 'content-length': String(bytes.length) });

    const put = await client.put(ticket, bytes);
    expect({ status: put.status, body: await put.json() }).toEqual({ status: 200, body: { success: true, upload_id: ticket.upload_id, size: bytes.length } });
    expect(await staged()).toEqual([`uploads/direct/${ticket.upload_id}.bin`]);

    const media = await expectMedia(await client.complete(ticket.upload_id, { optimize: 'off' }));
    expect(media).toMatchObject({ id: `${ticket.upload_id}.png`, url: `${t.baseUrl}/media/${ticket.upload_id}.png`, kind: 'image', width: 64, height: 48 });
    expect(media.original).toEqual({ filename: 'photo.png', content_type: 'image/png', size: bytes.length, width: 64, height: 48 });
    const served = await fetch(media.url);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(sha256Hex(new Uint8Array(await served.arrayBuffer()))).toBe(media.sha256);
    expect(await staged()).toEqual([]);
    // Completed: the URL takes nothing more.
    await expectError(await client.put(ticket, bytes), 409, 'upload_completed');
    expect(await staged()).toEqual([]);
  });

  it('refuses an altered URL (403) and an expired one (410), and keeps nothing', async () => {
    const ticket = await client.ticket('a.pdf', 1000);
    const altered = (name: string, value: string) => {
      const url = new URL(ticket.url);
      url.searchParams.set(name, value);
      return url.href;
    };
    const body = fx.pdf(1000 - fx.pdf().length);
    for (const url of [altered('signature', 'A'.repeat(43)), altered('size', '999'), altered('expires', String(Number(new URL(ticket.url).searchParams.get('expires')) + 3600))]) {
      const res = await fetch(url, { method: 'PUT', body: new Uint8Array(Number(new URL(url).searchParams.get('size'))) });
      expect(await expectError(res, 403, 'upload_signature_invalid')).toBe('This upload URL is not one this service gave out, or it was changed: PUT to the URL exactly as POST /v1/uploads/direct returned it.');
    }
    // Signed with the same secret, but an hour ago for 15 minutes.
    const expiresAt = new Date(Date.now() - 45 * 60_000);
    const old = await new SignedUploadUrls(new TextEncoder().encode(SECRET), t.baseUrl).target({ id: ticket.upload_id, key: 'x', size: 1000, expiresAt });
    const sentence = await expectError(await fetch(old.url, { method: 'PUT', body }), 410, 'upload_url_expired');
    expect(sentence).toBe(`This upload URL expired at ${new Date(Math.floor(expiresAt.getTime() / 1000) * 1000).toISOString()}; ask for a new one with POST /v1/uploads/direct.`);
    expect(await staged()).toEqual([]);
    await expectError(await client.complete(ticket.upload_id), 409, 'upload_not_received');
  });

  it('stores exactly the signed length: a longer or shorter body is refused, whole or chunked, and nothing is staged', async () => {
    const ticket = await client.ticket('b.pdf', 5000);
    const exact = fx.pdf(5000 - fx.pdf().length);
    const longer = fx.pdf(5001 - fx.pdf().length);
    const shorter = fx.pdf(4000 - fx.pdf().length);
    expect(await expectError(await fetch(ticket.url, { method: 'PUT', body: longer }), 400, 'upload_size_mismatch')).toBe(
      'This URL takes exactly 5000 bytes, the size it was asked for; the request had more. Send the file it was made for.',
    );
    await expectError(await fetch(ticket.url, { method: 'PUT', body: shorter }), 400, 'upload_size_mismatch');
    await expectError(await chunked(ticket.url, longer), 400, 'upload_size_mismatch');
    expect(await expectError(await chunked(ticket.url, shorter), 400, 'upload_size_mismatch')).toBe(
      'This URL takes exactly 5000 bytes, the size it was asked for; the request had 4000. Send the file it was made for.',
    );
    expect((await filesIn(`${t.dir}/media`)).filter((f) => f.includes(ticket.upload_id))).toEqual([
      `uploads/direct/${ticket.upload_id}.json`,
      `uploads/direct/${ticket.upload_id}.json.meta.json`,
    ]);
    const put = await chunked(ticket.url, exact);
    expect(put.status).toBe(200);
    const media = await expectMedia(await client.complete(ticket.upload_id));
    expect(media.sha256).toBe(sha256Hex(exact));
  });

  it('a PUT refused after one that arrived whole leaves that file, and complete hosts it', async () => {
    const bytes = fx.pdf(3000);
    const ticket = await client.ticket('again.pdf', bytes.length);
    expect((await client.put(ticket, bytes)).status).toBe(200);
    // Sent again, cut short (a client retrying over a link that drops): refused, and the first file stays.
    await expectError(await chunked(ticket.url, bytes.subarray(0, 1000)), 400, 'upload_size_mismatch');
    expect((await filesIn(`${t.dir}/media`)).filter((f) => f.startsWith(`uploads/direct/${ticket.upload_id}.bin`))).toEqual([
      `uploads/direct/${ticket.upload_id}.bin`,
      `uploads/direct/${ticket.upload_id}.bin.meta.json`,
    ]);
    const media = await expectMedia(await client.complete(ticket.upload_id));
    expect(media.sha256).toBe(sha256Hex(bytes));
  });

  it('a refused file answers 415 on every complete and leaves neither staged bytes nor media', async () => {
    const bytes = fx.html();
    const ticket = await client.ticket('page.pdf', bytes.length);
    expect((await client.put(ticket, bytes)).status).toBe(200);
    const sentence = await expectError(await client.complete(ticket.upload_id), 415, 'unsupported_media_type');
    expect(await expectError(await client.complete(ticket.upload_id), 415, 'unsupported_media_type')).toBe(sentence);
    expect((await filesIn(`${t.dir}/media`)).filter((f) => f.includes(ticket.upload_id))).toEqual([
      `status/${ticket.upload_id}.json`,
      `status/${ticket.upload_id}.json.meta.json`,
      `uploads/direct/${ticket.upload_id}.json`,
      `uploads/direct/${ticket.upload_id}.json.meta.json`,
    ]);
  });

  it('when storing fails (503), keeps the staged bytes and records nothing, so the upload can be completed again', async () => {
    const bytes = fx.pdf(3000);
    const ticket = await client.ticket('retry.pdf', bytes.length);
    expect((await client.put(ticket, bytes)).status).toBe(200);
    // A directory where the media file must go: the store's write fails, as a full or broken disk would.
    const blocker = join(t.dir, 'media', `${ticket.upload_id}.pdf`);
    await mkdir(blocker);
    await writeFile(join(blocker, 'x'), 'x');
    await expectError(await client.complete(ticket.upload_id), 503, 'storage_unavailable');
    expect(await staged()).toEqual([`uploads/direct/${ticket.upload_id}.bin`]);
    expect((await filesIn(`${t.dir}/media`)).filter((f) => f.startsWith('status/') && f.includes(ticket.upload_id))).toEqual([]);
    await rm(blocker, { recursive: true });
    const media = await expectMedia(await client.complete(ticket.upload_id));
    expect(media.sha256).toBe(sha256Hex(bytes));
    expect(await staged()).toEqual([]);
  });

  it('checks the request and the options with the schemas POST /v1/media uses', async () => {
    expect(await expectError(await client.start({ filename: 'x.png' }), 400, 'missing_field')).toBe('Missing required field: size');
    await expectError(await client.start({ filename: 'x.png', size: 0 }), 400, 'invalid_field');
    const ticket = await client.ticket('c.png', 10);
    expect(await expectError(await client.complete(ticket.upload_id, { optimize: 'sometimes' }), 400, 'invalid_field')).toBe('optimize must be auto, always or off (got "sometimes").');
    expect(await expectError(await client.complete(ticket.upload_id, undefined, '?trim=maybe'), 400, 'invalid_field')).toBe('trim must be true or false (got "maybe").');
    await expectError(await client.complete('not-an-upload'), 404, 'upload_not_found');
  });

  it('refuses a body that is not JSON (400 invalid_json) or is over 64 KB (413), as every JSON route does', async () => {
    const ticket = await client.ticket('j.png', 10);
    const post = (path: string, body: string) => fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'x-api-key': 'k_local', 'content-type': 'application/json' }, body });
    for (const path of ['/v1/uploads/direct', `/v1/uploads/${ticket.upload_id}/complete`]) {
      expect(await expectError(await post(path, '{"filename": "x.png",'), 400, 'invalid_json')).toBe('The request body is not valid JSON.');
      expect(await expectError(await post(path, JSON.stringify({ filename: 'x'.repeat(70_000), size: 10 })), 413, 'body_too_large')).toBe('A JSON request body may be at most 64 KB.');
    }
  });

  it('removes what an upload never completed once older than UPLOAD_EXPIRY_HOURS, as the bucket\'s lifecycle rule does', async () => {
    const [old, fresh] = [await client.ticket('old.pdf', 1000), await client.ticket('new.pdf', 1000)];
    for (const ticket of [old, fresh]) expect((await client.put(ticket, fx.pdf(1000 - fx.pdf().length))).status).toBe(200);
    const folder = join(t.dir, 'media/uploads/direct');
    const files = (await filesIn(folder)).filter((f) => f.startsWith(old.upload_id));
    expect(files.length).toBeGreaterThan(1); // its bytes and its ticket's record, at least
    const dayAgo = new Date(Date.now() - 24 * 3_600_000 - 60_000);
    for (const f of files) await utimes(join(folder, f), dayAgo, dayAgo);

    expect(await sweepDirectStaging(folder, 24 * 3_600_000)).toBe(files.length);
    expect((await filesIn(folder)).filter((f) => f.startsWith(old.upload_id))).toEqual([]);
    expect(await staged()).toEqual([`uploads/direct/${fresh.upload_id}.bin`]);
    expect((await client.complete(fresh.upload_id)).status).toBe(201);
  });
});
