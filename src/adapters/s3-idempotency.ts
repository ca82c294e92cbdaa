import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BucketIdempotencyRecords, type RecordBucket } from '../core/idempotency.js';

/**
 * Idempotency records in an S3 bucket (see BucketIdempotencyRecords): conditional writes with `If-None-Match: *`
 * for a free key and `If-Match` on the ETag to take over an expired record, both supported by S3, R2 and MinIO.
 */
export class S3IdempotencyRecords extends BucketIdempotencyRecords {
  constructor(client: S3Client, bucket: string, now?: () => number) {
    super(s3RecordBucket(client, bucket), now);
  }
}

/** The three calls on an S3 bucket; `npm run setup:bucket` probes the store's conditional writes through them too. */
export function s3RecordBucket(client: S3Client, bucket: string): RecordBucket {
  return {
    async put(key, body, only) {
      const condition = only === 'absent' ? { IfNoneMatch: '*' } : only ? { IfMatch: only.etag } : {};
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', ...condition }));
        return true;
      } catch (err) {
        if (isPreconditionFailed(err)) return false;
        // S3 answers If-Match on a key that is gone with 404: the object is not the one with that ETag either.
        if (only && only !== 'absent' && (err as { name?: string }).name === 'NoSuchKey') return false;
        throw err;
      }
    },
    async get(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        // A body that breaks off reads as empty, which counts as a record not yet fully written.
        const body = await res.Body?.transformToString().catch(() => '');
        return { body: body ?? '', etag: res.ETag ?? '' };
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchKey') return null;
        throw err;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

/** 412 PreconditionFailed when the condition does not hold; 409 ConditionalRequestConflict when another conditional write of the key is under way. */
function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412 || e.$metadata?.httpStatusCode === 409;
}
