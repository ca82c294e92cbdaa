/**
 * Idempotency records: the first request with a key claims it, its final reply is kept for 24 h, and a
 * repeat gets that reply instead of a second send or upload. The port is small so that records can live
 * where every instance sees them (object storage with conditional writes) or in memory (one instance).
 */
export interface IdempotencyRecord {
  state: 'in_flight' | 'done';
  created_at: number;
  /** A hash of what the request asked for; a repeat must match it. */
  fingerprint?: string;
  status?: number;
  content_type?: string;
  body?: string;
}

export interface IdempotencyRecords {
  /** Stores `record` only if no live record holds `key`: null when claimed, else the record that holds it. */
  claim(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | null>;
  /** Replaces the claim with the final reply. */
  finish(key: string, record: IdempotencyRecord): Promise<void>;
  /** Gives the key up (nothing happened that a repeat could duplicate). */
  release(key: string): Promise<void>;
}

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/**
 * How long a claim holds its key without a reply: longer than any request can run (body deadline, import,
 * images, the send's own timeout), short enough that a claim left by a crashed instance frees the key.
 */
export const IN_FLIGHT_LEASE_MS = 5 * 60 * 1000;

export const isLive = (r: IdempotencyRecord | null | undefined, now: number): r is IdempotencyRecord =>
  !!r && now - r.created_at < (r.state === 'in_flight' ? IN_FLIGHT_LEASE_MS : IDEMPOTENCY_TTL_MS);

/** What a bucket offers for idempotency records; each store's adapter supplies these three calls. */
export interface RecordBucket {
  /**
   * True when written; false when the condition did not hold. `absent`: only if no object has the key; `{ etag }`:
   * only if the object is still the one with that ETag; no condition: always.
   */
  put(key: string, body: string, only?: 'absent' | { etag: string }): Promise<boolean>;
  /** Null when missing. */
  get(key: string): Promise<{ body: string; etag: string } | null>;
  delete(key: string): Promise<void>;
}

/**
 * Idempotency records in the bucket, under `idempotency/`, so every instance sees them. Records older than 24 h
 * count as gone; a lifecycle rule removes them (npm run setup:bucket, or the R2 rule in the README).
 */
export class BucketIdempotencyRecords implements IdempotencyRecords {
  constructor(
    private readonly bucket: RecordBucket,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A conditional write only if the key is free, so that of instances racing for it exactly one wins. An expired
   * record is taken over only if it is still the very one that was read (its ETag), so that of several instances
   * finding it expired at once, exactly one takes it and none removes a claim another has just made.
   */
  async claim(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    const body = JSON.stringify(record);
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await this.bucket.put(objectKey(key), body, 'absent')) return null;
      const existing = await this.read(key);
      if (existing?.record && isLive(existing.record, this.now())) return existing.record;
      if (existing?.record) {
        if (await this.bucket.put(objectKey(key), body, { etag: existing.etag })) return null;
      } else {
        // Missing (released in between), or another claim still being written: look again shortly.
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
    // Someone keeps winning the key: treat it as in flight rather than risk doing the work twice.
    return { state: 'in_flight', created_at: this.now() };
  }

  async finish(key: string, record: IdempotencyRecord): Promise<void> {
    await this.bucket.put(objectKey(key), JSON.stringify(record));
  }

  release(key: string): Promise<void> {
    return this.bucket.delete(objectKey(key));
  }

  /** `record` is null while the object is not fully written (some stores show objects early). */
  private async read(key: string): Promise<{ record: IdempotencyRecord | null; etag: string } | null> {
    const object = await this.bucket.get(objectKey(key));
    if (!object) return null;
    try {
      return { record: JSON.parse(object.body) as IdempotencyRecord, etag: object.etag };
    } catch {
      return { record: null, etag: object.etag };
    }
  }
}

const objectKey = (key: string) => `idempotency/${key}.json`;

/** For a single instance (the local driver): a map, oldest entries dropped past `maxEntries`. */
export class MemoryIdempotencyRecords implements IdempotencyRecords {
  private readonly records = new Map<string, IdempotencyRecord>();
  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    const existing = this.records.get(key);
    if (isLive(existing, this.now())) return existing;
    this.set(key, record);
    return null;
  }

  async finish(key: string, record: IdempotencyRecord): Promise<void> {
    this.set(key, record);
  }

  async release(key: string): Promise<void> {
    this.records.delete(key);
  }

  private set(key: string, record: IdempotencyRecord): void {
    this.records.delete(key);
    this.records.set(key, record);
    if (this.records.size > this.maxEntries) this.records.delete(this.records.keys().next().value!);
  }
}
