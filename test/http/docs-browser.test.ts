import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser } from '../support/browser.js';
import { expectMedia } from '../support/http.js';

/** /docs in Debian's Chromium against the started service: what a person sees, and what "Try it out" sends. */
const KEY = 'k_docs';
let t: TestApp;
let browser: Browser;
beforeAll(async () => {
  // The document names a public address this browser cannot reach (a proxy's): "Try it out" must still call the
  // service that served the page.
  [t, browser] = await Promise.all([startTestApp({ API_KEYS: KEY, PUBLIC_BASE_URL: 'https://mms.example.com' }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** The page, with every request it makes and every CSP refusal the browser reports. */
async function openDocs(): Promise<{ page: Page; requested: string[]; refused: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const requested: string[] = [];
  const refused: string[] = [];
  page.on('request', (req) => requested.push(req.url()));
  page.on('console', (message) => {
    if (/Content Security Policy/.test(message.text())) refused.push(message.text());
  });
  await page.goto(`${t.baseUrl}/docs`);
  await page.locator('.opblock').first().waitFor();
  return { page, requested, refused };
}

describe('/docs in Chromium', () => {
  it('renders every operation of /openapi.json from the service’s own files, with nothing refused by its CSP', async () => {
    const { page, requested, refused } = await openDocs();
    expect(await page.locator('.opblock-summary-operation-id').allTextContents()).toEqual([
      'preflightMedia',
      'hostMedia',
      'getMedia',
      'deleteMedia',
      'sendMms',
      'createDirectUpload',
      'putDirectUpload',
      'completeDirectUpload',
      'getHealth',
      'getReadiness',
      'createUpload',
      'getUploadOffset',
      'appendUpload',
      'cancelUpload',
      'getUploadMedia',
    ]);
    expect(await page.locator('.opblock-tag').allTextContents()).toEqual(['Media', 'Sending', 'Direct uploads', 'Health', 'Resumable uploads (tus 1.0)']);
    // The largest operation opened (its body, form and responses rendered), then the schemas.
    await page.locator('#operations-Media-hostMedia .opblock-summary').click();
    await page.getByRole('button', { name: 'Try it out' }).click();
    const media = page.locator('section.models > div > article').filter({ has: page.locator('.json-schema-2020-12__title', { hasText: /^Media$/ }) });
    await media.getByRole('button', { name: 'Expand all' }).click();
    await media.getByText('sha256', { exact: true }).waitFor();
    expect(refused).toEqual([]);
    expect([...new Set(requested.map((url) => new URL(url).pathname))].sort()).toEqual(['/docs', '/docs/docs.js', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/openapi.json']);
    expect(requested.every((url) => url.startsWith(`${t.baseUrl}/`))).toBe(true);
    await page.close();
  });

  it('sends the key entered under Authorize as X-API-Key when trying an operation, and shows the reply', async () => {
    const hosted = await expectMedia(await fetch(`${t.baseUrl}/v1/media?filename=brochure.pdf`, { method: 'POST', body: new Uint8Array(fx.pdf()), headers: { 'x-api-key': KEY } }));
    const { page, requested, refused } = await openDocs();
    await page.getByRole('button', { name: 'Authorize' }).first().click();
    await page.getByLabel('Value:').fill(KEY);
    await page.getByRole('button', { name: 'Apply credentials' }).click();
    await page.locator('.modal-ux').getByRole('button', { name: 'Close' }).click();

    await page.locator('#operations-Media-getMedia .opblock-summary').click();
    await page.getByRole('button', { name: 'Try it out' }).click();
    await page.getByPlaceholder('id').fill(hosted.id);
    const [sent] = await Promise.all([page.waitForRequest((req) => req.url().endsWith(`/v1/media/${hosted.id}`)), page.getByRole('button', { name: 'Execute' }).click()]);
    expect({ url: sent.url(), method: sent.method(), key: sent.headers()['x-api-key'] }).toEqual({ url: `${t.baseUrl}/v1/media/${hosted.id}`, method: 'GET', key: KEY });
    const reply = page.locator('.live-responses-table .response');
    await expect.poll(() => reply.locator('.response-col_status').first().textContent()).toContain('200');
    expect(await reply.locator('.microlight').first().textContent()).toContain(`"sha256": "${hosted.sha256}"`);
    expect(refused).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(`${t.baseUrl}/`))).toEqual([]);
    await page.close();
  });
});
