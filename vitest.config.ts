import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: image tests are CPU-bound, so run files two at a time.
    maxWorkers: 2,
  },
});
