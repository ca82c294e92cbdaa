import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser } from '../support/browser.js';
import { openConsolePage, readyItem } from '../support/console-page.js';

/**
 * Which file Send sends, in Chromium: the newest ready one, unless the agent picked one by hand or typed a Media
 * URL; then a file that becomes ready later does not take over.
 */
const KEY = 'k_console_choice';
let t: TestApp;
let browser: Browser;
beforeAll(async () => {
  t = await startTestApp({ API_KEYS: KEY });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Attaches a PNG whose upload is held (its PATCH not sent on) until the returned function is called. */
async function attachHeld(page: Page, name: string): Promise<() => Promise<void>> {
  let held: Route | undefined;
  await page.route('**/v1/uploads/*', async (route) => {
    if (route.request().method() === 'PATCH' && !held) return void (held = route);
    return route.continue();
  });
  await page.setInputFiles('#file-input', { name, mimeType: 'image/png', buffer: fx.png(24, 24) });
  await expect.poll(() => held !== undefined).toBe(true);
  return async () => {
    await held!.continue();
    await page.unroute('**/v1/uploads/*');
  };
}
const chosen = (page: Page) => page.locator('li.attachment').filter({ has: page.locator('input[name=chosen-media]:checked') }).getByRole('heading').allTextContents();

describe('the file Send sends', () => {
  it('is the newest ready one, until the agent picks one by hand: a file ready later does not take over', async () => {
    const { page } = await openConsolePage(browser, t.baseUrl, KEY);
    await page.setInputFiles('#file-input', { name: 'first.png', mimeType: 'image/png', buffer: fx.png(16, 16) });
    await readyItem(page, 'first.png');
    await page.setInputFiles('#file-input', { name: 'second.png', mimeType: 'image/png', buffer: fx.png(20, 20) });
    await readyItem(page, 'second.png');
    expect(await chosen(page)).toEqual([expect.stringMatching(/^second\.png/)]); // the newest
    await (await readyItem(page, 'first.png')).getByLabel('Send this file').check();
    const release = await attachHeld(page, 'third.png');
    await release();
    await readyItem(page, 'third.png');
    expect(await chosen(page)).toEqual([expect.stringMatching(/^first\.png/)]);
    await page.close();
  });

  it('is none while a Media URL is typed: a file ready later leaves the link as what is sent', async () => {
    const { page } = await openConsolePage(browser, t.baseUrl, KEY);
    const release = await attachHeld(page, 'later.png');
    await page.getByLabel('Media URL').fill('https://cdn.example.com/menu.jpg');
    await release();
    await readyItem(page, 'later.png');
    expect(await chosen(page)).toEqual([]);
    await page.close();
  });
});
