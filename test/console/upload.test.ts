import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as av from '../support/av-fixtures.js';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser } from '../support/browser.js';
import { CONVERSION_TIMEOUT_MS, openConsolePage, readyItem, type Seen } from '../support/console-page.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';

/**
 * The console's whole path in Chromium against the started service: attach (picker, drop, paste), upload through
 * tus with progress, see what will arrive beside the original, send to the stand-in send endpoint. What goes wrong
 * on the way (cancel, retry, refusals, a refused send) is in upload-failures.test.ts.
 */
const KEY = 'k_console_upload';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'console');
let t: TestApp;
let teli: FakeTeli;
let browser: Browser;
const heic = () => readFile(join(import.meta.dirname, '..', 'fixtures', 'iphone-portrait.heic'));

beforeAll(async () => {
  await av.warmAvFixtures();
  await mkdir(ARTIFACTS, { recursive: true });
  teli = await startFakeTeli();
  // No FETCH_ALLOW_PRIVATE_HOSTS: the service sends its own media's URL (on loopback here) without fetching it.
  t = await startTestApp({ API_KEYS: KEY, TELI_API_BASE_URL: teli.baseUrl, TELI_API_KEY: teli.apiKey });
  browser = await launchBrowser();
}, av.WARM_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await teli?.close();
});

const openConsole = (width = 390, height = 844) => openConsolePage(browser, t.baseUrl, KEY, { width, height });

/** The media object of a hosted URL the page shows, as the service has it. */
async function hostedFile(url: string) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), size: (await res.arrayBuffer()).byteLength };
}

const expectNoKeyInUrlsOrLocalStorage = async (page: Page, seen: Seen[]) => {
  expect(seen.filter((r) => r.url.includes(KEY))).toEqual([]);
  expect(seen.filter((r) => new URL(r.url).pathname.startsWith('/v1/') && r.key !== KEY)).toEqual([]);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
};

