import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8's `gc()`, reached without a command-line flag: the flag is set here (for the whole process, which only makes
 * `gc` available to code that asks for it), and the function taken from a new context, where V8 installs it.
 */
export function fullCollector(): Collect {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Collect;
}

/** Full by default; `{ type: 'minor' }` collects the young generation only (the tests use that). */
type Collect = (options?: { type: 'minor' }) => void;

/**
 * A full garbage collection, run when `thresholdBytes` more memory outside V8's heap is held than the least held
 * since the last one.
 *
 * Each image leaves big buffers behind: its copy for the decoder, the decoded pixels and each encode (sharp's own
 * buffers), ~15 MB for a 12 MP photo. They live about a second, long enough to be promoted, so only a full
 * collection frees them, and V8 schedules those by the growth of its own heap, which these buffers hardly move.
 * Left to V8, under load they added tens of MB to the service's peak (README, Load). A full collection of this
 * heap takes 20–50 ms under load (less on an idle machine), against about a second of work per photo.
 *
 * Never throws: reading V8's own count of external memory is a plain read (no system call, unlike
 * `process.memoryUsage()`), and a collection does not fail.
 */
export function memoryReleaser(thresholdBytes: number): () => void {
  const collect = fullCollector();
  // V8 frees the buffers on a background thread after the collection returns, so the floor is not read right
  // after collecting but from the calls that follow; it also falls when a young collection frees buffers.
  let floor = Infinity;
  return () => {
    const held = getHeapStatistics().external_memory;
    if (held < floor) floor = held;
    else if (held - floor >= thresholdBytes) {
      collect();
      floor = Infinity;
    }
  };
}
