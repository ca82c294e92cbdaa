import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * HEVC-coded HEIC (every iPhone photo), decoded by heic-decode (libheif compiled to WebAssembly) because
 * sharp's prebuilt libvips has no HEVC decoder. Two reasons it runs in worker threads:
 * - the decode is synchronous: a 12 MP photo would block the event loop for a second or more;
 * - a WebAssembly heap only grows: a ~300 MB peak would stay with the process for good. An idle worker is
 *   ended after a while, and its memory goes with it.
 * heic-decode is loaded inside the worker on its first job, so nothing is loaded until a HEIC arrives.
 * libheif applies the file's irot/imir transforms itself, so the pixels come back upright.
 */
export interface DecodedHeic {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  data: Uint8Array;
}

// CommonJS, evaluated in the worker: heic-decode is a CommonJS package and its path is passed in.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// libheif reports failures on the console as well as by rejecting: keep the service's logs clean.
console.log = console.warn = console.error = () => {};
let decode;
parentPort.on('message', async (bytes) => {
  try {
    decode ??= require(workerData.modulePath);
    const { width, height, data } = await decode({ buffer: bytes });
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    parentPort.postMessage({ width, height, data: pixels }, [pixels.buffer]);
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
});
`;

export class HeicDecoder {
  private readonly idle: Worker[] = [];
  private readonly idleTimers = new Map<Worker, NodeJS.Timeout>();
  private modulePath: string | undefined;

  /** `idleMs`: how long a worker stays warm (its first decode also pays ~0.5 s of WebAssembly start-up). */
  constructor(private readonly idleMs = 30_000) {}

  async decode(bytes: Uint8Array): Promise<DecodedHeic> {
    const worker = this.idle.pop() ?? this.spawn();
    clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.delete(worker);
    worker.ref();
    try {
      const result = await run(worker, bytes);
      this.park(worker);
      return result;
    } catch (err) {
      if (!(err instanceof HeicDecodeError)) void worker.terminate(); // crashed or out of memory: do not reuse
      else this.park(worker);
      throw err;
    }
  }

  /** Ends every worker (tests, shutdown). */
  async close(): Promise<void> {
    const all = this.idle.splice(0);
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  private spawn(): Worker {
    this.modulePath ??= createRequire(import.meta.url).resolve('heic-decode');
    return new Worker(WORKER_SOURCE, { eval: true, workerData: { modulePath: this.modulePath } });
  }

  /** Keeps a worker for the next HEIC, but not the process alive, and ends it when it has been idle a while. */
  private park(worker: Worker): void {
    worker.unref();
    this.idle.push(worker);
    const timer = setTimeout(() => {
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      this.idleTimers.delete(worker);
      void worker.terminate();
    }, this.idleMs);
    timer.unref();
    this.idleTimers.set(worker, timer);
  }
}

/** The file itself could not be decoded (as opposed to the worker failing). */
export class HeicDecodeError extends Error {}

function run(worker: Worker, bytes: Uint8Array): Promise<DecodedHeic> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (msg: { error?: string } & Partial<DecodedHeic>) => {
      cleanup();
      if (msg.error !== undefined || !msg.data || !msg.width || !msg.height) reject(new HeicDecodeError(msg.error ?? 'no image'));
      else resolve({ width: msg.width, height: msg.height, data: msg.data });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`HEIC worker exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    // Copied (the caller keeps its bytes); compacted first, as cloning a view would copy its whole backing buffer.
    worker.postMessage(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());
  });
}
