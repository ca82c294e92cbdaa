import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
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
  const page = Buffer.from('<!doctype html><html><body>Share page</body></html>');
  const heic = await readFile(new URL('../fixtures/iphone-portrait.heic', import.meta.url));
  pages = createServer((req, res) => {
    if (req.url === '/IMG_0042.heic') return res.writeHead(200, { 'content-type': 'image/heic', 'content-length': heic.length }).end(heic);
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': page.length }).end(page);
  });
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

describe('mms-media send URL that hosting fixes', () => {
  it('a HEIC link: the service hosts a JPEG copy and sends that; the reply says so', async () => {
    const link = `${pagesUrl}/IMG_0042.heic`;
    const run = await runCli(['send', '--campaign', 'c1', '--to', '+15551234567', link], env());
    expect(run.code, run.stderr).toBe(0);
    const [first, second, third, rest] = run.stdout.split('\n');
    const url = first!.match(new RegExp(`${t.baseUrl}/media/[A-Za-z0-9_-]{22}\\.jpg`))![0];
    expect(first).toBe(`Sent to +15551234567 (campaign c1): MMS sent successfully. Media: ${url}`);
    expect(second).toMatch(new RegExp(`^  hosted a fixed copy of the link: ${url}  \\d+(\\.\\d)? KB  turned upright, .*converted from HEIC to JPEG`));
    expect(third).toMatch(/^  fixed by hosting: The file is heic \(image\/heic\), which carriers do not accept\./);
    expect(rest).toBe('');
    expectReceived(teli, { campaign_id: 'c1', phone_number: '+15551234567', media_url: url });
  });
});

describe('mms-media send refusals', () => {
  it('the send endpoint’s own refusal: exit code 6 and its words', async () => {
    teli.mode = { kind: 'status', status: 400, body: 'Campaign c9 is paused' };
    const run = await runCli(['send', '--campaign', 'c9', '--to', '+15551234567', await hostedPdf()], env());
    expect(run).toEqual({ code: 6, stdout: '', stderr: 'mms-media: The send endpoint refused the message (HTTP 400): Campaign c9 is paused.\n' });
    expect(teli.calls).toHaveLength(1);
  });

  it('the send endpoint failing: exit code 6 and the service’s sentence', async () => {
    teli.mode = { kind: 'status', status: 503, body: '<html>Down for maintenance</html>' };
    const run = await runCli(['send', '--campaign', 'c1', '--to', '+15551234567', await hostedPdf(), '--json'], env());
    expect(run.code).toBe(6);
    expect(run.stderr).toBe('mms-media: The send endpoint failed (HTTP 503); the message may not have been sent.\n');
    expect(JSON.parse(run.stdout)).toEqual({ success: false, error: 'The send endpoint failed (HTTP 503); the message may not have been sent.', code: 'upstream_unavailable', status: 502, exit_code: 6 });
  });

  it('a phone number the service refuses: exit code 2 with its sentence, nothing sent', async () => {
    const run = await runCli(['send', '--campaign', 'c1', '--to', '12', await hostedPdf()], env());
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'mms-media: "12" is not a phone number. Use E.164, for example +15551234567 (US numbers may omit +1).\n' });
    expect(teli.calls).toEqual([]);
  });

  it('a link to a web page: exit code 3, the reason, nothing sent', async () => {
    const run = await runCli(['send', '--campaign', 'c1', '--to', '+15551234567', `${pagesUrl}/photo`], env());
    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr: 'mms-media: media_url would not be delivered: The URL returns a web page or text, not a media file (a share page, a login page or an error page?). Nothing was sent.\n',
    });
    expect(teli.calls).toEqual([]);
  });
});

describe('mms-media preflight', () => {
  it('a link to a web page: exit code 3 and the reason in plain words', async () => {
    const run = await runCli(['preflight', `${pagesUrl}/photo`], env());
    expect(run).toEqual({
      code: 3,
      stderr: '',
      stdout: [
        `Not deliverable as it is: ${pagesUrl}/photo`,
        '  Problem: The URL returns a web page or text, not a media file (a share page, a login page or an error page?).',
        '    Fix: Link to the file itself: open it, then copy the address of the image or video, not of the page.',
        '',
      ].join('\n'),
    });
  });

  it('a good link: exit code 0; --json gives the report', async () => {
    const url = await hostedPdf();
    const run = await runCli(['preflight', url, '--json'], env());
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ success: true, ok: true, fetchable: true, media_url: url, status: 206, detected: { content_type: 'application/pdf', kind: 'document', extension: 'pdf' }, problems: [] });
    const words = await runCli(['preflight', url], env());
    expect(words.stdout).toMatch(new RegExp(`^OK: carriers can fetch and deliver ${url}\\.\\n  It is PDF \\(application/pdf\\), \\d+ bytes, served as application/pdf\\.\\n$`));
  });
});

