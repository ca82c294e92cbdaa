import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/adapters/local-store.js';
import { jsonLogger } from '../../src/adapters/json-logger.js';
import { sha256 } from '../../src/adapters/sha256.js';
import { isAppError } from '../../src/core/errors.js';
import { putJson } from '../../src/core/json-records.js';
import { MediaJobs } from '../../src/core/media-jobs.js';
import type { Media } from '../../src/core/media-service.js';

/** Background jobs' records in a real store (local disk): what any instance reads back. */
let dir: string;
let store: LocalStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-jobs-'));
  store = new LocalStore(dir, 'http://127.0.0.1:1');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function jobs(jobDeadlineMs: number) {
  const discarded: string[] = [];
  const media = {
    get: async (id: string) => ({ id }) as Media,
    discard: async (id: string) => void discarded.push(id),
  };
  return { jobs: new MediaJobs({ store, sha256, logger: jsonLogger('error', () => undefined), jobDeadlineMs, media }), discarded };
}
const stateOf = (j: MediaJobs, id: string) => j.state(id).catch((err: unknown) => (isAppError(err) ? { code: err.code, status: err.status } : err));

describe('MediaJobs', () => {
  it('records a job that ends within its deadline as ready, naming its media', async () => {
    const { jobs: j, discarded } = jobs(60_000);
    const job = await j.begin();
    await j.end(job.id, Promise.resolve({ id: `${job.id}.mp4` } as Media));
    expect(await stateOf(j, job.id)).toEqual({ status: 'ready', media: { id: `${job.id}.mp4` } });
    expect(discarded).toEqual([]);
  });

  it('keeps a job that stored its media after its deadline failed with media_processing_timeout, and removes the media', async () => {
    const { jobs: j, discarded } = jobs(20);
    const job = await j.begin();
    const late = new Promise<Media>((resolve) => setTimeout(() => resolve({ id: `${job.id}.mp4` } as Media), 60));
    await new Promise((r) => setTimeout(r, 30));
    expect(await stateOf(j, job.id)).toEqual({ code: 'media_processing_timeout', status: 504 }); // what a poller is told now
    await j.end(job.id, late);
    expect(await stateOf(j, job.id)).toEqual({ code: 'media_processing_timeout', status: 504 }); // and still after the late end
    expect(discarded).toEqual([`${job.id}.mp4`]);
    await expect(j.state(job.id)).rejects.toThrow(/nothing was stored\. Send the file again as a new upload\.$/);
  });

  it('records the outcome even when the job\'s record cannot be read back as it ends', async () => {
    const { jobs: j, discarded } = jobs(60_000);
    const job = await j.begin();
    // The record's sidecar garbled: reading the record fails (storage failing for a moment), writing it works.
    await writeFile(join(dir, `status/${job.id}.json.meta.json`), '{');
    expect(await j.end(job.id, Promise.resolve({ id: `${job.id}.mp4` } as Media))).toBe(true);
    expect(await stateOf(j, job.id)).toEqual({ status: 'ready', media: { id: `${job.id}.mp4` } });
    expect(discarded).toEqual([]);
  });

  describe('beginOnce over a conditional create (instances sharing a bucket)', () => {
    /** Writes only if the key is free, as If-None-Match: * does; `then` plays what happens to the reply. */
    const createOnce = (then: 'answered' | 'reply lost, retry refused' | 'reply lost, retry failed') => async (key: string, body: string) => {
      if (await store.head(key)) return false;
      await putJson(store, sha256, key, JSON.parse(body));
      if (then === 'reply lost, retry refused') return false; // the retry found the key taken: by the first try
      if (then === 'reply lost, retry failed') throw new Error('socket hang up');
      return true;
    };

    it('begins a job once: a second begin finds it taken', async () => {
      const { jobs: j } = jobs(60_000);
      expect(await j.beginOnce('a'.repeat(22), createOnce('answered'))).toBe(true);
      expect(await j.beginOnce('a'.repeat(22), createOnce('answered'))).toBe(false);
    });

    it('knows a write whose reply was lost as its own, by its claim, and another request\'s as not', async () => {
      const { jobs: j } = jobs(60_000);
      const id = 'b'.repeat(22);
      expect(await j.beginOnce(id, createOnce('reply lost, retry refused'))).toBe(true);
      expect(await j.beginOnce(id, createOnce('reply lost, retry refused'))).toBe(false);
    });

    it('removes a record its failed write left, so that the job can be begun again', async () => {
      const { jobs: j } = jobs(60_000);
      const id = 'c'.repeat(22);
      await expect(j.beginOnce(id, createOnce('reply lost, retry failed'))).rejects.toThrow('socket hang up');
      expect(await j.record(id)).toBeNull();
      expect(await j.beginOnce(id, createOnce('answered'))).toBe(true);
    });
  });
});
