import { describe, expect, it } from 'vitest';
import { jsonLogger } from '../../src/adapters/json-logger.js';
import { parseConfig } from '../../src/config.js';
import { buildNodeDeps } from '../../src/node/deps.js';
import { memoryBound } from '../../src/node/memory.js';

/** The bound as main.ts logs it at start: from the settings and the largest file the service built from them accepts. */
function boundFor(env: Record<string, string>) {
  const config = parseConfig({ LOCAL_STORAGE_DIR: '/nonexistent/never-written', ...env });
  const deps = buildNodeDeps(config, jsonLogger('error', () => undefined));
  return memoryBound(config, deps.media.limits.heldBytes);
}

describe('memoryBound', () => {
  it('is (uploads at once + background uploads at once) × the largest file accepted, beside the decodes at once and their pixel cap', () => {
    expect(boundFor({ MAX_CONCURRENT_UPLOADS: '12', IMAGE_MAX_INPUT_BYTES: '20000000', IMAGE_CONCURRENCY: '3', IMAGE_MAX_PIXELS: '24000000' })).toEqual({
      uploads_at_once: 12,
      background_uploads_at_once: 8,
      largest_file_mb: 20,
      files_held_mb: 400,
      decodes_at_once: 3,
      megapixels_per_decode: 24,
      kept_blocks_mib: 64,
    });
  });

  it('counts the largest non-image file when images are capped below it', () => {
    // mp4 and 3gp may be 10 MB (src/core/policy.ts).
    expect(boundFor({ MAX_CONCURRENT_UPLOADS: '8', IMAGE_MAX_INPUT_BYTES: '2000000' })).toMatchObject({ largest_file_mb: 10, files_held_mb: 160 });
  });

  it('with the defaults: 64 uploads and 8 background uploads of up to 25 MB', () => {
    expect(boundFor({})).toMatchObject({ uploads_at_once: 64, background_uploads_at_once: 8, largest_file_mb: 25, files_held_mb: 1800, megapixels_per_decode: 50 });
  });
});
