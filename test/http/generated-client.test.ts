import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateTypes } from 'mms-media-openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { generatedClient } from '../support/generated-client.js';

/**
 * A client generated from /openapi.json, as another team would make one: openapi-typescript's types for the served
 * document (kept in test/support/openapi-types.ts, checked here to be what the document gives today) with
 * openapi-fetch (test/support/generated-client.ts), over a real socket, against a service that requires a key.
 */
const KEY = 'k_generated';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ API_KEYS: KEY });
});
afterAll(() => t.close());

describe('a client generated with openapi-typescript', () => {
  it('is generated from the served document: the kept types are exactly what it gives today', async () => {
    const document = await (await fetch(`${t.baseUrl}/openapi.json`)).json();
    // After a change to the routes or schemas: npx vitest run test/http/generated-client.test.ts -u
    await expect(await generateTypes(document)).toMatchFileSnapshot('../support/openapi-types.ts');
  });

  it('type-checks: every call and field of the client fits the generated types (tsc, strict)', async () => {
    const tsc = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url));
    const client = fileURLToPath(new URL('../support/generated-client.ts', import.meta.url));
    const options = ['--ignoreConfig', '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2023,dom'];
    const run = await promisify(execFile)(tsc, [...options, client]).catch((err: { stdout: string }) => ({ stdout: err.stdout }));
    expect(run.stdout).toBe('');
  });

  it('hosts a file, gets it back typed, deletes it, then reads the error envelope', async () => {
    const api = generatedClient(t.baseUrl, KEY);
    const pdf = new Uint8Array(fx.pdf());
    const hosted = await api.host(new Blob([pdf], { type: 'application/pdf' }), 'brochure.pdf');
    expect(hosted.status).toBe(201);
    const { id, sha256, size } = hosted.media!;

    const got = await api.get(id);
    expect({ status: got.status, kind: got.media?.kind, sha256: got.media?.sha256, size: got.media?.size, filename: got.media?.original.filename }).toEqual({
      status: 200,
      kind: 'document',
      sha256,
      size,
      filename: 'brochure.pdf',
    });
    expect(new Uint8Array(await (await fetch(got.media!.url)).arrayBuffer())).toEqual(pdf);

    expect(await api.remove(id)).toBe(204);
    const gone = await api.get(id);
    expect({ status: gone.status, success: gone.error?.success, code: gone.error?.code }).toEqual({ status: 404, success: false, code: 'media_not_found' });
  });

  it('sends the key the document declares: a client made without one gets 401 in the envelope', async () => {
    expect(await generatedClient(t.baseUrl).preflight('https://example.com/a.jpg')).toEqual({ status: 401, ok: undefined, code: 'missing_api_key' });
  });
});
