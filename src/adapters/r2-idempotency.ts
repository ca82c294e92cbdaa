import { BucketIdempotencyRecords, type RecordBucket } from '../core/idempotency.js';
import type { R2BucketLike } from './r2-store.js';

/**
 * Idempotency records in the R2 bucket (see BucketIdempotencyRecords), so every isolate and location sees them (an
 * isolate's memory is not shared). Claims are conditional puts: `etagDoesNotMatch: '*'` for a free key,
 * `etagMatches` to take over an expired record. R2 is strongly consistent, so a failed claim reads the record that
 * won. The bucket's lifecycle rule removes old records (docs/workers.md). Names are a hash
 * of the API key and the Idempotency-Key: not guessable.
 */
export class R2IdempotencyRecords extends BucketIdempotencyRecords {
  constructor(bucket: R2BucketLike, now?: () => number) {
    super(r2RecordBucket(bucket), now);
  }
}

/** The three calls on an R2 binding; a null from a conditional put is R2's "the condition did not hold". */
export function r2RecordBucket(bucket: R2BucketLike): RecordBucket {
  return {
    async put(key, body, only) {
      const onlyIf = only === 'absent' ? { etagDoesNotMatch: '*' } : only ? { etagMatches: only.etag } : undefined;
      const written = await bucket.put(key, new TextEncoder().encode(body), {
        httpMetadata: { contentType: 'application/json' },
        ...(onlyIf && { onlyIf }),
      });
      return written !== null;
    },
    async get(key) {
      const object = await bucket.get(key);
      return object && { body: await new Response(object.body).text().catch(() => ''), etag: object.etag };
    },
    delete: (key) => bucket.delete(key),
  };
}
