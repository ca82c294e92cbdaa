import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';
import type { RecordBucket } from '../../core/idempotency.js';

/**
 * A @tus/server Locker whose locks live in the bucket, so that instances sharing the bucket exclude each other:
 * PATCH, HEAD and DELETE requests for one upload that a load balancer spreads over several instances are handled
 * one at a time, as @tus/server's per-process MemoryLocker does within one process.
 *
 * - Taking a lock is a conditional write of `locks/<upload id>` (If-None-Match: *); of instances racing,
 *   exactly one wins. The object holds the holder's random token and the time its lease ends.
 * - A holder renews its lease every third of LOCK_TIMING.leaseMs (a write conditional on the ETag it read, after
 *   checking the token is still its own). A lock whose lease has ended was left by a stopped or stuck instance: a
 *   waiter takes it over with a write conditional on the ETag it read, so of several waiters exactly one does.
 * - Requesting release (@tus/server's `requestRelease`: a client that reconnects must not wait behind its own dead
 *   request): a waiter writes `<lock key>.release` naming the holder's token, again on every try; the holder reads
 *   that object every releaseCheckMs while it holds the lock and, when it names it, calls its requestRelease, after which
 *   @tus/server ends the request (within its lockDrainTimeout, 3 s by default) and unlocks. A waiter deletes the
 *   marker once it stops waiting, whichever way; a holder never writes it.
 * - Unlocking deletes the lock object: at once while the lease is surely still this lock's (renewed less than two
 *   thirds of a lease ago), else only after reading that it still holds this lock's token. A holder that finds its
 *   lock taken over, or cannot renew it for two thirds of its lease, is asked to release through requestRelease.
 *
 * Leases are compared with each instance's clock, like Idempotency-Key claims: clocks must agree to within a small
 * part of the lease (NTP does). A lock left by a crash that nobody waits for stays until the bucket's expiry rule.
 */

/** Lock objects are `locks/<upload id>`; upload ids carry the staging prefix, so in practice `locks/uploads/tus/<id>`. */
export const UPLOAD_LOCK_PREFIX = 'locks/';

export interface LockTiming {
  /** A lock not renewed for this long counts as abandoned and may be taken over. */
  leaseMs: number;
  /** How often a waiter tries again (each try: up to three calls to the store). */
  retryMs: number;
  /** How often a holder looks for a request to release (one GET); requests shorter than this never look. */
  releaseCheckMs: number;
  /** How long lock() waits before failing with ERR_LOCK_TIMEOUT (MemoryLocker's acquireLockTimeout, 30 s). */
  acquireTimeoutMs: number;
}

/**
 * A lease of 20 s renewed every ~6.7 s: a waiter gets a crashed instance's lock well within its 30 s. A release
 * request reaches the holder within 3 s, so a client that reconnects waits at most about 3 s + @tus/server's
 * lockDrainTimeout (3 s) + 0.5 s for the request it left behind to give way. Every PATCH pays for the looking (a
 * GET each time, for as long as it lasts: an 8 MB PATCH takes seconds on a phone), which is why it is not done
 * every second: at 1 s, an 8 MB PATCH of 5 s (bench:load's median at 32 clients) looked 5 times, beside the 13
 * requests @tus/server alone makes for the whole upload (npm run bench:store).
 */
export const LOCK_TIMING: LockTiming = { leaseMs: 20_000, retryMs: 500, releaseCheckMs: 3_000, acquireTimeoutMs: 30_000 };

interface LockRecord {
  owner: string;
  expires_at: number;
}

export class BucketLocker implements Locker {
  constructor(
    private readonly bucket: RecordBucket,
    private readonly timing: LockTiming = LOCK_TIMING,
    private readonly now: () => number = Date.now,
  ) {}

  newLock(id: string): Lock {
    return new BucketLock(this.bucket, `${UPLOAD_LOCK_PREFIX}${id}`, this.timing, this.now);
  }
}

class BucketLock implements Lock {
  private readonly owner = crypto.randomUUID();
  private readonly releaseKey: string;
  /** Stops the holder's polling; set while the lock is held. */
  private holding: (() => Promise<void>) | null = null;
  /** When the lease last written by this lock started (read before the write, so the lease surely ends later). */
  private leaseFrom = 0;

