import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fullCollector, memoryReleaser } from '../../src/adapters/memory-releaser.js';

const MiB = 1024 * 1024;
/** Full collections run by a `gc()` call (forced): V8's own, which it may start at any time, are left out. */
const forcedFullCollectionStarts: number[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const { kind, flags } = (entry.detail ?? {}) as { kind?: number; flags?: number };
    const forced = ((flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR && forced) forcedFullCollectionStarts.push(entry.startTime);
  }
});
observer.observe({ entryTypes: ['gc'] });
afterAll(() => observer.disconnect());

const gc = fullCollector();
const youngCollection = () => gc({ type: 'minor' });
const held = () => getHeapStatistics().external_memory;

/** Polls `condition` every 5 ms, for 10 s at most (a loaded machine may take a while to free memory). */
const until = (condition: () => boolean) => vi.waitUntil(condition, { timeout: 10_000, interval: 5 });

/**
 * The forced full collections that started while `call` ran: the releaser's. gc entries reach observers a little
 * after the collection, in order: once the entry of a collection run here afterwards has come, all of them have.
 */
async function fullCollectionsDuring(call: () => void): Promise<number> {
  const from = performance.now();
  call();
  const to = performance.now();
  gc();
  await until(() => forcedFullCollectionStarts.some((t) => t > to));
  return forcedFullCollectionStarts.filter((t) => t >= from && t <= to).length;
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

/**
 * No garbage left from whatever ran before, so that what a test leaves is all there is: a full collection, then
 * a wait until the memory it freed in the background is given back (the reading stops falling).
 */
async function clean(): Promise<void> {
  await fullCollectionsDuring(() => {});
  let last = Infinity;
  await until(() => {
    youngCollection();
    const now = held();
    const settled = now >= last;
    last = now;
    return settled;
  });
}

describe('memoryReleaser', () => {
  it('collects once buffers past its threshold are held since it last looked, and their memory comes back', async () => {
    await clean();
    const release = memoryReleaser(32 * MiB);
    release(); // the first call reads where buffer memory stands
    leaveGarbage(48 * MiB);
    const before = held();
    expect(await fullCollectionsDuring(release)).toBe(1);
    // The buffers' memory is freed by a background task that the next collection, of either kind, completes: on
    // a busy machine that task may wait.
    await until(() => (youngCollection(), held() < before - 40 * MiB));
  });

  it('does nothing while less than its threshold has been added since the last collection', async () => {
    await clean();
    const release = memoryReleaser(32 * MiB);
    release();
    leaveGarbage(16 * MiB);
    expect(await fullCollectionsDuring(release)).toBe(0);
  });

  it('does not collect again at the call right after a collection, however much memory still reads as held', async () => {
    await clean();
    const release = memoryReleaser(32 * MiB);
    release();
    const live = Array.from({ length: 48 }, () => new Uint8Array(MiB).fill(1)); // still held after the collection
    expect(await fullCollectionsDuring(() => (release(), release(), release()))).toBe(1);
    expect(live.length).toBe(48);
  });

  it('measures from the least memory held since the last collection', async () => {
    await clean();
    const release = memoryReleaser(16 * MiB);
    let young: Uint8Array[] | undefined = Array.from({ length: 24 }, () => new Uint8Array(MiB).fill(1));
    release(); // reads the 24 MiB still held
    const high = held();
    expect(young.length).toBe(24);
    young = undefined; // garbage that was never promoted: a young collection frees it
    await until(() => (youngCollection(), held() < high - 20 * MiB));
    release(); // the floor falls
    leaveGarbage(20 * MiB); // less than 16 MiB above the first reading, 20 MiB above the floor
    expect(await fullCollectionsDuring(release)).toBe(1);
  });
});
