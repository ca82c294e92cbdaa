import type { PooledBytes } from './block-pool.js';
import { refuse, type SizeLimit } from './policy.js';
import type { AvOptions, AvProcessor, ProcessedAv } from './ports.js';

/**
 * A video or audio upload, from its first bytes (already read and sniffed, in `head`) to a carrier-ready file.
 * The bytes go to the converter as they arrive (it keeps them on disk: inputs of hundreds of MB are never held
 * whole here) and the body is refused as soon as it runs past its limit. Whatever the converter kept for the file
 * is let go on every path.
 */
export async function receiveAv(
  av: AvProcessor,
  detected: { ext: string; mime: string },
  head: PooledBytes,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: SizeLimit,
  options: AvOptions,
): Promise<{ processed: ProcessedAv; size: number }> {
  let upload: Awaited<ReturnType<AvProcessor['open']>> | undefined;
  try {
    let size = head.size; // the first chunks may already hold the whole file
    if (size > limit.bytes) throw refuse.fileTooLarge(limit);
    upload = await av.open(detected);
    for (const view of head.views()) await upload.write(view);
    head.release();
    for (let r; !(r = await reader.read()).done; ) {
      size += r.value.length;
      if (size > limit.bytes) throw refuse.fileTooLarge(limit);
      await upload.write(r.value);
    }
    return { processed: await upload.process(options), size };
  } catch (err) {
    reader.cancel().catch(() => undefined); // refused part-way: nothing more is wanted from the body
    throw err;
  } finally {
    head.release();
    await upload?.close();
  }
}
