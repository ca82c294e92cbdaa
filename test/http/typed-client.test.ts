import { hc } from 'hono/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppType } from '../../src/http/app.js';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectMedia } from '../support/http.js';

/** Hono's typed client over a real socket, as a TypeScript caller would use it: inputs and replies typed from AppType. */
const KEY = 'k_client';
let t: TestApp;
let client: ReturnType<typeof hc<AppType>>;
beforeAll(async () => {
  // The hosted URLs live on this loopback server: let preflight reach it.
  t = await startTestApp((baseUrl) => ({ API_KEYS: KEY, FETCH_ALLOW_PRIVATE_HOSTS: new URL(baseUrl).host }));
  client = hc<AppType>(t.baseUrl, { headers: { 'x-api-key': KEY } });
});
afterAll(() => t.close());

const hostPdf = async () =>
  expectMedia(await fetch(`${t.baseUrl}/v1/media?filename=brochure.pdf`, { method: 'POST', body: new Uint8Array(fx.pdf()), headers: { 'x-api-key': KEY } }));

describe('hc<AppType>', () => {
  it('preflights a hosted URL and reads the typed report', async () => {
    const media = await hostPdf();
    const res = await client.v1.media.preflight.$post({ json: { media_url: media.url } });
    expect(res.status).toBe(200);
    if (res.status !== 200) return;
    const report = await res.json();
    const detected: string | undefined = report.detected?.content_type;
    const problems: string[] = report.problems.map((p) => p.code);
    expect({ ok: report.ok, fetchable: report.fetchable, detected, problems }).toEqual({ ok: true, fetchable: true, detected: 'application/pdf', problems: [] });
  });

  it('gets hosted media by id, deletes it, and then gets the envelope', async () => {
    const hosted = await hostPdf();
    const res = await client.v1.media[':id'].$get({ param: { id: hosted.id } });
    expect(res.status).toBe(200);
    if (res.status !== 200) return;
    const body = await res.json();
    // The typed reply is either the media (ready) or a job still processing: this one was hosted without waiting.
    expect(body.status).toBe('ready');
    if (body.status !== 'ready') return;
    const { media } = body;
    const fields: { sha256: string; size: number; filename: string | null } = { sha256: media.sha256, size: media.size, filename: media.original.filename };
    expect(fields).toEqual({ sha256: hosted.sha256, size: hosted.size, filename: 'brochure.pdf' });

    expect((await client.v1.media[':id'].$delete({ param: { id: hosted.id } })).status).toBe(204);
    const gone = await client.v1.media[':id'].$get({ param: { id: hosted.id } });
    expect(gone.status).toBe(404);
    if (gone.status !== 404) return;
    const error = await gone.json();
    expect({ success: error.success, code: error.code }).toEqual({ success: false, code: 'media_not_found' });
  });

  it('imports a URL as JSON with the query options typed, and a bad option is the envelope', async () => {
    const source = await hostPdf();
    const res = await client.v1.media.$post({ json: { url: source.url, filename: 'copy.pdf' }, query: { optimize: 'auto' } });
    expect(res.status).toBe(201);
    if (res.status !== 201) return;
    const { media } = await res.json();
    expect({ kind: media.kind, sha256: media.sha256, filename: media.original.filename }).toEqual({ kind: 'document', sha256: source.sha256, filename: 'copy.pdf' });

    const bad = await client.v1.media.$post({ json: { url: source.url }, query: { optimize: 'sometimes' as 'auto' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ success: false, code: 'invalid_field', error: 'optimize must be auto, always or off (got "sometimes").' });
  });
});