  constructor(
    private readonly bucket: RecordBucket,
    private readonly key: string,
    private readonly timing: LockTiming,
    private readonly now: () => number,
  ) {
    this.releaseKey = `${key}.release`;
  }

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const deadline = this.now() + this.timing.acquireTimeoutMs;
    let asked = false;
    try {
      for (;;) {
        const holder = await this.tryTake();
        if (holder === true) break;
        if (holder) {
          await this.bucket.put(this.releaseKey, holder);
          asked = true;
        }
        const left = deadline - this.now();
        // As MemoryLocker: a request that ends while waiting, or a wait past the timeout, fails the same way.
        if (signal.aborted || left <= 0) throw ERRORS.ERR_LOCK_TIMEOUT;
        await sleep(Math.min(this.timing.retryMs, left), signal);
      }
    } finally {
      if (asked) await this.bucket.delete(this.releaseKey).catch(() => undefined);
    }
    this.holding = this.hold(requestRelease);
  }

  /** Deletes the lock object, unless its lease may have run out and it may now be another's. */
  async unlock(): Promise<void> {
    if (!this.holding) throw new Error('Releasing an unlocked lock!');
    const stop = this.holding;
    this.holding = null;
    await stop();
    if (!this.leaseSure()) {
      const current = await this.bucket.get(this.key);
      if (!current || parse(current.body)?.owner !== this.owner) return;
    }
    await this.bucket.delete(this.key);
  }

  private leaseSure(): boolean {
    return this.now() - this.leaseFrom < (this.timing.leaseMs * 2) / 3;
  }

  /** Writes this lock's record with a new lease, under `only`'s condition; true when written. */
  private async write(only: 'absent' | { etag: string }): Promise<boolean> {
    const at = this.now();
    const body = JSON.stringify({ owner: this.owner, expires_at: at + this.timing.leaseMs } satisfies LockRecord);
    if (!(await this.bucket.put(this.key, body, only))) return false;
    this.leaseFrom = at;
    return true;
  }

  /**
   * Takes a free key, or one whose lease has ended (or whose object is unreadable), with a conditional write: true
   * when taken, else the holder's token to ask for release (null when the key was freed in between: try again).
   */
  private async tryTake(): Promise<true | string | null> {
    if (await this.write('absent')) return true;
    const current = await this.bucket.get(this.key);
    if (!current) return null;
    const record = parse(current.body);
    if (record && record.expires_at > this.now()) return record.owner;
    return (await this.write({ etag: current.etag })) || null;
  }

  /**
   * While held: every releaseCheckMs, look for a release request naming this lock, and renew the lease once a third of it
   * has passed (also after release was requested: the request may take up to lockDrainTimeout to end). The holder
   * is asked to release, once, when a request names it, when the lock turns out to be another's (then polling
   * stops: there is nothing left to renew), or when it could not be renewed for two thirds of the lease.
   * Returns the function that stops the polling.
   */
  private hold(requestRelease: RequestRelease): () => Promise<void> {
    let released = false;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running: Promise<void> = Promise.resolve();
    const release = () => {
      if (released) return;
      released = true;
      void Promise.resolve(requestRelease()).catch(() => undefined);
    };
    const tick = async () => {
      try {
        if (!released && (await this.bucket.get(this.releaseKey))?.body === this.owner) release();
        if (this.now() - this.leaseFrom >= this.timing.leaseMs / 3) {
          const current = await this.bucket.get(this.key);
          if (!current || parse(current.body)?.owner !== this.owner) return release();
          // Refused when a waiter's conditional write races with it: tried again next time.
          await this.write({ etag: current.etag });
        }
      } catch {
        // The store unreachable: tried again next time.
      }
      // Two thirds of the lease without renewal: ask the request to end while the lease still holds.
      if (!this.leaseSure()) release();
      schedule();
    };
    const schedule = () => {
      if (!stopped) timer = setTimeout(() => void (running = tick()), this.timing.releaseCheckMs);
    };
    schedule();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    };
  }
}

function parse(body: string): LockRecord | null {
  try {
    const record = JSON.parse(body) as Partial<LockRecord>;
    return typeof record.owner === 'string' && typeof record.expires_at === 'number' ? (record as LockRecord) : null;
  } catch {
    return null;
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
