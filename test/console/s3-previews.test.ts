import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { previewOrigins } from '../../src/node/console-files.js';
import * as fx from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser } from '../support/browser.js';
import { expectMedia, form } from '../support/http.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

/** With S3 storage the page's previews come from the bucket: its CSP names the bucket's origin, and Chromium enforces it. */
let s3: S3TestServer;
let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  s3 = await startS3Server();
  t = await startTestApp({ ...s3.serviceEnv() });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await s3?.stop();
});

describe('previews from a bucket', () => {
  it('loads a hosted image from the bucket under the page’s CSP, and nothing from another origin', async () => {
    const media = await expectMedia(await t.app.request('/v1/media', { method: 'POST', body: form({}, [{ filename: 'p.png', bytes: fx.png(32, 24) }]) }));
    expect(new URL(media.url).origin).toBe(new URL(s3.endpoint).origin);
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/`);
    const load = (url: string) =>
      page.evaluate(
        (src) =>
          new Promise<number | string>((resolve) => {
            document.addEventListener('securitypolicyviolation', (e) => e.blockedURI === src && resolve(`blocked by ${e.effectiveDirective}`));
            const img = Object.assign(new Image(), { src });
            img.onload = () => resolve(img.naturalWidth);
            img.onerror = () => setTimeout(() => resolve('failed'), 100);
          }),
        url,
      );
    expect(await load(media.url)).toBe(32);
    // The same kind of file from an origin the policy does not name is refused by the browser.
    const other = new URL(media.url);
    other.hostname = 'localhost';
    expect(await load(other.href)).toBe('blocked by img-src');
    await page.close();
  });

  it('names the bucket’s origin: the public base URL, else the endpoint (and its virtual-host name), else AWS’s', () => {
    const origins = (env: Record<string, string>) => previewOrigins(parseConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'media', ...env }));
    expect(origins({ S3_PUBLIC_BASE_URL: 'https://cdn.example.com/media', S3_ENDPOINT: 'https://r2.example.com' })).toEqual(['https://cdn.example.com']);
    expect(origins({ S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true' })).toEqual(['http://127.0.0.1:9000']);
    expect(origins({ S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com' })).toEqual(['https://acct.r2.cloudflarestorage.com', 'https://media.acct.r2.cloudflarestorage.com']);
    expect(origins({ S3_REGION: 'eu-west-1' })).toEqual(['https://media.s3.eu-west-1.amazonaws.com', 'https://s3.eu-west-1.amazonaws.com']);
    expect(previewOrigins(parseConfig({ PUBLIC_BASE_URL: 'https://media.example.com/' }))).toEqual(['https://media.example.com']);
  });
});
