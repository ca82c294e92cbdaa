/** Small Web Streams helpers the core shares: runtime-neutral (Node and Workers). */

/** Passes bytes through, calling `onChunk` for each and `onEnd` once the source is done. */
export function tap(onChunk: (chunk: Uint8Array) => void, onEnd?: () => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      onChunk(chunk);
      controller.enqueue(chunk);
    },
    flush: () => onEnd?.(),
  });
}

/** A stream that ends at once: the body of an empty response, or of a request that sent none. */
export function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({ start: (c) => c.close() });
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) return concat(chunks);
    chunks.push(r.value);
  }
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The same bytes, but the stream fails with `onTimeout()` if it has not ended within `ms`: a client that
 * trickles its upload cannot hold a worker forever. It reads only when its reader does (highWaterMark 0).
 * `finish()` stops the clock and lets go of whatever is left unread (the request was answered without it), so
 * the server can drain or close the rest instead of finding it half-consumed.
 */
export function withDeadline(
  stream: ReadableStream<Uint8Array>,
  ms: number,
  onTimeout: () => Error,
): { stream: ReadableStream<Uint8Array>; finish: () => void } {
  const reader = stream.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let fail: ((e: Error) => void) | undefined;
  const clear = () => clearTimeout(timer);
  const finish = () => {
    clear();
    reader.cancel().catch(() => undefined); // a no-op once the source has ended
  };
  const wrapped = new ReadableStream<Uint8Array>({
    start(controller) {
      fail = (e) => {
        controller.error(e);
        reader.cancel(e).catch(() => undefined);
      };
      timer = setTimeout(() => fail?.(onTimeout()), ms);
    },
    async pull(controller) {
      try {
        const r = await reader.read();
        if (r.done) {
          clear();
          controller.close();
        } else controller.enqueue(r.value);
      } catch (err) {
        clear();
        controller.error(err);
      }
    },
    cancel(reason) {
      clear();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { stream: wrapped, finish };
}

/**
 * The same bytes, read only as they are asked for, and a promise settled once the source has given its last one
 * (never when it fails or is cancelled): the moment a request's body has been received whole.
 */
export function watchEnd(source: ReadableStream<Uint8Array>): { stream: ReadableStream<Uint8Array>; ended: Promise<void> } {
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const reader = source.getReader();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const r = await reader.read();
          if (r.done) {
            ended();
            controller.close();
          } else controller.enqueue(r.value);
        } catch (err) {
          controller.error(err); // not ended: whoever reads it fails, and says why
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    // One piece read ahead: the source's end is seen once its last bytes are taken, even when the reader (a
    // multipart parser past its file part) would ask for more only later.
    { highWaterMark: 1 },
  );
  return { stream, ended: done };
}

/**
 * The same bytes, failing with `mismatch(received)` as soon as more than `size` have passed, or at the end when
 * fewer did: a writer behind it stores exactly `size` bytes or fails (and keeps nothing).
 */
export function exactLength(size: number, mismatch: (received: number) => Error): TransformStream<Uint8Array, Uint8Array> {
  let received = 0;
  return new TransformStream({
    transform(chunk, controller) {
      received += chunk.length;
      if (received > size) controller.error(mismatch(received));
      else controller.enqueue(chunk);
    },
    flush(controller) {
      if (received < size) controller.error(mismatch(received));
    },
  });
}
