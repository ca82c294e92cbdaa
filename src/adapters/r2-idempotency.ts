import { isLive, type IdempotencyRecord, type IdempotencyRecords } from '../core/idempotency.js';
import type { R2BucketLike } from './r2-store.js';

/**
 * Idempotency records in the R2 bucket, under `idempotency/`, so every isolate and location sees them (an
 * isolate's memory is not shared). A claim is a conditional put (`onlyIf: { etagDoesNotMatch: '*' }`: only
 * if the key is free): of two requests racing for one key, exactly one wins. R2 is strongly consistent, so a
 * failed claim reads the record that won. Records older than 24 h count as gone; the bucket's lifecycle rule
 * removes them (README, Deploying to Cloudflare Workers). Names are a hash of the API key and the Idempotency-Key: not guessable.
 */
export class R2IdempotencyRecords implements IdempotencyRecords {
  constructor(
    private readonly bucket: R2BucketLike,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await this.write(key, record, true)) return null;
      const existing = await this.read(key);
      if (isLive(existing, this.now())) return existing;
      if (existing) await this.release(key); // expired: remove it and race for the key again
      // Missing: released in between; race again.
    }
    // Someone keeps winning the key: treat it as in flight rather than risk doing the work twice.
    return { state: 'in_flight', created_at: this.now() };
  }

  async finish(key: string, record: IdempotencyRecord): Promise<void> {
    await this.write(key, record, false);
  }

  async release(key: string): Promise<void> {
    await this.bucket.delete(objectKey(key));
  }

  /** True when written; false when `onlyIfAbsent` and the key is taken. */
  private async write(key: string, record: IdempotencyRecord, onlyIfAbsent: boolean): Promise<boolean> {
    const written = await this.bucket.put(objectKey(key), new TextEncoder().encode(JSON.stringify(record)), {
      httpMetadata: { contentType: 'application/json' },
      ...(onlyIfAbsent && { onlyIf: { etagDoesNotMatch: '*' } }),
    });
    return written !== null;
  }

  private async read(key: string): Promise<IdempotencyRecord | null> {
    const object = await this.bucket.get(objectKey(key));
    if (!object) return null;
    try {
      return JSON.parse(await new Response(object.body).text()) as IdempotencyRecord;
    } catch {
      return null;
    }
  }
}

const objectKey = (key: string) => `idempotency/${key}.json`;
