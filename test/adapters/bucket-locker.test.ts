import type { S3Client } from '@aws-sdk/client-s3';
import { ERRORS } from '@tus/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordBucket } from '../../src/core/idempotency.js';
import { s3RecordBucket } from '../../src/adapters/s3-idempotency.js';
import { BucketLocker, type LockTiming } from '../../src/adapters/tus/bucket-locker.js';
import { listBucket, startS3Server, untilStored, type S3TestServer } from '../support/s3-server.js';
import { clientFor } from '../support/setup-bucket.js';

// Two BucketLockers, each with its own S3 client, play two instances of the service sharing one bucket.

/** Short enough for tests; the same proportions as LOCK_TIMING. */
const TIMING: LockTiming = { leaseMs: 1_500, retryMs: 50, releaseCheckMs: 50, acquireTimeoutMs: 10_000 };
const never = () => new AbortController().signal;

/** A bucket whose connection can be cut and restored, as for an instance that is stuck or has lost the network. */
function cuttable(bucket: RecordBucket): RecordBucket & { cut(): void; restore(): void } {
  let cut = false;
  const check = () => {
    if (cut) throw new Error('connect ECONNREFUSED');
  };
  return {
    put: async (...args) => (check(), bucket.put(...args)),
    get: async (key) => (check(), bucket.get(key)),
    delete: async (key) => (check(), bucket.delete(key)),
    cut: () => void (cut = true),
    restore: () => void (cut = false),
  };
}

describe('BucketLocker: two instances, one bucket (S3 emulator with conditional writes)', () => {
  let s3: S3TestServer;
  const clients: S3Client[] = [];
  const instance = (timing = TIMING) => {
    const client = clientFor(s3.endpoint, s3.credentials);
    clients.push(client);
    const bucket = cuttable(s3RecordBucket(client, s3.bucket));
    return { locker: new BucketLocker(bucket, timing), bucket };
  };
  const keys = async () => (await listBucket(s3.dir, s3.bucket)).keys;
  beforeAll(async () => {
    s3 = await startS3Server('media-locks');
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await s3?.stop();
  });

  it('the second waits, asks the holder to release, and gets the lock once the first unlocks; nothing is left behind', async () => {
    const [a, b] = [instance(), instance()];
    const events: string[] = [];
    const lockA = a.locker.newLock('uploads/tus/up-1');
    await lockA.lock(never(), () => void events.push('a asked to release'));
    events.push('a locked');
    expect(await keys()).toEqual(['locks/uploads/tus/up-1']);

    const lockB = b.locker.newLock('uploads/tus/up-1');
    const gotB = lockB.lock(never(), () => void events.push('b asked to release')).then(() => void events.push('b locked'));
    await untilStored(s3, 'locks/uploads/tus/up-1.release'); // b is waiting and has asked
    while (!events.includes('a asked to release')) await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['a locked', 'a asked to release']);

    await lockA.unlock();
    events.push('a unlocked');
    await gotB;
    expect(events).toEqual(['a locked', 'a asked to release', 'a unlocked', 'b locked']);
    expect(await keys()).toEqual(['locks/uploads/tus/up-1']); // b's lock; b removed its release request
    await lockB.unlock();
    expect(await keys()).toEqual([]);
  });

  it('as @tus/server does, a holder that unlocks when asked hands the lock over without waiting for its own end', async () => {
    const [a, b] = [instance(), instance()];
    const lockA = a.locker.newLock('uploads/tus/up-2');
    let releasedA = 0;
    await lockA.lock(never(), async () => {
      releasedA++;
      await lockA.unlock();
    });
    const lockB = b.locker.newLock('uploads/tus/up-2');
    await lockB.lock(never(), () => undefined);
    expect(releasedA).toBe(1);
    await lockB.unlock();
    expect(await keys()).toEqual([]);
  });

  it("takes over a lock whose holder could not renew it once its lease is over; the old holder's unlock leaves it alone", async () => {
    const [a, b] = [instance(), instance()];
    const lockA = a.locker.newLock('uploads/tus/up-3');
    let releasedA = 0;
    await lockA.lock(never(), () => void releasedA++);
    a.bucket.cut(); // a can no longer renew, as if it had crashed
    const lockB = b.locker.newLock('uploads/tus/up-3');
    await lockB.lock(never(), () => undefined);
    // Unable to renew for two thirds of its lease, a asked its own request to end before the lease ran out.
    expect(releasedA).toBe(1);
    a.bucket.restore();
    await lockA.unlock(); // reads that the lock is b's now, and leaves it
    expect(await keys()).toEqual(['locks/uploads/tus/up-3']);
    await lockB.unlock();
    expect(await keys()).toEqual([]);
  });

  it('a lock object left by a crashed instance, lease over, is taken over at once', async () => {
    const [a, b] = [instance(), instance()];
    await a.bucket.put('locks/uploads/tus/up-4', JSON.stringify({ owner: 'crashed', expires_at: Date.now() - 1 }));
    const lock = b.locker.newLock('uploads/tus/up-4');
    await lock.lock(never(), () => undefined);
    await lock.unlock();
    expect(await keys()).toEqual([]);
  });

  it('a live holder keeps its lock past its lease by renewing it; a waiter gives up with ERR_LOCK_TIMEOUT and removes its request', async () => {
    const [a, b] = [instance(), instance({ ...TIMING, acquireTimeoutMs: 2 * TIMING.leaseMs })];
    const lockA = a.locker.newLock('uploads/tus/up-5');
    await lockA.lock(never(), () => undefined); // asked to release, but does not
    const lockB = b.locker.newLock('uploads/tus/up-5');
    await expect(lockB.lock(never(), () => undefined)).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    expect(await keys()).toEqual(['locks/uploads/tus/up-5']);
    await lockA.unlock();
    expect(await keys()).toEqual([]);
  });

  it('a waiting request that ends stops waiting with ERR_LOCK_TIMEOUT, as with MemoryLocker', async () => {
    const [a, b] = [instance(), instance()];
    const lockA = a.locker.newLock('uploads/tus/up-6');
    await lockA.lock(never(), () => undefined);
    const ended = new AbortController();
    const waiting = b.locker.newLock('uploads/tus/up-6').lock(ended.signal, () => undefined);
    await untilStored(s3, 'locks/uploads/tus/up-6.release');
    ended.abort();
    await expect(waiting).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    await lockA.unlock();
    expect(await keys()).toEqual([]);
  });

  it('unlocking a lock that is not held is an error, as with MemoryLocker', async () => {
    const lock = instance().locker.newLock('uploads/tus/up-7');
    await expect(lock.unlock()).rejects.toThrow('Releasing an unlocked lock!');
    await lock.lock(never(), () => undefined);
    await lock.unlock();
    await expect(lock.unlock()).rejects.toThrow('Releasing an unlocked lock!');
  });
});
