import { ArrivingBody } from './arriving.js';
import type { PooledBytes } from './block-pool.js';
import { describableBytes } from './av-as-sent.js';
import { asAvFormat, refuse, type SizeLimit } from './policy.js';
import type { AvOptions, AvProcessor, FileContent, Hasher, KeptAv, ProcessedAv } from './ports.js';

/** A video or audio upload once received: passed with its own bytes (held, hashed), or made carrier-ready by the converter. */
export type ReceivedAv = { kept: KeptAv; content: FileContent } | { processed: ProcessedAv; size: number };

/** A video or audio upload being received: its first bytes (read and sniffed) in `head`, the rest still in `reader`. */
export interface ArrivingAv {
  av: AvProcessor;
  detected: { ext: string; mime: string };
  head: PooledBytes;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Its input limit: past it, the body is refused. */
  limit: SizeLimit;
}

/**
 * A video or audio upload, from its first bytes to a file ready to store. One that could pass with its own bytes
 * (no larger than describableBytes or its input limit, and the converter can tell from its headers) is read whole
 * into `head`, hashed as it arrives, and kept when the converter says so without running anything (see
 * AvProcessor.describeAsSent); the caller then owns `head`. Any other goes to the converter (see convertAv), what
 * was held first.
 */
export async function receiveAv(file: ArrivingAv, options: AvOptions, hold: { budgetBytes: number; declaredSize?: number; sha256: () => Hasher }): Promise<ReceivedAv> {
  const { av, detected, head, reader, limit } = file;
  const format = asAvFormat(detected.ext);
  // Never past the input limit: a file over it is refused, whatever it is.
  const upTo = av.describeAsSent && format ? Math.min(describableBytes(format, options, hold.budgetBytes), limit.bytes) : 0;
  if (upTo > 0 && (hold.declaredSize ?? 0) <= upTo) {
    const hasher = hold.sha256();
    for (const view of head.views()) hasher.update(view);
    const body = new ArrivingBody(reader, head);
    body.onPiece = (piece) => hasher.update(piece); // while it is still in the CPU's cache (see MediaService.receive)
    try {
      await body.readUpTo(upTo);
    } catch (err) {
      reader.cancel().catch(() => undefined);
      head.release();
      throw err;
    }
    const kept = head.size <= upTo ? av.describeAsSent!(head.views(), format!, options) : undefined;
    if (kept) return { kept, content: { chunks: head.views(), size: head.size, sha256: hasher.digestHex() } };
  }
  return convertAv(file, options);
}

/**
 * A video or audio upload to a carrier-ready file by the converter. The bytes go to it as they arrive (it keeps
 * them on disk: inputs of hundreds of MB are never held whole here) and the body is refused as soon as it runs
 * past its limit. Whatever the converter kept for the file is let go on every path, and so is `head`.
 */
async function convertAv({ av, detected, head, reader, limit }: ArrivingAv, options: AvOptions): Promise<{ processed: ProcessedAv; size: number }> {
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
