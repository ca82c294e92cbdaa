import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { claimConditionally, type IdempotencyRecord, type IdempotencyRecords } from '../core/idempotency.js';

/**
 * Idempotency records in the bucket, under `idempotency/`, so every instance sees them. Claims are conditional
 * writes (see claimConditionally): `If-None-Match: *` for a free key and `If-Match` on the ETag to take over an
 * expired record, both supported by S3, R2 and MinIO. Records older than 24 h count as gone; a lifecycle rule
 * removes them (npm run setup:bucket).
 */
export class S3IdempotencyRecords implements IdempotencyRecords {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly now: () => number = Date.now,
  ) {}

  claim(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    return claimConditionally(
      {
        write: (r, only) => this.write(key, r, only === 'absent' ? { IfNoneMatch: '*' } : { IfMatch: only.etag }),
        read: () => this.read(key),
      },
      record,
      this.now,
    );
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

  private async read(key: string): Promise<{ record: IdempotencyRecord | null; etag: string } | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey(key) }));
      const etag = res.ETag ?? '';
      try {
        return { record: JSON.parse((await res.Body?.transformToString()) ?? '') as IdempotencyRecord, etag };
      } catch {
        return { record: null, etag };
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