describe('an iPhone photo: attached, uploaded, shown as it will arrive, sent', () => {
  it('shows the JPEG beside the HEIC with its size under the budget and what was done, then sends its hosted URL once', async () => {
    const { page, seen } = await openConsole();
    await page.setInputFiles('#file-input', { name: 'IMG_0042.heic', mimeType: 'image/heic', buffer: await heic() });
    const progress = page.getByRole('progressbar', { name: 'Upload of IMG_0042.heic' });
    await expect(progress.getAttribute('aria-valuemax')).resolves.toBe('100');
    const item = await readyItem(page, 'IMG_0042.heic');
    await expect(progress.getAttribute('aria-valuenow')).resolves.toBe('100');

    const preview = item.locator('figure.result img');
    const src = (await preview.getAttribute('src'))!;
    expect(src).toMatch(new RegExp(`^${t.baseUrl}/media/[A-Za-z0-9_-]{22}\\.jpg$`));
    expect(await preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1080); // loaded under the page's CSP
    const hosted = await hostedFile(src);
    expect(hosted).toEqual({ status: 200, type: 'image/jpeg', size: hosted.size });
    const kb = `${Math.round(hosted.size / 100) / 10} KB`;
    await expect(item.locator('.size').textContent()).resolves.toBe(`${kb} — under the 600 KB budget`);
    await expect(item.locator('ul.changes li').allTextContents()).resolves.toEqual([
      'turned upright',
      'location removed, with the other metadata (camera, dates)',
      'colours converted to sRGB',
      'converted from HEIC to JPEG',
      expect.stringMatching(/^saved at JPEG quality \d+$/),
    ]);
    await expect(page.locator('#announcer').textContent()).resolves.toMatch(new RegExp(`^IMG_0042\\.heic is ready: ${kb}, turned upright, location removed`));
    // The original as picked: Chromium cannot show HEIC, and says so instead of a broken picture.
    await item.locator('figure.original').getByText('This browser cannot show the original').waitFor();
    await expect(item.locator('figure.original img').isVisible()).resolves.toBe(false);
    await expect(item.locator('figure.original .facts').textContent()).resolves.toBe('image/heic, 268.6 KB, 1080×1440');

    await page.getByLabel('Campaign').fill('campaign_abc123');
    await page.getByLabel('Phone number').fill('(555) 123-4567');
    await page.getByLabel('Message').fill('Here is the photo');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#reply h2', { hasText: 'Sent' }).waitFor();
    await expect(page.locator('#reply p').textContent()).resolves.toBe('MMS sent successfully to +15551234567');
    expect(teli.calls.map((c) => c.body)).toEqual([{ campaign_id: 'campaign_abc123', phone_number: '+15551234567', message: 'Here is the photo', media_url: src }]);
    expect(teli.calls[0]!.download).toMatchObject({ status: 200, contentType: 'image/jpeg' });

    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(390);
    // The phone's screen at the comparison (down to "Send this file"), then the whole page at both widths.
    await item.locator('.choose').evaluate((choice) => choice.scrollIntoView({ block: 'end' }));
    await page.screenshot({ path: join(ARTIFACTS, 'phone-390x844.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'phone-390-full.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: join(ARTIFACTS, 'desktop-1280x800.png'), fullPage: true });
    await expectNoKeyInUrlsOrLocalStorage(page, seen);
    await page.close();
  }, CONVERSION_TIMEOUT_MS);
});

describe('a phone video over a connection that drops', () => {
  it('resumes by itself from the last byte the service has, and shows a player for the converted MP4', async () => {
    const { page, seen } = await openConsole();
    // The second chunk's connection is cut once, before it reaches the service.
    const tus: string[] = [];
    let cut = false;
    await page.route('**/v1/uploads**', async (route) => {
      const req = route.request();
      if (new URL(req.url()).pathname.endsWith('/media')) return route.continue();
      const offset = req.headers()['upload-offset'];
      tus.push(`${req.method()}${offset === undefined ? '' : ` ${offset}`}`);
      if (req.method() === 'PATCH' && offset === '1048576' && !cut) {
        cut = true;
        tus[tus.length - 1] += ' (cut)';
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await page.setInputFiles('#file-input', { name: 'IMG_0001.MOV', mimeType: 'video/quicktime', buffer: await av.phoneMov() });
    const item = await readyItem(page, 'IMG_0001.MOV');
    expect(tus).toEqual(['POST', 'PATCH 0', 'PATCH 1048576 (cut)', 'HEAD', 'PATCH 1048576', 'PATCH 2097152']);
    await expect(item.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('100');

    const video = item.locator('figure.result video');
    const src = (await video.getAttribute('src'))!;
    expect(src).toMatch(new RegExp(`^${t.baseUrl}/media/[A-Za-z0-9_-]{22}\\.mp4$`));
    expect(await hostedFile(src)).toMatchObject({ status: 200, type: 'video/mp4' });
    // Chromium reads the converted file's header: it plays, upright (portrait 360×640).
    await video.evaluate((v: HTMLVideoElement) => (v.readyState >= 1 ? undefined : new Promise((resolve) => v.addEventListener('loadedmetadata', resolve, { once: true }))));
    expect(await video.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight])).toEqual([360, 640]);
    await expect(item.locator('figure.original .facts').textContent()).resolves.toBe('video/quicktime, 2.8 MB, 960×540, 2 s, HEVC + AAC');
    await expect(item.locator('ul.changes li').allTextContents()).resolves.toEqual([
      'converted from MOV to MP4',
      're-encoded from HEVC to H.264',
      'turned upright (rotated 90°)',
      'resized to 360×640',
      expect.stringMatching(/^encoded at \d+ kbit\/s to fit$/),
      'mixed down to mono',
      'location removed, with the other metadata (camera, dates)',
    ]);
    await expectNoKeyInUrlsOrLocalStorage(page, seen);
    await page.close();
  }, CONVERSION_TIMEOUT_MS);
});

describe('attaching by drag and drop and by paste', () => {
  it('takes a dropped PNG, a pasted PDF and a recorded voice note; the PDF result is a link, the voice note a player', async () => {
    const { page } = await openConsole();
    const give = (how: 'drop' | 'paste', name: string, type: string, bytes: Buffer) =>
      page.evaluate(
        ({ how, name, type, b64 }) => {
          const data = new DataTransfer();
          data.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type }));
          const event = how === 'drop' ? new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }) : new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
          (how === 'drop' ? document.getElementById('drop-zone')! : document.body).dispatchEvent(event);
        },
        { how, name, type, b64: bytes.toString('base64') },
      );
    await give('drop', 'dropped.png', 'image/png', fx.png(64, 48));
    await give('paste', 'pasted.pdf', 'application/pdf', fx.pdf());
    await page.setInputFiles('#voice-input', { name: 'voice-note.amr', mimeType: 'audio/amr', buffer: await readFile(join(import.meta.dirname, '..', 'fixtures', 'voice-note.amr')) });
    const png = await readyItem(page, 'dropped.png');
    expect(await png.locator('figure.result img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);
    const pdf = await readyItem(page, 'pasted.pdf');
    const link = pdf.getByRole('link', { name: 'Open the PDF' });
    expect(await hostedFile((await link.getAttribute('href'))!)).toMatchObject({ status: 200, type: 'application/pdf' });
    const voice = await readyItem(page, 'voice-note.amr');
    const audio = voice.locator('figure.result audio');
    expect(await hostedFile((await audio.getAttribute('src'))!)).toMatchObject({ status: 200, type: 'audio/mpeg' });
    // The player's length once it has read the file's head; a player that cannot read it says why, at once.
    const duration = (a: HTMLAudioElement) =>
      a.readyState >= 1
        ? a.duration
        : new Promise<number>((resolve, reject) => {
            a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
            a.addEventListener('error', () => reject(new Error(`the player could not read the file (MediaError ${a.error?.code})`)), { once: true });
          });
    expect(await audio.evaluate(duration)).toBeGreaterThan(1.5);
    await expect(voice.locator('ul.changes li').first().textContent()).resolves.toBe('converted from AMR to MP3');
    // The newest ready file is the one a Send would use.
    expect(await page.locator('input[name=chosen-media]:checked').count()).toBe(1);
    await page.close();
  }, CONVERSION_TIMEOUT_MS);

});
