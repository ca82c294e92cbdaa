import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectError } from '../support/http.js';
import { redoclyLint } from '../support/redocly.js';

/** /openapi.json is generated from the schemas the routes validate with: what it says is what is checked. */
let t: TestApp;
let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> } };
interface Operation {
  operationId: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: { enum?: string[] } }>;
  requestBody?: { content: Record<string, { schema: { $ref?: string; format?: string } }> };
  responses: Record<string, unknown>;
}
beforeAll(async () => {
  t = await startTestApp();
  doc = await (await fetch(`${t.baseUrl}/openapi.json`)).json();
});
afterAll(() => t.close());

const parameters = (path: string, method: string) =>
  Object.fromEntries((doc.paths[path]![method]!.parameters ?? []).map((p) => [`${p.in}:${p.name}`, p.schema.enum ?? p.required ?? false]));
const bodies = (path: string, method: string) =>
  Object.fromEntries(Object.entries(doc.paths[path]![method]!.requestBody!.content).map(([type, { schema }]) => [type, schema.$ref ?? schema.format]));

describe('/openapi.json', () => {
  it('lists every route', () => {
    expect(Object.fromEntries(Object.entries(doc.paths).map(([path, ops]) => [path, Object.keys(ops).sort()]))).toEqual({
      '/v1/media/preflight': ['post'],
      '/v1/media': ['post'],
      '/v1/media/{id}': ['delete', 'get'],
      '/v1/mms/send': ['post'],
      '/v1/uploads/direct': ['post'],
      '/v1/uploads/direct/{id}': ['put'],
      '/v1/uploads/{id}/complete': ['post'],
      '/healthz': ['get'],
      '/readyz': ['get'],
      '/v1/uploads': ['post'],
      '/v1/uploads/{id}': ['delete', 'head', 'patch'],
      '/v1/uploads/{id}/media': ['get'],
    });
  });

  it('documents the query parameters of both routes that host files', () => {
    const image = { 'query:optimize': ['auto', 'always', 'off'], 'query:keep_metadata': ['true', 'false'], 'query:trim': ['true', 'false'] };
    expect(parameters('/v1/media', 'post')).toEqual({ ...image, 'query:filename': false });
    expect(parameters('/v1/mms/send', 'post')).toEqual(image);
    expect(parameters('/v1/uploads/{id}/complete', 'post')).toEqual({ ...image, 'path:id': true });
    expect(parameters('/v1/media/{id}', 'get')).toEqual({ 'path:id': true });
  });

  it('documents each body type a route takes, files by their form', () => {
    expect(bodies('/v1/media', 'post')).toEqual({
      'application/json': '#/components/schemas/MediaImport',
      'multipart/form-data': '#/components/schemas/UploadForm',
      'application/octet-stream': 'binary',
    });
    expect(bodies('/v1/mms/send', 'post')).toEqual({ 'application/json': '#/components/schemas/SendRequest', 'multipart/form-data': '#/components/schemas/SendWithFile' });
    expect(bodies('/v1/media/preflight', 'post')).toEqual({ 'application/json': '#/components/schemas/PreflightRequest' });
    const form = doc.components.schemas.SendWithFile!;
    expect({ fields: Object.keys(form.properties!).sort(), required: form.required }).toEqual({
      fields: ['campaign_id', 'file', 'message', 'phone_number'],
      required: ['campaign_id', 'phone_number', 'file'],
    });
  });
});

const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

