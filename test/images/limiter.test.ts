import { describe, expect, it, vi } from 'vitest';
import { Limiter } from '../../src/adapters/sharp/limiter.js';
import { AppError } from '../../src/core/errors.js';
import type { ImageInput } from '../../src/core/ports.js';
import { AUTO, JPG, PNG, imageInput, phoneJpeg, processor, transparentPng } from './fixtures.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Polls until a processor's queue reaches a state (each millisecond, for 30 s at most). */
const until = (reached: () => boolean) => vi.waitUntil(reached, { timeout: 30_000, interval: 1 });

describe('Limiter', () => {
  it('runs up to `concurrency` jobs, queues `queueLimit` more, and refuses the rest with 503 and Retry-After', async () => {
    const limiter = new Limiter(1, 1);
    const first = gate();
    const order: string[] = [];
    const a = limiter.run(async () => {
      await first.opened;
      order.push('a');
    });
    const b = limiter.run(async () => {
      order.push('b');
    });
    const refused = await limiter.run(async () => 'c').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    // Two images ahead, one slot, none finished to be timed yet: a second each, the first estimate.
    expect(refused).toMatchObject({
      status: 503,
      code: 'server_busy',
      message: 'Too many images are being processed right now; try again in 2 seconds.',
      headers: { 'Retry-After': '2' },
    });
    first.open();
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
    expect(limiter.stats).toEqual({ active: 0, waiting: 0 });
  });

  it('frees the slot when a job fails', async () => {
    const limiter = new Limiter(1, 0);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('serves waiters first come, first served', async () => {
    const limiter = new Limiter(2, 10);
    const g = gate();
    const order: number[] = [];
    const jobs = [0, 1, 2, 3, 4, 5].map((i) =>
      limiter.run(async () => {
        if (i < 2) await g.opened;
        order.push(i);
      }),
    );
    expect(limiter.stats).toEqual({ active: 2, waiting: 4 });
    g.open();
    await Promise.all(jobs);
    expect(order.slice(2)).toEqual([2, 3, 4, 5]);
  });
});

describe('an image waiting for its turn', () => {
  it('is not read while it waits, and read once when its turn comes', async () => {
    // The service holds a waiting upload in pooled memory: a copy made before the wait would sit beside it.
    const images = processor({ concurrency: 1 });
    let reads = 0;
    const png = await transparentPng(200, true);
    const counted: ImageInput = { ...imageInput(png, PNG), read: () => (reads++, png) };
    const first = images.process(imageInput(await phoneJpeg(), JPG), AUTO); // a 12 MP photo: it keeps the slot a while
    await until(() => images.stats().active === 1);
    const second = images.process(counted, AUTO);
    await until(() => images.stats().waiting === 1);
    expect(images.stats()).toEqual({ active: 1, waiting: 1 });
    expect(reads).toBe(0);
    await Promise.all([first, second]);
    expect(reads).toBe(1);
    await images.close();
  }, 60_000);
});
