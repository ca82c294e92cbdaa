import type { RecordBucket } from './idempotency.js';

/** Whether a bucket keeps the promises BucketIdempotencyRecords.claim relies on; if not, what it did instead. */
export type ConditionalWrites = { honoured: true } | { honoured: false; observed: string };

/** Another ETag in the store's own form (quoted on S3, bare on an R2 binding): the last hex digit changed. */
const otherThan = (etag: string) => etag.replace(/[0-9a-f](?=[^0-9a-f]*$)/i, (d) => (d === '0' ? '1' : '0'));

/**
 * Tries, on a probe object of its own, the writes an Idempotency-Key claim makes, through the same RecordBucket
 * the service uses: a put only if the key is free must succeed on a free key and be refused on a taken one; a put
 * only if the ETag matches must be refused with an ETag the object does not have and succeed with the one it has.
 * A store that ignores the conditions overwrites instead of refusing, and then every retry claims its key afresh
 * and is done again; one that refuses them all never lets a claim through. The probe is deleted on every path;
 * one a failed delete leaves behind is the caller's to clear (setup:bucket's expiry rule does). Errors (the store
 * unreachable, access denied) are thrown after the delete, for the caller to explain.
 */
export async function probeConditionalWrites(bucket: RecordBucket, key: string): Promise<ConditionalWrites> {
  const broken = (observed: string): ConditionalWrites => ({ honoured: false, observed });
  try {
    if (!(await bucket.put(key, 'first', 'absent'))) {
      return broken('it refused a write conditional on If-None-Match: * to a key that does not exist');
    }
    const written = await bucket.get(key);
    if (!written) return broken('an object written with If-None-Match: * could not be read back');
    if (await bucket.put(key, 'second', 'absent')) {
      return broken('it overwrote an existing object although the write was conditional on If-None-Match: *');
    }
    if (await bucket.put(key, 'third', { etag: otherThan(written.etag) })) {
      return broken('it overwrote an object although the write was conditional on If-Match with an ETag the object does not have');
    }
    if (!(await bucket.put(key, 'fourth', { etag: written.etag }))) {
      return broken("it refused a write conditional on If-Match with the object's own ETag");
    }
    return { honoured: true };
  } finally {
    await bucket.delete(key).catch(() => undefined);
  }
}
