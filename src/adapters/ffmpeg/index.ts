import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { asAvFormat, refuse, refuseAv, type AvFormat, type AvOptions } from '../../core/policy.js';
import type { AvProcessor, AvUpload, KeptAv, Logger, ProcessedAv } from '../../core/ports.js';
import { describeKept } from '../../core/av-as-sent.js';
import { isAppError } from '../../core/errors.js';
import { QueueLimiter } from '../../core/queue-limiter.js';
import { convert, type AvStats, type ConvertSettings } from './convert.js';
import { JobRunner } from './job.js';
import type { FfmpegTools } from './tools.js';
import { WorkDirs } from './workdir.js';

export { findFfmpeg, type FfmpegTools } from './tools.js';

/** Refusals worth a log line: ffmpeg failed on a file its probe accepted, or ran out of time. */
const LOGGED = new Set(['media_processing_failed', 'media_processing_timeout']);
export type { AvStats };

export interface FfmpegAvOptions extends ConvertSettings {
  tools: FfmpegTools;
  /** MEDIA_PROCESS_TIMEOUT_MS: a job (probe, encodes) still running after this is killed. */
  timeoutMs: number;
  /** MEDIA_CONCURRENCY: remuxes and encodes running at once. */
  concurrency: number;
  /** Probes running at once (short runs of ffprobe; a file kept as sent needs nothing more). Default: concurrency. */
  probeConcurrency?: number;
  /** Jobs that may wait for a slot; beyond that, 503 with Retry-After. */
  queueLimit: number;
  /** Where each job's private folder is made (a folder of its own under the system's temporary folder). */
  workRoot: string;
  /** Told what ffmpeg said when a file it probed could not be converted, or ran out of time. */
  logger?: Logger;
  observe?: (stats: AvStats) => void;
}

/**
 * Video and audio made carrier-ready with the system's ffmpeg, in child processes: each upload is written to a
 * file in a private folder as it arrives (never held whole in memory), then waits its turn in a bounded queue,
 * is probed, and kept, remuxed or re-encoded as the policy says. The folder goes on every path.
 */
export class FfmpegAv implements AvProcessor {
  readonly converts = true;
  private readonly limiter: QueueLimiter;
  private readonly probes: QueueLimiter;
  private readonly dirs: WorkDirs;

  constructor(private readonly options: FfmpegAvOptions) {
    this.limiter = new QueueLimiter(options.concurrency, options.queueLimit, refuseAv.busy);
    this.probes = new QueueLimiter(options.probeConcurrency ?? options.concurrency, options.queueLimit, refuseAv.busy);
    this.dirs = new WorkDirs(options.workRoot);
  }

  accepts(detected: { ext: string }): boolean {
    return asAvFormat(detected.ext) !== undefined;
  }

  stats(): { active: number; waiting: number } {
    return this.limiter.stats;
  }

  /** Removes what a crashed process left in the work folder; call once at start. */
  sweep(): Promise<number> {
    return this.dirs.sweep();
  }

  describeAsSent(chunks: readonly Uint8Array[], format: AvFormat, options: AvOptions): KeptAv | undefined {
    const kept = describeKept(chunks, format, options, this.options);
    if (kept) this.options.observe?.({ kind: kept.kind, action: 'keep', encodes: 0, bytes: chunks.reduce((n, c) => n + c.length, 0) });
    return kept;
  }

  async open(detected: { ext: string; mime: string }): Promise<AvUpload> {
    const format = asAvFormat(detected.ext);
    if (!format) throw refuse.unsupportedType(detected); // not reached: the service asks accepts() first
    this.probes.assertRoom(); // before spooling a large file that would only be turned away (its first queue)
    const dir = await this.dirs.create();
    try {
      const path = join(dir, 'input');
      const handle = await open(path, 'wx', 0o600);
      const kindGuess = detected.mime.startsWith('audio/') ? 'audio' : 'video';
      return new FfmpegUpload({ dir, path, handle, format, kindGuess }, this.options, { probes: this.probes, conversions: this.limiter }, this.dirs);
    } catch (err) {
      await this.dirs.remove(dir);
      throw err;
    }
  }
}

/**
 * Bytes gathered before one write to the work file. A body arrives in chunks of tens of KiB, and a write each (a
 * trip to the thread pool) cost more CPU than copying them here; 256 KiB per upload being received is the bound.
 */
const SPOOL_BYTES = 256 * 1024;

class FfmpegUpload implements AvUpload {
  private size = 0;
  private closed = false;
  /** Bytes not yet written to the file: `spooled` bytes at the start of `spool` (made at the first write, let go once the file is whole). */
  private spool: Buffer | undefined;
  private spooled = 0;

  constructor(
    private readonly file: { dir: string; path: string; handle: FileHandle; format: AvFormat; kindGuess: 'video' | 'audio' },
    private readonly options: FfmpegAvOptions,
    private readonly limiters: { probes: QueueLimiter; conversions: QueueLimiter },
    private readonly dirs: WorkDirs,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.size += chunk.length;
    if (chunk.length >= SPOOL_BYTES) {
      await this.flush();
      return this.writeOut(chunk);
    }
    if (this.spooled + chunk.length > SPOOL_BYTES) await this.flush();
    this.spool ??= Buffer.allocUnsafe(SPOOL_BYTES);
    this.spool.set(chunk, this.spooled); // copied: the caller may reuse the chunk's memory once this returns
    this.spooled += chunk.length;
  }

  private async flush(): Promise<void> {
    if (this.spooled === 0) return;
    await this.writeOut(this.spool!.subarray(0, this.spooled));
    this.spooled = 0;
  }

  private async writeOut(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; ) at += (await this.file.handle.write(bytes, at)).bytesWritten;
  }

  async process(options: AvOptions): Promise<ProcessedAv> {
    await this.flush();
    this.spool = undefined; // not held while the upload waits for its turn
    await this.file.handle.close();
    // The probe and the conversion share MEDIA_PROCESS_TIMEOUT_MS of running time; time spent waiting in a queue
    // for a turn is not the file's fault, so each step's clock starts with its turn.
    let ranMs = 0;
    const { tools, timeoutMs } = this.options;
    const inTurn = (limiter: QueueLimiter) => <T>(work: (job: JobRunner) => Promise<T>) =>
      limiter.run(async () => {
        const started = Date.now();
        try {
          return await work(new JobRunner(tools, this.file.dir, started + timeoutMs - ranMs, timeoutMs));
        } finally {
          ranMs += Date.now() - started;
        }
      });
    const slots = { probe: inTurn(this.limiters.probes), convert: inTurn(this.limiters.conversions) };
    try {
      return await convert(slots, { path: this.file.path, format: this.file.format, size: this.size, kindGuess: this.file.kindGuess }, options, this.options, this.options.observe);
    } catch (err) {
      // The caller gets the sentence; what ffmpeg itself said is for whoever runs the service.
      if (isAppError(err) && LOGGED.has(err.code)) {
        this.options.logger?.warn('video or audio conversion refused', { code: err.code, format: this.file.format, bytes: this.size, ffmpeg: (err.cause as Error | undefined)?.message });
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.handle.close().catch(() => undefined);
    await this.dirs.remove(this.file.dir);
  }
}
