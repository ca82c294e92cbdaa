import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { expectReceived, startFakeTeli, type FakeTeli } from '../support/fake-teli.js';
import * as fx from '../support/fixtures.js';

const KEY = 'cli-test-key';
let teli: FakeTeli;
let t: TestApp;
let pages: Server;
let pagesUrl: string;
beforeAll(async () => {
  teli = await startFakeTeli();
  // A web server of the kind people link to by mistake: a page, not a file.
  pages = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Share page</body></html>'));
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  t = await startTestApp((baseUrl) => ({
    API_KEYS: KEY,
    TELI_API_BASE_URL: teli.baseUrl,
    TELI_API_KEY: teli.apiKey,
    FETCH_ALLOW_PRIVATE_HOSTS: `${new URL(baseUrl).host},${new URL(pagesUrl).host}`,
  }));
});
afterAll(async () => {
  await t.close();
  await teli.close();
  await new Promise((resolve) => pages.close(resolve));
});
afterEach(() => {
  teli.calls.length = 0;
  teli.mode = { kind: 'ok' };
});

const env = () => ({ MMS_MEDIA_URL: t.baseUrl, MMS_MEDIA_API_KEY: KEY });
const hostedPdf = async () => {
  const res = await t.app.request('/v1/media?filename=brochure.pdf', { method: 'POST', body: fx.pdf(), headers: { 'x-api-key': KEY } });
  return ((await res.json()) as { media: { url: string } }).media.url;
};

describe('mms-media send URL', () => {
  it('sends the URL as it is and prints the endpoint’s reply in words', async () => {
    const url = await hostedPdf();
    const run = await runCli(['send', '--campaign', 'c1', '--to', '+1 555 123 4567', url, '--message', 'Your brochure'], env());
    expect(run).toEqual({ code: 0, stdout: `Sent to +15551234567 (campaign c1): MMS sent successfully. Media: ${url}\n`, stderr: '' });
    expectReceived(teli, { campaign_id: 'c1', phone_number: '+15551234567', media_url: url, message: 'Your brochure' });
  });
});
