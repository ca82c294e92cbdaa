import type { AppError } from './errors.js';

/**
 * Bounds how many heavy jobs run at once (a 12 MP decode holds hundreds of MB, an ffmpeg encode a core or two;
 * more at once than cores only adds memory, not speed) and how many may wait. Waiters are served first come,
 * first served; when the queue is full the caller is told when to come back (`busy`, with the seconds to wait)
 * instead of piling up requests and memory.
 */
export class QueueLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** A moving average of how long a job takes, for an honest Retry-After. */
  private averageMs = 1_000;

  constructor(
    private readonly concurrency: number,
    private readonly queueLimit: number,
    private readonly busy: (retryAfterSeconds: number) => AppError,
  ) {
    if (!(concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
  }

  get stats(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  /** Refuses at once when a job started now would find no slot and no room in the queue (before spending on it). */
  assertRoom(): void {
    if (this.active >= this.concurrency && this.waiting.length >= this.queueLimit) throw this.busy(this.retryAfterSeconds());
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active < this.concurrency) this.active++;
    else if (this.waiting.length < this.queueLimit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else throw this.busy(this.retryAfterSeconds());
    const started = Date.now();
    try {
      return await job();
    } finally {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (Date.now() - started);
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Roughly when a slot should be free for a new request: the queue ahead of it, drained `concurrency` at a time. */
  private retryAfterSeconds(): number {
    const rounds = (this.waiting.length + this.active) / this.concurrency;
    return Math.min(60, Math.max(1, Math.ceil((rounds * this.averageMs) / 1_000)));
  }
}
