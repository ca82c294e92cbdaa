import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isLive, type IdempotencyRecord, type IdempotencyRecords } from '../core/idempotency.js';

/**
 * Idempotency records in the bucket, under `idempotency/`, so every instance sees them. A claim is a
 * conditional write (`If-None-Match: *`, supported by S3, R2 and MinIO): of two instances racing for one key,
 * exactly one wins. Records older than 24 h count as gone; a lifecycle rule removes them (npm run setup:bucket).
 */
export class S3IdempotencyRecords implements IdempotencyRecords {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.write(key, record, true);
        return null;
      } catch (err) {
        if (!isPreconditionFailed(err)) throw err;
      }
      const existing = await this.read(key);
      if (isLive(existing, this.now())) return existing;
      // Expired: remove it and race for the key again. Missing: released in between, or another claim is
      // still being written (stores that answer 412 before the object is readable) — look again shortly.
      if (existing) await this.release(key);
      else await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
    // Someone keeps winning the key: treat it as in flight rather than risk doing the work twice.
    return { state: 'in_flight', created_at: this.now() };
  }

  finish(key: string, record: IdempotencyRecord): Promise<void> {
    return this.write(key, record, false);
  }

  async release(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey(key) }));
  }

  private async write(key: string, record: IdempotencyRecord, onlyIfAbsent: boolean): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey(key),
        Body: JSON.stringify(record),
        ContentType: 'application/json',
        ...(onlyIfAbsent && { IfNoneMatch: '*' }),
      }),
    );
  }

  private async read(key: string): Promise<IdempotencyRecord | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey(key) }));
      const text = (await res.Body?.transformToString()) ?? '';
      try {
        return JSON.parse(text) as IdempotencyRecord;
      } catch {
        return null; // not fully written yet (some S3-compatible stores show objects while they are written)
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
