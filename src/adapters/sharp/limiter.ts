import { refuse } from '../../core/policy.js';
import { QueueLimiter } from '../../core/queue-limiter.js';

/** The image decode queue: a QueueLimiter whose refusal speaks of images. */
export class Limiter extends QueueLimiter {
  constructor(concurrency: number, queueLimit: number) {
    super(concurrency, queueLimit, refuse.imagesBusy);
  }
}