describe('mms-media usage and reaching the service', () => {
  it('an unknown option, a missing flag, or no command: exit code 2 with one sentence', async () => {
    expect(await runCli(['preflight', 'https://example.com/a.jpg', '--bogus'], env())).toEqual({ code: 2, stdout: '', stderr: "mms-media: mms-media preflight: Unknown option '--bogus'.\n" });
    expect(await runCli(['send', '--campaign', 'c1', 'https://example.com/a.jpg'], env())).toEqual({ code: 2, stdout: '', stderr: 'mms-media: mms-media send needs --to NUMBER.\n' });
    expect(await runCli(['fly'], env())).toEqual({ code: 2, stdout: '', stderr: 'mms-media: "fly" is not a command; the commands are upload, send and preflight.\n' });
    // A bad setting is named where it came from: an empty --url (a script's unset variable) is not MMS_MEDIA_URL…
    expect(await runCli(['preflight', 'https://example.com/a.jpg', '--url', ''], env())).toEqual({ code: 2, stdout: '', stderr: 'mms-media: The service address must be an http:// or https:// URL (got "" from --url).\n' });
    // …and MMS_MEDIA_PROGRESS is not --progress.
    expect(await runCli(['preflight', 'https://example.com/a.jpg'], { ...env(), MMS_MEDIA_PROGRESS: 'verbose' })).toEqual({ code: 2, stdout: '', stderr: 'mms-media: MMS_MEDIA_PROGRESS must be auto, bar, plain or off (got "verbose").\n' });
    expect(teli.calls).toEqual([]);
  });

  it('send to an address where something else answers with a page: not "the send endpoint refused" but which setting to check', async () => {
    const { origin, close } = await htmlServer();
    try {
      const pdf = await hostedPdf();
      const sentence = (status: number) => `${origin}/v1/mms/send answered HTTP ${status} with something other than mms-media's JSON; check MMS_MEDIA_URL or --url.`;
      const other = await runCli(['send', '--campaign', 'c1', '--to', '+15551234567', pdf], { ...env(), MMS_MEDIA_URL: origin });
      expect(other).toEqual({ code: 1, stdout: '', stderr: `mms-media: ${sentence(404)}\n` });
      // A gateway failing in front of the service may have passed the send on: the sentence says so.
      const gateway = await runCli(['send', '--campaign', 'c1', '--to', '+15551234567', pdf], { ...env(), MMS_MEDIA_URL: `${origin}/gateway` });
      expect(gateway).toEqual({ code: 5, stdout: '', stderr: `mms-media: ${sentence(502).replace(origin, `${origin}/gateway`)} The message may or may not have been sent.\n` });
      expect(teli.calls).toEqual([]);
    } finally {
      await close();
    }
  });

  it('a path in MMS_MEDIA_URL the service is not served under: exit code 1 and which setting to check, not "media refused"', async () => {
    const pdf = await hostedPdf();
    const run = await runCli(['preflight', pdf, '--json'], { ...env(), MMS_MEDIA_URL: `${t.baseUrl}/api` });
    const sentence = 'There is no POST /api/v1/media/preflight: check MMS_MEDIA_URL or --url.';
    expect(run.stderr).toBe(`mms-media: ${sentence}\n`);
    expect([run.code, JSON.parse(run.stdout)]).toEqual([1, { success: false, error: sentence, code: 'not_found', status: 404, exit_code: 1 }]);
  });

  it('no service at the address (--url overrides MMS_MEDIA_URL): exit code 5', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const sentence = `The service at ${origin} cannot be reached (ECONNREFUSED); check that it is running, or set MMS_MEDIA_URL or --url.`;
    const run = await runCli(['preflight', 'https://example.com/a.jpg', '--url', origin], env());
    expect(run).toEqual({ code: 5, stdout: '', stderr: `mms-media: ${sentence}\n` });
    // An upload too: its creation request is not retried when nothing answers.
    const file = fileURLToPath(new URL('../fixtures/iphone-portrait.heic', import.meta.url));
    expect(await runCli(['upload', file], { ...env(), MMS_MEDIA_URL: origin })).toEqual({ code: 5, stdout: '', stderr: `mms-media: ${file}: ${sentence}\n` });
  });
});

/** A web server that is not mms-media: a 404 page, or a gateway's 502 page under /gateway. */
async function htmlServer() {
  const server = createServer((req, res) => {
    req.resume();
    const [status, page] = req.url?.startsWith('/gateway/') ? [502, '<html><h1>502 Bad Gateway</h1></html>'] : [404, '<!doctype html><title>404 Not Found</title>'];
    res.writeHead(status, { 'content-type': 'text/html' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}
