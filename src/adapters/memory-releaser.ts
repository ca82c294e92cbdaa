import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, run when `thresholdBytes` more memory outside V8's heap is held than after the last.
 *
 * Each image leaves big buffers behind: its copy for the decoder, the decoded pixels and each encode (sharp's own
 * buffers), ~15 MB for a 12 MP photo. They live about a second, long enough to be promoted, so only a full
 * collection frees them, and V8 schedules those by the growth of its own heap, which these buffers hardly move.
 * Left to V8, under load they added tens of MB to the service's peak (README, Load). A full collection of this
 * heap takes 20–50 ms under load (less on an idle machine), against about a second of work per photo.
 *
 * `gc` is reached without a command-line flag: the flag is set here, and the function taken from a new context.
 */
export function memoryReleaser(thresholdBytes: number): () => void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  // Held after the last collection. V8 frees the buffers on a background thread after the collection returns,
  // so this is read at the next call, not right after collecting.
  let baseline: number | undefined;
  return () => {
    const held = process.memoryUsage().external;
    if (baseline === undefined) baseline = held;
    else if (held - baseline >= thresholdBytes) {
      collect();
      baseline = undefined;
    }
  };
}
