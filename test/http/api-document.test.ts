import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectError } from '../support/http.js';

/** /openapi.json is generated from the schemas the routes validate with: what it says is what is checked. */
let t: TestApp;
let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> } };
interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: { enum?: string[] } }>;
  requestBody?: { content: Record<string, { schema: { $ref?: string; format?: string } }> };
  responses: Record<string, unknown>;
}
beforeAll(async () => {
  t = await startTestApp();
  doc = await (await t.app.request('/openapi.json')).json();
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
      required: ['campaign_id', 'phone_number'],
    });
  });
});

describe('what the document declares is what is checked', () => {
  it('a JSON route refuses a body that is not declared JSON, with 415 in the envelope', async () => {
    const plain = await t.app.request('/v1/media/preflight', { method: 'POST', body: '{"media_url":"https://example.com/a.jpg"}', headers: { 'content-type': 'text/plain' } });
    expect(await expectError(plain, 415, 'unsupported_content_type')).toContain('application/json');
    const untyped = await t.app.request('/v1/media/preflight', { method: 'POST', body: new TextEncoder().encode('{"media_url":"https://example.com/a.jpg"}') });
    await expectError(untyped, 415, 'unsupported_content_type');
  });

  it('a JSON body of the wrong shape is refused in the send endpoint’s words', async () => {
    const res = await t.app.request('/v1/media', { method: 'POST', body: JSON.stringify({ url: 'https://example.com/a.jpg', keep_metadata: 'yes' }), headers: { 'content-type': 'application/json' } });
    expect(await expectError(res, 400, 'invalid_field')).toBe('keep_metadata must be a boolean');
    const missing = await t.app.request('/v1/media', { method: 'POST', body: JSON.stringify({ optimize: 'off' }), headers: { 'content-type': 'application/json' } });
    expect(await expectError(missing, 400, 'missing_field')).toBe('Missing required field: url');
  });
});
