import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser } from '../support/browser.js';
import { openConsolePage, readyItem } from '../support/console-page.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';

/**
 * The console in Chromium when things go wrong on the way: a send the endpoint refuses, Send pressed too early,
 * Cancel and Retry, a key that is wrong, files the service refuses and files it fails to host.
 */
const KEY = 'k_console_failures';
let t: TestApp;
let teli: FakeTeli;
let browser: Browser;

beforeAll(async () => {
  teli = await startFakeTeli();
  t = await startTestApp({ API_KEYS: KEY, TELI_API_BASE_URL: teli.baseUrl, TELI_API_KEY: teli.apiKey });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await teli?.close();
});

const openConsole = () => openConsolePage(browser, t.baseUrl, KEY);

describe('a send the endpoint refuses', () => {
  it('says the send endpoint refused it, in its own words, and sends on the next try', async () => {
    const { page } = await openConsole();
    await page.setInputFiles('#file-input', { name: 'refused-send.png', mimeType: 'image/png', buffer: fx.png(16, 16) });
    await readyItem(page, 'refused-send.png');
    await page.getByLabel('Campaign').fill('campaign_abc123');
    await page.getByLabel('Phone number').fill('+15551234567');
    // The endpoint refuses its own key (the operator's TELI_API_KEY): the service passes its 401 on as it came.
    teli.mode = { kind: 'status', status: 401, body: JSON.stringify({ success: false, error: 'Invalid API key' }) };
    const calls = teli.calls.length;
    try {
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('#reply h2', { hasText: 'Not sent' }).waitFor();
    } finally {
      teli.mode = { kind: 'ok' };
    }
    await expect(page.locator('#reply p').textContent()).resolves.toBe('The send endpoint refused the message (HTTP 401): Invalid API key');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#reply h2', { hasText: /^Sent$/ }).waitFor();
    expect(teli.calls.length).toBe(calls + 2);
    await page.close();
  });
});