describe('/openapi.json for generated clients', () => {
  it('passes Redocly’s recommended rules with no error; the warnings left are those docs/api.md explains', async () => {
    const { totals, problems } = await redoclyLint(doc);
    expect(totals.errors).toBe(0);
    expect(problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]!.pointer}`)).toEqual([
      'warn info-license #/info',
      'warn no-ambiguous-paths #/paths/~1v1~1uploads~1{id}~1complete',
      'warn no-ambiguous-paths #/paths/~1v1~1uploads~1{id}~1media',
      'warn operation-4xx-response #/paths/~1healthz/get/responses',
      'warn operation-4xx-response #/paths/~1readyz/get/responses',
    ]);
  });

  it('names the service’s origin in servers: PUBLIC_BASE_URL when set, else the origin the request reached', async () => {
    /** `servers` as a client gets it from an app started with `env`, reaching it at `at(its base URL)`. */
    const servers = async (env: Record<string, string>, at: (baseUrl: string) => string) => {
      const app = await startTestApp(env);
      try {
        const url = at(app.baseUrl);
        return { url, servers: (await (await fetch(`${url}/openapi.json`)).json()).servers };
      } finally {
        await app.close();
      }
    };
    expect((await servers({ PUBLIC_BASE_URL: 'https://mms.example.com/' }, (base) => base)).servers).toEqual([{ url: 'https://mms.example.com' }]);
    const unset = await servers({ PUBLIC_BASE_URL: '' }, (base) => base.replace('127.0.0.1', 'localhost'));
    expect(unset.servers).toEqual([{ url: unset.url }]);
    expect(unset.url).toMatch(/^http:\/\/localhost:\d+$/);
  });

  it('gives every operation a stable operationId, and says X-API-Key is sent on every /v1 operation, keys set or not', () => {
    expect(operations().map(({ path, method, op }) => `${method} ${path} ${op.operationId} ${op.security ? 'no key' : 'key'}`)).toEqual([
      'post /v1/media/preflight preflightMedia key',
      'post /v1/media hostMedia key',
      'get /v1/media/{id} getMedia key',
      'delete /v1/media/{id} deleteMedia key',
      'post /v1/mms/send sendMms key',
      'post /v1/uploads/direct createDirectUpload key',
      'put /v1/uploads/direct/{id} putDirectUpload no key',
      'post /v1/uploads/{id}/complete completeDirectUpload key',
      'get /healthz getHealth no key',
      'get /readyz getReadiness no key',
      'post /v1/uploads createUpload key',
      'head /v1/uploads/{id} getUploadOffset key',
      'patch /v1/uploads/{id} appendUpload key',
      'delete /v1/uploads/{id} cancelUpload key',
      'get /v1/uploads/{id}/media getUploadMedia key',
    ]);
    const document = doc as unknown as { security: unknown; components: { securitySchemes: unknown } };
    expect(document.security).toEqual([{ ApiKey: [] }]);
    expect(document.components.securitySchemes).toMatchObject({ ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } });
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
  });

  it('declares the statuses each operation can answer with, those of the error table (docs/errors.md) included', () => {
    expect(Object.fromEntries(operations().map(({ op }) => [op.operationId, Object.keys(op.responses).join(' ')]))).toEqual({
      preflightMedia: '200 400 401 408 413 415 429 503',
      hostMedia: '201 202 400 401 408 409 413 415 422 429 503',
      getMedia: '200 401 404 413 415 422 429 500 503 504',
      deleteMedia: '204 401 404 429 503',
      sendMms: '200 400 401 408 409 413 415 422 429 502 503 504',
      createDirectUpload: '201 400 401 413 415 429 503',
      putDirectUpload: '200 400 403 404 408 409 410 429 503',
      completeDirectUpload: '201 400 401 404 409 410 413 415 422 429 500 503 504',
      getHealth: '200',
      getReadiness: '200 503',
      createUpload: '201 400 401 409 413 429 501 503',
      getUploadOffset: '200 401 404 409 429 501 503',
      appendUpload: '204 401 404 409 429 501 503',
      cancelUpload: '204 400 401 404 409 429 501 503',
      getUploadMedia: '200 401 404 409 413 415 422 429 500 501 503 504',
    });
    const send = doc.paths['/v1/mms/send']!.post!.responses as Record<string, { headers?: Record<string, unknown>; content?: { 'application/json': { example?: { code: string } } } }>;
    const retryAfter = Object.entries(send).flatMap(([status, r]) => (r.headers ? [`${status} ${Object.keys(r.headers).join(' ')}`] : []));
    expect(retryAfter).toEqual(['409 Retry-After', '429 Retry-After', '503 Retry-After']);
    // Each error status shows one of its own codes, in the envelope.
    const examples = Object.entries(send).flatMap(([status, r]) => (status >= '400' ? [`${status} ${r.content!['application/json'].example!.code}`] : []));
    expect(examples).toEqual([
      '400 invalid_field',
      '401 missing_api_key',
      '408 body_timeout',
      '409 idempotency_in_flight',
      '413 file_too_large',
      '415 unsupported_content_type',
      '422 url_not_fetchable',
      '429 rate_limited',
      '502 upstream_unavailable',
      '503 server_busy',
      '504 upstream_timeout',
    ]);
  });
});

describe('what the document declares is what is checked', () => {
  it('a JSON route refuses a body that is not declared JSON, with 415 in the envelope', async () => {
    const plain = await t.app.request('/v1/media/preflight', { method: 'POST', body: '{"media_url":"https://example.com/a.jpg"}', headers: { 'content-type': 'text/plain' } });
    expect(await expectError(plain, 415, 'unsupported_content_type')).toContain('application/json');
    const untyped = await t.app.request('/v1/media/preflight', { method: 'POST', body: new TextEncoder().encode('{"media_url":"https://example.com/a.jpg"}') });
    await expectError(untyped, 415, 'unsupported_content_type');
  });

  it('every operation that takes JSON answers another body type 415, and declares it', async () => {
    const takingJson = operations().filter(({ op }) => op.requestBody?.content['application/json']);
    const answers = await Promise.all(
      takingJson.map(async ({ path, method, op }) => {
        const url = path.replace('{id}', 'AAAAAAAAAAAAAAAAAAAAAA');
        const res = await t.app.request(url, { method: method.toUpperCase(), body: 'size=10', headers: { 'content-type': 'text/plain' } });
        return `${op.operationId} ${res.status} declared:${'415' in op.responses}`;
      }),
    );
    // (hostMedia takes a raw file too: this one is refused as a file of no kind it takes, unsupported_media_type.)
    expect(answers).toEqual(takingJson.map(({ op }) => `${op.operationId} 415 declared:true`));
  });

  it('a JSON body of the wrong shape is refused in the send endpoint’s words', async () => {
    const res = await t.app.request('/v1/media', { method: 'POST', body: JSON.stringify({ url: 'https://example.com/a.jpg', keep_metadata: 'yes' }), headers: { 'content-type': 'application/json' } });
    expect(await expectError(res, 400, 'invalid_field')).toBe('keep_metadata must be a boolean');
    const missing = await t.app.request('/v1/media', { method: 'POST', body: JSON.stringify({ optimize: 'off' }), headers: { 'content-type': 'application/json' } });
    expect(await expectError(missing, 400, 'missing_field')).toBe('Missing required field: url');
  });
});
