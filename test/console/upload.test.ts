import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as av from '../support/av-fixtures.js';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser } from '../support/browser.js';
import { startFakeTeli, type FakeTeli } from '../support/fake-teli.js';

/**
 * The console's whole path in Chromium against the started service: attach (picker, drop, paste), upload through
 * tus with progress, see what will arrive beside the original, send to the stand-in send endpoint.
 */
const KEY = 'k_console_upload';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'console');
let t: TestApp;
let teli: FakeTeli;
let browser: Browser;
/** A HEIC decode or a video conversion waits for a turn on two cores shared with the rest of the suite. */
const CONVERSION_TIMEOUT_MS = 120_000;
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

interface Seen {
  url: string;
  method: string;
  key: string | undefined;
}

async function openConsole(width = 390, height = 844): Promise<{ page: Page; seen: Seen[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const seen: Seen[] = [];
  page.on('request', (r) => seen.push({ url: r.url(), method: r.method(), key: r.headers()['x-api-key'] }));
  await page.goto(`${t.baseUrl}/`);
  await page.getByLabel('API key').fill(KEY);
  return { page, seen };
}

/** The attachment's list item, once the service says it is ready. */
async function readyItem(page: Page, name: string) {
  const item = page.locator('li.attachment', { has: page.getByRole('heading', { name: new RegExp(`^${name.replace('.', '\\.')}`) }) });
  // Ready, or failed: a failure ends the wait at once, with what the page says.
  const failed = item.locator('p.status.error');
  await item.getByText('Ready to send.').or(failed).waitFor({ timeout: CONVERSION_TIMEOUT_MS });
  if (await failed.isVisible()) throw new Error(`${name} failed in the console: ${await failed.textContent()}`);
  return item;
}

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
    await page.locator('#reply h2', { hasText: 'Sent' }).waitFor();
    expect(teli.calls.length).toBe(calls + 2);
    await page.close();
  });
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

describe('attaching by drag and drop and by paste, and refusals', () => {
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
