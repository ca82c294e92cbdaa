import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium), headless, with nothing of its own going online. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
