import { describe, expect, it } from 'vitest';
import { callWorker, workerEnv } from './support.js';

// The console is served by the Node service (it uploads through tus, which needs Node): on Workers `/` says so.
describe('the console on Workers', () => {
  it('answers / with 404 console_unavailable and a sentence saying where the console is', async () => {
    const res = await callWorker(workerEnv({ API_KEYS: 'k_worker' }), 'https://mms-media.test/');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      success: false,
      code: 'console_unavailable',
      error: 'The console is served by the Node service only; this deployment answers the API (see /openapi.json).',
    });
    const asset = await callWorker(workerEnv({ API_KEYS: 'k_worker' }), 'https://mms-media.test/console/console.js');
    expect([asset.status, ((await asset.json()) as { code: string }).code]).toEqual([404, 'not_found']);
  });
});
