import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser } from '../support/browser.js';
import { startMediaServer, type MediaServer } from '../support/media-server.js';

/** The console page in Chromium against the started service (no TELI_API_KEY here: sends are dry runs). */
const KEY = 'k_console_page';
let t: TestApp;
let files: MediaServer;
let browser: Browser;

beforeAll(async () => {
  const picture = fx.png(40, 30);
  const page = fx.html();
  files = await startMediaServer({
    '/photo.png': { headers: { 'content-type': 'image/png' }, file: { prefix: picture, size: picture.length } },
    '/share/photo': { headers: { 'content-type': 'text/html; charset=utf-8' }, file: { prefix: page, size: page.length } },
  });
  t = await startTestApp((baseUrl) => ({ API_KEYS: KEY, FETCH_ALLOW_PRIVATE_HOSTS: `${new URL(baseUrl).host},${files.hostPort}` }));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await files?.close();
});

/** A fresh tab at 390×844 (a phone), recording every request URL and every script error. */
async function openConsole(): Promise<{ page: Page; urls: string[]; apiKeys: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const urls: string[] = [];
  const apiKeys: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => {
    urls.push(r.url());
    if (new URL(r.url()).pathname.startsWith('/v1/')) apiKeys.push(r.headers()['x-api-key'] ?? '(none)');
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${t.baseUrl}/`);
  await page.getByLabel('API key').fill(KEY);
  return { page, urls, apiKeys, errors };
}

describe('the page and its files', () => {
  it('is served at / with a CSP header that allows scripts from the service only', async () => {
    const res = await fetch(`${t.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const origin = t.baseUrl;
    expect(res.headers.get('content-security-policy')).toBe(
      `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: ${origin}; media-src 'self' blob: ${origin}; ` +
        `connect-src 'self' ${origin}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    );
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script at all
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
  });

  it('serves its scripts, stylesheet and the two browser libraries from the service, and nothing else under /console/', async () => {
    const types = await Promise.all(
      ['console.js', 'upload.js', 'console.css', 'tus.min.js', 'libphonenumber-min.js'].map(async (name) => {
        const res = await fetch(`${t.baseUrl}/console/${name}`);
        await res.arrayBuffer();
        return [name, res.status, res.headers.get('content-type')];
      }),
    );
    expect(types).toEqual([
      ['console.js', 200, 'text/javascript; charset=utf-8'],
      ['upload.js', 200, 'text/javascript; charset=utf-8'],
      ['console.css', 200, 'text/css; charset=utf-8'],
      ['tus.min.js', 200, 'text/javascript; charset=utf-8'],
      ['libphonenumber-min.js', 200, 'text/javascript; charset=utf-8'],
    ]);
    for (const path of ['/console/nothing.js', '/console/..%2Fpackage.json', '/console/%2e%2e%2fsrc%2fconfig.ts']) {
      const res = await fetch(`${t.baseUrl}${path}`);
      expect([path, res.status, (await res.json()).code]).toEqual([path, 404, 'not_found']);
    }
  });

  it('names its fields and buttons as people and tests rely on, and loads without a script error under its CSP', async () => {
    const { page, errors } = await openConsole();
    for (const label of ['API key', 'Campaign', 'Phone number', 'Message', 'Media URL']) {
      await expect(page.getByLabel(label, { exact: true }).count()).resolves.toBe(1);
    }
    await expect(page.getByRole('button', { name: 'Send', exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole('button', { name: 'Check', exact: true }).count()).resolves.toBe(1);
    expect(await page.locator('input[type=file][capture]').evaluateAll((inputs) => inputs.map((i) => [i.getAttribute('capture'), i.getAttribute('accept')]))).toEqual([
      ['environment', 'image/*,video/*'],
      ['user', 'audio/*'],
    ]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(390);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('keyboard', () => {
  it('reaches every control with Tab, in reading order', async () => {
    const { page } = await openConsole(); // focus is in the API key
    const order: string[] = [];
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement!.id));
    }
    expect(order).toEqual(['forget-key', 'campaign', 'phone', 'message', 'file-input', 'camera-input', 'voice-input', 'media-url', 'check', 'send']);
    await page.close();
  });
});

describe('what the page checks and sends', () => {
  it('refuses a phone number with the API’s own sentence', async () => {
    const { page } = await openConsole();
    await page.getByLabel('Phone number').fill('555-12');
    await page.getByLabel('Message').focus();
    const api = await fetch(`${t.baseUrl}/v1/mms/send`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ campaign_id: 'c1', phone_number: '555-12', media_url: files.url('/photo.png') }),
    });
    const refusal = (await api.json()) as { code: string; error: string };
    expect(refusal.code).toBe('invalid_phone_number');
    await expect(page.locator('#phone-error').textContent()).resolves.toBe(refusal.error);
    await expect(page.getByLabel('Phone number').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.close();
  });

  it('checks a Media URL and says in plain words that it is a web page, with the preflight’s own reason', async () => {
    const { page } = await openConsole();
    await page.getByLabel('Media URL').fill(files.url('/share/photo'));
    await page.getByLabel('Media URL').press('Enter'); // checks, never sends
    const report = page.locator('#url-report');
    await report.getByText('This link would not arrive as it is.').waitFor();
    const item = await report.locator('li.error').textContent();
    expect(item).toContain('This link returns a web page (HTML), not a media file.');
    expect(item).toContain('The URL returns a web page or text, not a media file (a share page, a login page or an error page?).');
    await expect(page.locator('#reply').textContent()).resolves.toBe('');
    await page.close();
  });

  it('sends a Media URL that checks clean, and says "Dry run" when the service has no send-endpoint key', async () => {
    const { page, urls, apiKeys } = await openConsole();
    await page.getByLabel('Campaign').fill('campaign_abc123');
    await page.getByLabel('Phone number').fill('+1 555 123 4567');
    await page.getByLabel('Media URL').fill(files.url('/photo.png'));
    await page.getByRole('button', { name: 'Check' }).click();
    await page.locator('#url-report').getByText('This link can be sent as it is: PNG image, 96 bytes.').waitFor();
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#reply h2', { hasText: 'Dry run' }).waitFor();
    await expect(page.locator('#reply p').textContent()).resolves.toBe(
      'Nothing was sent: the service has no send-endpoint key (TELI_API_KEY). It would have gone to +15551234567.',
    );
    // The key: sent as X-API-Key (preflight, send), in this tab's sessionStorage, never in localStorage, never
    // in a URL; it survives a reload.
    expect(apiKeys).toEqual([KEY, KEY]);
    expect(urls.filter((u) => u.includes(KEY))).toEqual([]);
    await page.reload();
    await expect(page.getByLabel('API key').inputValue()).resolves.toBe(KEY);
    expect(await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.getItem('mms-media.api-key') }))).toEqual({ local: 0, session: KEY });
    await page.close();
  });

  it('keeps a key typed while the page is still loading (a slow phone connection)', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/console/settings.json', async (route) => (await slow, route.continue()));
    await page.goto(`${t.baseUrl}/`, { waitUntil: 'commit' });
    await page.getByLabel('API key').fill(KEY);
    const settings = page.waitForResponse('**/console/settings.json');
    release();
    await settings;
    await page.getByLabel('Media URL').fill(files.url('/photo.png'));
    await page.getByRole('button', { name: 'Check' }).click();
    await page.locator('#url-report p', { hasNotText: 'Checking…' }).waitFor();
    await expect(page.locator('#url-report p').textContent()).resolves.toBe('This link can be sent as it is: PNG image, 96 bytes.');
    await expect(page.getByLabel('API key').inputValue()).resolves.toBe(KEY);
    await page.close();
  });

  it('shows the service’s sentence when the key is wrong', async () => {
    const { page } = await openConsole();
    await page.getByLabel('API key').fill('not-the-key');
    await page.getByLabel('Media URL').fill(files.url('/photo.png'));
    await page.getByRole('button', { name: 'Check' }).click();
    await expect(page.locator('#url-report p.error').textContent()).resolves.toBe('The API key in X-API-Key is not valid.');
    await page.close();
  });
});
