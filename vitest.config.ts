import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: image tests are CPU-bound, so run files two at a time.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/worker/**'],
        },
      },
      {
        // The Workers entry, in workerd (miniflare) with a local R2 bucket, bindings from wrangler.toml.
        extends: true,
        plugins: [
          cloudflareTest({
            main: './src/worker/main.ts',
            wrangler: { configPath: './wrangler.toml' },
            // The local Images binding, for the tests that exercise it (tests choose per request whether the worker sees it).
            miniflare: { images: { binding: 'IMAGES' } },
          }),
        ],
        // As wrangler.toml's [alias]: the AWS SDK's plain-JS XML parser (its browser build needs DOMParser).
        resolve: { alias: { '@aws-sdk/xml-builder': fileURLToPath(new URL('./node_modules/@aws-sdk/xml-builder/dist-cjs/index.js', import.meta.url)) } },
        test: {
          name: 'workers',
          include: ['test/worker/**/*.test.ts'],
          // An S3 emulator in Node, for the S3 driver on Workers.
          globalSetup: ['test/worker/global-setup.ts'],
          // Its files share one local bucket and compare its contents before and after: one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
