import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryReleaser } from '../../src/adapters/memory-releaser.js';

const MiB = 1024 * 1024;
let fullCollections = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if ((entry.detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullCollections++;
});
observer.observe({ entryTypes: ['gc'] });
afterAll(() => observer.disconnect());

/** gc entries reach observers a little after the collection, and buffers are freed on a background thread. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 100));
const held = () => process.memoryUsage().external;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (o?: { type: 'minor' }) => void;
const youngCollection = () => gc({ type: 'minor' });

/** No garbage left from whatever ran before in this process, so that what a test leaves is all there is. */
async function clean(): Promise<void> {
  gc();
  await settled();
}

/**
 * Buffers that lived long enough to be promoted, as an image's do, and that nothing holds any more: only a full
 * collection frees them (young ones go in the next young-generation collection).
 */
function leaveGarbage(bytes: number): void {
  const buffers = Array.from({ length: bytes / MiB }, () => new Uint8Array(MiB).fill(1));
  youngCollection();
  youngCollection();
  expect(buffers.length).toBe(bytes / MiB);
}

describe('memoryReleaser', () => {
  it('collects once buffers past its threshold are held since it last looked, and their memory comes back', async () => {
    await clean();
    const release = memoryReleaser(32 * MiB);
    release(); // the first call reads where buffer memory stands
    // Under 64 MiB, which would have V8 start a collection of its own for the memory outside its heap.
    leaveGarbage(48 * MiB);
    await settled();
    const before = held();
    const counted = fullCollections;
    release();
    // The buffers' memory is freed by a background task that the next collection, of either kind, completes: on
    // a busy machine that task may wait. A young collection cannot free these buffers itself (they were promoted).
    youngCollection();
    await settled();
    expect(held()).toBeLessThan(before - 40 * MiB);
    expect(fullCollections).toBe(counted + 1);
  });

  it('does nothing while less than its threshold has been added since the last collection', async () => {
    await clean();
    const release = memoryReleaser(32 * MiB);
    release();
    leaveGarbage(16 * MiB);
    await settled();
    const counted = fullCollections;
    release();
    await settled();
    expect(fullCollections).toBe(counted);
  });
});
