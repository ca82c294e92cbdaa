import { describe, expect, it } from 'vitest';
import { expectError } from '../support/http.js';
import { callWorker, workerEnv } from './support.js';

/** On Workers the API document is served as on Node; the reference page is not (its renderer's files live on Node). */
const env = workerEnv({ API_KEYS: 'k_worker' });

describe('the API document and /docs on Workers', () => {
  it('serves /openapi.json naming the worker’s origin in servers, without a key', async () => {
    const res = await callWorker(env, 'https://mms-media.test/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { servers: unknown; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.servers).toEqual([{ url: 'https://mms-media.test' }]);
    expect(doc.paths['/v1/media']!.post!.operationId).toBe('hostMedia');
  });

  it('answers /docs and its files with 404 and a sentence pointing at /openapi.json', async () => {
    for (const path of ['/docs', '/docs/swagger-ui-bundle.js']) {
      const said = await expectError(await callWorker(env, `https://mms-media.test${path}`), 404, 'docs_unavailable');
      expect(said).toBe('This deployment does not serve the API reference page; the API document is at /openapi.json, and any OpenAPI viewer opens it.');
    }
  });
});
