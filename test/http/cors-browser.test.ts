import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { sha256Hex } from '../support/direct-upload.js';

/**
 * A web page on another origin uploads a file the way an app's front end would, in Chromium: POST
 * /v1/uploads/direct, PUT to the URL it got, complete. Every step is cross-origin, so the browser makes its own
 * preflights and enforces the CORS headers: a listed origin gets the media, one not listed gets nothing.
 */
let page: Server;
let pageOrigin: string;
let browser: Browser;
let t: TestApp;

/** The page's script: the whole flow with fetch, reporting each status (or the browser's refusal). */
const upload = async ({ api, key, bytes }: { api: string; key: string; bytes: number[] }) => {
  const steps: unknown[] = [];
  try {
    const file = new Blob([new Uint8Array(bytes)], { type: 'application/pdf' });
    const started = await fetch(`${api}/v1/uploads/direct`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'scan.pdf', size: file.size, content_type: file.type }),
    });
    const ticket = await started.json();
    steps.push(started.status);
    const put = await fetch(ticket.url, { method: ticket.method, body: file }); // Content-Length comes from the Blob
    steps.push(put.status);
    const done = await fetch(`${api}/v1/uploads/${ticket.upload_id}/complete`, { method: 'POST', headers: { 'x-api-key': key } });
    steps.push(done.status, (await done.json()).media, done.headers.get('x-request-id') !== null);
    const refused = await fetch(`${api}/v1/uploads/direct`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    steps.push(refused.status, (await refused.json()).code);
  } catch (err) {
    steps.push(`refused by the browser: ${(err as Error).name}`);
  }
  return steps;
};

beforeAll(async () => {
  page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>'));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  // The API on "localhost": another origin than the page's, as it would be in production.
  t = await startTestApp((base) => ({ API_KEYS: 'k_browser', CORS_ORIGINS: pageOrigin, PUBLIC_BASE_URL: base.replace('127.0.0.1', 'localhost') }));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await new Promise((resolve) => page?.close(resolve));
});

describe('CORS in a browser', () => {
  it('lets a page on a listed origin upload directly, and read the replies and exposed headers, refusals included', async () => {
    const tab = await browser.newPage();
    await tab.goto(pageOrigin);
    const bytes = fx.pdf(50_000);
    const api = t.baseUrl.replace('127.0.0.1', 'localhost');
    const [created, put, completed, media, sawRequestId, refused, code] = await tab.evaluate(upload, { api, key: 'k_browser', bytes: [...bytes] });
    expect([created, put, completed, sawRequestId, refused, code]).toEqual([201, 200, 201, true, 401, 'missing_api_key']);
    expect(media).toMatchObject({ kind: 'document', size: bytes.length, sha256: sha256Hex(bytes) });
    await tab.close();
  });

  it('gives a page on an origin not listed nothing: the browser refuses the first request', async () => {
    const tab = await browser.newPage();
    await tab.goto(t.baseUrl); // the API's own 127.0.0.1 origin, not listed, calling it at localhost
    const api = t.baseUrl.replace('127.0.0.1', 'localhost');
    expect(await tab.evaluate(upload, { api, key: 'k_browser', bytes: [1, 2, 3] })).toEqual(['refused by the browser: TypeError']);
    await tab.close();
  });
});
