import { readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

/** /docs and every file it loads come from the service, under a CSP that allows nothing else. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const swaggerUi = (name: string) => readFile(new URL(`../../node_modules/swagger-ui-dist/${name}`, import.meta.url));

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('GET /docs', () => {
  it('is an HTML page whose scripts and styles are all files of this service, under a strict CSP', async () => {
    const res = await fetch(`${t.baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect({ type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy'), frame: res.headers.get('x-frame-options') }).toEqual({
      type: 'text/html; charset=utf-8',
      csp: CSP,
      frame: 'DENY',
    });
    const html = await res.text();
    expect([...html.matchAll(/<(script|link)\b[^>]*?(?:src|href)="([^"]+)"/g)].map(([, tag, url]) => `${tag} ${url}`)).toEqual([
      'link /docs/swagger-ui.css',
      'link data:,',
      'script /docs/swagger-ui-bundle.js',
      'script /docs/docs.js',
    ]);
    expect(html).not.toMatch(/<script>|<style|style="/); // nothing inline
  });

  it('serves each file the page loads with its type: the renderer’s exactly as its package ships them, gzipped when accepted', async () => {
    const get = (path: string, encoding: string) => fetch(`${t.baseUrl}${path}`, { headers: { 'accept-encoding': encoding } });
    for (const [name, type] of [
      ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
      ['swagger-ui.css', 'text/css; charset=utf-8'],
    ] as const) {
      const shipped = await swaggerUi(name);
      // fetch would decompress by itself: ask for no encoding, then read the gzipped bytes through node's http.
      const plain = await get(`/docs/${name}`, 'identity');
      expect({ status: plain.status, type: plain.headers.get('content-type'), encoding: plain.headers.get('content-encoding'), csp: plain.headers.get('content-security-policy') }).toEqual({
        status: 200,
        type,
        encoding: null,
        csp: CSP,
      });
      expect(Buffer.from(await plain.arrayBuffer()).equals(shipped)).toBe(true);
      const zipped = await rawGet(`/docs/${name}`, { 'accept-encoding': 'gzip' });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.body.length).toBeLessThan(shipped.length / 3);
      expect(gunzipSync(zipped.body).equals(shipped)).toBe(true);
    }
    const script = await get('/docs/docs.js', 'identity');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain("url: '/openapi.json'");
  });

  it('answers a repeat request for a renderer file with 304 (its ETag is the package version)', async () => {
    const { version } = JSON.parse((await swaggerUi('package.json')).toString()) as { version: string };
    const first = await fetch(`${t.baseUrl}/docs/swagger-ui.css`);
    await first.arrayBuffer();
    expect(first.headers.get('etag')).toBe(`"swagger-ui-dist@${version}"`);
    const again = await fetch(`${t.baseUrl}/docs/swagger-ui.css`, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect({ status: again.status, cache: again.headers.get('cache-control'), csp: again.headers.get('content-security-policy') }).toEqual({ status: 304, cache: 'no-cache', csp: CSP });
  });

  it('serves no other file under /docs', async () => {
    const res = await fetch(`${t.baseUrl}/docs/package.json`);
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe('not_found');
  });
});

/** A GET whose body is read as it arrived on the wire (fetch would decompress it). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${t.baseUrl}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}
