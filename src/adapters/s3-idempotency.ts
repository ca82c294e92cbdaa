import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isLive, type IdempotencyRecord, type IdempotencyRecords } from '../core/idempotency.js';

/**
 * Idempotency records in the bucket, under `idempotency/`, so every instance sees them. A claim is a
 * conditional write (`If-None-Match: *`, supported by S3, R2 and MinIO): of two instances racing for one key,
 * exactly one wins. Records older than 24 h count as gone; a lifecycle rule removes them (npm run setup:bucket).
 * An expired record is taken over with `If-Match` on its ETag, so that of several instances finding it expired
 * at once, exactly one takes it.
 */
export class S3IdempotencyRecords implements IdempotencyRecords {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await this.write(key, record, { IfNoneMatch: '*' })) return null;
      const existing = await this.read(key);
      if (existing?.record && isLive(existing.record, this.now())) return existing.record;
      if (existing?.record) {
        // Expired: take it over, but only if it is still that very record.
        if (await this.write(key, record, { IfMatch: existing.etag })) return null;
      } else {
        // Missing (released in between), or another claim still being written (stores that answer 412 before
        // the object is readable): look again shortly.
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
    // Someone keeps winning the key: treat it as in flight rather than risk doing the work twice.
    return { state: 'in_flight', created_at: this.now() };
  }

  async finish(key: string, record: IdempotencyRecord): Promise<void> {
    await this.write(key, record, {});
  }

  async release(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey(key) }));
  }

  /** True when written; false when the condition did not hold. */
  private async write(key: string, record: IdempotencyRecord, condition: { IfNoneMatch?: '*'; IfMatch?: string }): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: objectKey(key), Body: JSON.stringify(record), ContentType: 'application/json', ...condition }),
      );
      return true;
    } catch (err) {
      if (isPreconditionFailed(err)) return false;
      throw err;
    }
  }

  /** The record and its ETag; `record` is null while it is not fully written (some stores show objects early). */
  private async read(key: string): Promise<{ record: IdempotencyRecord | null; etag: string } | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey(key) }));
      const text = (await res.Body?.transformToString()) ?? '';
      try {
        return { record: JSON.parse(text) as IdempotencyRecord, etag: res.ETag ?? '' };
      } catch {
        return { record: null, etag: res.ETag ?? '' };
      }
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return null;
      throw err;
    }
  }
}

const objectKey = (key: string) => `idempotency/${key}.json`;

function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412 || e.$metadata?.httpStatusCode === 409;
}
