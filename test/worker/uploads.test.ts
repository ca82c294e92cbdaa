import { describe, expect, it } from 'vitest';
import { expectError } from '../support/http.js';
import { callWorker, listBucket, workerEnv } from './support.js';

/** Workers cannot run @tus/server (it needs Node): /v1/uploads says so to tus clients and points at direct uploads. */
const ORIGIN = 'https://mms-media.test';
const KEY = 'k_worker';
const env = workerEnv({ API_KEYS: KEY });
const SENTENCE =
  'Resumable (tus) uploads are not available on this deployment (Cloudflare Workers). Upload with POST /v1/uploads/direct, which returns a URL to PUT the file to, then POST /v1/uploads/{id}/complete.';

describe('/v1/uploads on Workers', () => {
  it('answers every tus request with 501 resumable_uploads_unavailable and stores nothing', async () => {
    const before = await listBucket();
    const tus = { 'tus-resumable': '1.0.0', 'x-api-key': KEY };
    const requests: [string, RequestInit][] = [
      ['/v1/uploads', { method: 'POST', headers: { ...tus, 'upload-length': '1000' } }],
      ['/v1/uploads/AAAAAAAAAAAAAAAAAAAAAA', { method: 'PATCH', headers: { ...tus, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: new Uint8Array(10) }],
      ['/v1/uploads/AAAAAAAAAAAAAAAAAAAAAA', { method: 'DELETE', headers: tus }],
      ['/v1/uploads/AAAAAAAAAAAAAAAAAAAAAA/media', { headers: tus }],
    ];
    for (const [path, init] of requests) {
      expect(await expectError(await callWorker(env, `${ORIGIN}${path}`, init), 501, 'resumable_uploads_unavailable')).toBe(SENTENCE);
    }
    const head = await callWorker(env, `${ORIGIN}/v1/uploads/AAAAAAAAAAAAAAAAAAAAAA`, { method: 'HEAD', headers: tus });
    expect(head.status).toBe(501);
    expect(await listBucket()).toEqual(before);
  });

  it('still asks for the API key first', async () => {
    await expectError(await callWorker(env, `${ORIGIN}/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' } }), 401, 'missing_api_key');
  });
});
