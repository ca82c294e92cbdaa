import { claimConditionally, type IdempotencyRecord, type IdempotencyRecords } from '../core/idempotency.js';
import type { R2BucketLike } from './r2-store.js';

/**
 * Idempotency records in the R2 bucket, under `idempotency/`, so every isolate and location sees them (an
 * isolate's memory is not shared). Claims are conditional puts (see claimConditionally): `etagDoesNotMatch: '*'`
 * for a free key, `etagMatches` to take over an expired record. R2 is strongly consistent, so a failed claim
 * reads the record that won. Records older than 24 h count as gone; the bucket's lifecycle rule removes them
 * (README, Deploying to Cloudflare Workers). Names are a hash of the API key and the Idempotency-Key: not guessable.
 */
export class R2IdempotencyRecords implements IdempotencyRecords {
  constructor(
    private readonly bucket: R2BucketLike,
    private readonly now: () => number = Date.now,
  ) {}

  claim(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    return claimConditionally(
      {
        write: (r, only) => this.write(key, r, only === 'absent' ? { etagDoesNotMatch: '*' } : { etagMatches: only.etag }),
        read: () => this.read(key),
      },
      record,
      this.now,
    );
  }

  async finish(key: string, record: IdempotencyRecord): Promise<void> {
    await this.write(key, record);
  }

  async release(key: string): Promise<void> {
    await this.bucket.delete(objectKey(key));
  }

  /** True when written; false when the condition did not hold. */
  private async write(key: string, record: IdempotencyRecord, onlyIf?: { etagDoesNotMatch?: string; etagMatches?: string }): Promise<boolean> {
    const written = await this.bucket.put(objectKey(key), new TextEncoder().encode(JSON.stringify(record)), {
      httpMetadata: { contentType: 'application/json' },
      ...(onlyIf && { onlyIf }),
    });
    return written !== null;
  }

  private async read(key: string): Promise<{ record: IdempotencyRecord | null; etag: string } | null> {
    const object = await this.bucket.get(objectKey(key));
    if (!object) return null;
    try {
      return { record: JSON.parse(await new Response(object.body).text()) as IdempotencyRecord, etag: object.etag };
    } catch {
      return { record: null, etag: object.etag };
    }
  }
}

const objectKey = (key: string) => `idempotency/${key}.json`;
