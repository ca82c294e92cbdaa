import type { Browser, Page } from 'playwright-core';

/** A HEIC decode or a video conversion waits for a turn on two cores shared with the rest of the suite. */
export const CONVERSION_TIMEOUT_MS = 120_000;

/** A request the page made: where, how, and the X-API-Key it carried. */
export interface Seen {
  url: string;
  method: string;
  key: string | undefined;
}

/** A fresh tab on the console (a phone's 390×844 unless told), with the key typed in, recording every request. */
export async function openConsolePage(browser: Browser, baseUrl: string, key: string, viewport = { width: 390, height: 844 }): Promise<{ page: Page; seen: Seen[] }> {
  const page = await browser.newPage({ viewport });
  const seen: Seen[] = [];
  page.on('request', (r) => seen.push({ url: r.url(), method: r.method(), key: r.headers()['x-api-key'] }));
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('API key').fill(key);
  return { page, seen };
}

/** The attachment's list item, once the service says it is ready. */
export async function readyItem(page: Page, name: string) {
  const item = page.locator('li.attachment', { has: page.getByRole('heading', { name: new RegExp(`^${name.replace('.', '\\.')}`) }) });
  // Ready, or failed: a failure ends the wait at once, with what the page says.
  const failed = item.locator('p.status.error');
  await item.getByText('Ready to send.').or(failed).waitFor({ timeout: CONVERSION_TIMEOUT_MS });
  if (await failed.isVisible()) throw new Error(`${name} failed in the console: ${await failed.textContent()}`);
  return item;
}