describe('cancel, retry and refusals', () => {
  it('cancels an upload, which ends it on the service too, and starts it again on Retry', async () => {
    const { page } = await openConsole();
    const tus: string[] = [];
    const created: string[] = [];
    let held: Route | undefined;
    page.on('response', (r) => r.request().method() === 'POST' && r.status() === 201 && created.push(r.headers()['location']!));
    await page.route('**/v1/uploads**', async (route) => {
      const req = route.request();
      if (new URL(req.url()).pathname.endsWith('/media')) return route.continue();
      tus.push(req.method());
      if (req.method() === 'PATCH' && !held) return void (held = route); // never answered: the upload hangs at 0 %
      return route.continue();
    });
    await page.setInputFiles('#file-input', { name: 'held.png', mimeType: 'image/png', buffer: fx.png(64, 48) });
    const item = page.locator('li.attachment', { hasText: 'held.png' });
    await expect.poll(() => held !== undefined).toBe(true);
    const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE');
    await item.getByRole('button', { name: 'Cancel' }).click();
    await item.getByText('Cancelled.').waitFor();
    expect((await deleted).status()).toBe(204); // answered, not only sent: the HEAD below comes after it
    expect(tus).toEqual(['POST', 'PATCH', 'DELETE']);
    await held!.abort().catch(() => undefined); // already dropped by the page
    const gone = await fetch(created[0]!, { method: 'HEAD', headers: { 'x-api-key': KEY, 'tus-resumable': '1.0.0' } });
    expect(gone.status).toBe(404);

    await item.getByRole('button', { name: 'Retry' }).click();
    await readyItem(page, 'held.png');
    expect(tus).toEqual(['POST', 'PATCH', 'DELETE', 'POST', 'PATCH']);
    expect(created).toHaveLength(2);
    await page.close();
  });

  it('says to wait when Send is pressed before the attached file is ready', async () => {
    const { page } = await openConsole();
    let held: Route | undefined;
    await page.route('**/v1/uploads/*', async (route) => (route.request().method() === 'PATCH' && !held ? void (held = route) : route.continue()));
    await page.setInputFiles('#file-input', { name: 'early.png', mimeType: 'image/png', buffer: fx.png(16, 16) });
    await expect.poll(() => held !== undefined).toBe(true);
    await page.getByLabel('Campaign').fill('campaign_abc123');
    await page.getByLabel('Phone number').fill('+15551234567');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.locator('#reply').innerText()).resolves.toBe('Not sent\n\nNothing to send yet: choose a file once it reads "Ready to send", or enter a Media URL.');
    await held!.continue();
    await readyItem(page, 'early.png');
    await page.close();
  });

  it('cancelled while the service prepares it and started again at once, it ends with the new upload only', async () => {
    const { page } = await openConsole();
    let held: Route | undefined;
    await page.route('**/v1/uploads/*/media', async (route) => {
      if (!held) return void (held = route); // the first upload's first question is still out when Cancel is pressed
      return route.continue();
    });
    await page.setInputFiles('#file-input', { name: 'twice.png', mimeType: 'image/png', buffer: fx.png(24, 24) });
    const item = page.locator('li.attachment', { hasText: 'twice.png' });
    await expect.poll(() => held !== undefined).toBe(true);
    await item.getByRole('button', { name: 'Cancel' }).click();
    await item.getByRole('button', { name: 'Retry' }).click();
    await readyItem(page, 'twice.png');
    const sent = await item.locator('figure.result img').getAttribute('src');
    // The first upload's answer arrives late: the page has moved on, and must not take it.
    await held!.continue();
    await (await held!.request().response())!.finished();
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
    await expect(item.locator('input[name=chosen-media]').count()).resolves.toBe(1);
    await expect(item.locator('figure.result img').getAttribute('src')).resolves.toBe(sent);
    await page.close();
  });

  it('offers Retry when the service failed to store a file it had accepted (5xx), and hosts it on Retry', async () => {
    const { page } = await openConsole();
    // A real storage failure for the first upload only: a folder where its media file is to be written.
    const blocked: string[] = [];
    await page.route('**/v1/uploads/*', async (route) => {
      const id = new URL(route.request().url()).pathname.split('/').pop()!;
      if (route.request().method() === 'PATCH' && blocked.length === 0) {
        blocked.push(id);
        await mkdir(join(t.dir, 'media', `${id}.png`));
      }
      return route.continue();
    });
    await page.setInputFiles('#file-input', { name: 'unstored.png', mimeType: 'image/png', buffer: fx.png(24, 24) });
    const item = page.locator('li.attachment', { hasText: 'unstored.png' });
    await item.locator('p.status.error').waitFor();
    await expect(item.locator('p.status').textContent()).resolves.toBe('Storage cannot be reached right now; nothing was stored. Try again in a few seconds.');
    await expect(item.locator('figure.result figcaption').textContent()).resolves.toBe('What will arrive'); // not "Refused": the file was fine
    await item.getByRole('button', { name: 'Retry' }).click();
    const ready = await readyItem(page, 'unstored.png');
    expect(await ready.locator('figure.result img').getAttribute('src')).not.toContain(blocked[0]);
    await page.close();
  });

  it('offers Retry when the key is wrong, and the upload goes through with the key corrected', async () => {
    const { page } = await openConsole();
    await page.getByLabel('API key').fill('not-the-key');
    await page.setInputFiles('#file-input', { name: 'keyed.png', mimeType: 'image/png', buffer: fx.png(20, 20) });
    const item = page.locator('li.attachment', { hasText: 'keyed.png' });
    await item.getByText('The API key in X-API-Key is not valid.').waitFor();
    await page.getByLabel('API key').fill(KEY);
    await item.getByRole('button', { name: 'Retry' }).click();
    await readyItem(page, 'keyed.png');
    await page.close();
  });

  it('shows the service’s refusal of a file that is not media, and offers no retry', async () => {
    const { page } = await openConsole();
    await page.setInputFiles('#file-input', { name: 'setup.exe', mimeType: 'application/octet-stream', buffer: fx.exe() });
    const item = page.locator('li.attachment', { hasText: 'setup.exe' });
    await item.locator('figure.result figcaption', { hasText: 'Refused' }).waitFor({ timeout: 30_000 });
    await expect(item.locator('p.status').textContent()).resolves.toBe(
      'This file is exe (application/x-msdownload), which the send endpoint does not accept. Supported: jpg, png, gif (5 MB); mp4, 3gp (10 MB); mp3, wav, ogg (5 MB); pdf (5 MB).',
    );
    await expect(item.getByRole('button', { name: 'Retry' }).isVisible()).resolves.toBe(false);
    await page.close();
  });

  it('refuses an empty file when its upload is created (422), and offers no retry', async () => {
    const { page } = await openConsole();
    await page.setInputFiles('#file-input', { name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) });
    const item = page.locator('li.attachment', { hasText: 'empty.jpg' });
    await item.locator('p.status.error').waitFor();
    await expect(item.locator('figure.result').innerText()).resolves.toBe('Refused\n\nThe file is empty: there is nothing to send.');
    await expect(item.getByRole('button', { name: 'Retry' }).isVisible()).resolves.toBe(false);
    await page.close();
  });
});
