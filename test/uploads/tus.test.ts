import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MediaStatusResponseSchema } from '../../src/http/schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { AppError } from '../../src/core/errors.js';
import { BACKGROUND_JOBS_AT_ONCE } from '../../src/core/media-jobs.js';
import * as av from '../support/av-fixtures.js';
import { pdf } from '../support/fixtures.js';
import { filesIn } from '../support/http.js';
import { settledUpload, tusUpload } from '../support/tus.js';

/** tus at /v1/uploads with the local driver, driven by tus-js-client over a real socket. */
let t: TestApp;
beforeAll(async () => {
  await av.warmAvFixtures();
  t = await startTestApp();
}, av.WARM_TIMEOUT_MS);
afterAll(() => t.close());

describe('a video uploaded with tus-js-client', () => {
  it('is processed in the background once its last byte is in, and becomes a fitted MP4', async () => {
    const input = await av.bigMp4(); // over the budget: re-encoded
    const up = await tusUpload(`${t.baseUrl}/v1/uploads`, input, { chunkSize: 256 * 1024, metadata: { filename: 'clip.mp4', filetype: 'video/mp4' } });
    expect(up.url).toMatch(new RegExp(`^${t.baseUrl}/v1/uploads/[A-Za-z0-9_-]{22}$`));
    const res = await settledUpload(t.baseUrl, up.id);
    const body = MediaStatusResponseSchema.parse(await res.json());
    if (body.status !== 'ready') throw new Error(`still ${body.status}`);
    expect(body.media).toMatchObject({ id: `${up.id}.mp4`, kind: 'video', content_type: 'video/mp4', original: { filename: 'clip.mp4', content_type: 'video/mp4', size: input.length } });
    expect(body.media.size).toBeLessThanOrEqual(600_000);
    const served = new Uint8Array(await (await fetch(body.media.url)).arrayBuffer());
    expect((await av.ffprobe(served)).streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline' });
    // The staged upload is gone; only the media and its job record are left.
    expect(await filesIn(`${t.dir}/media`)).toEqual([`${up.id}.mp4`, `${up.id}.mp4.meta.json`, `status/${up.id}.json`, `status/${up.id}.json.meta.json`].sort());
  });
});

describe('uploads that finish while the conversion queue is full', () => {
  it('wait for a turn instead of failing with 503 server_busy: both become media', async () => {
    // One conversion at a time and none waiting: the second finished upload is refused by the queue at first.
    const busy = await startTestApp({ MEDIA_CONCURRENCY: '1', MEDIA_QUEUE_LIMIT: '0' });
    try {
      const hosted = vi.spyOn(busy.deps.media, 'host');
      const [a, b] = await Promise.all([av.phoneMov(), av.bigMp4()].map(async (file) => tusUpload(`${busy.baseUrl}/v1/uploads`, await file)));
      const outcomes = await Promise.all([a!, b!].map(async (up) => MediaStatusResponseSchema.parse(await (await settledUpload(busy.baseUrl, up.id)).json())));
      expect(outcomes.map((o) => o.status)).toEqual(['ready', 'ready']);
      // One of them was read again once the queue had room.
      expect(hosted.mock.calls.length).toBeGreaterThan(2);
    } finally {
      await busy.close();
    }
  }, 120_000);
});

describe('a finished upload that waits past half its time for a turn', () => {
  it('is not processed: it reads failed with 503 server_busy and leaves nothing staged; those before it are hosted', async () => {
    // The first BACKGROUND_JOBS_AT_ONCE uploads are held inside the pipeline until `open`, so the next one waits.
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const host = t.deps.media.host.bind(t.deps.media);
    const hosted = vi.spyOn(t.deps.media, 'host').mockImplementation(async (input) => (await opened, host(input)));
    // Only Date is faked (timers and sockets stay real), so that the clock can jump past half the job's time.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    try {
      const first = await Promise.all(Array.from({ length: BACKGROUND_JOBS_AT_ONCE }, () => tusUpload(`${t.baseUrl}/v1/uploads`, pdf(), { metadata: { filename: 'menu.pdf' } })));
      await vi.waitUntil(() => hosted.mock.calls.length === BACKGROUND_JOBS_AT_ONCE);
      const late = await tusUpload(`${t.baseUrl}/v1/uploads`, pdf(), { metadata: { filename: 'late.pdf' } });
      const job = MediaStatusResponseSchema.parse(await (await fetch(`${t.baseUrl}/v1/uploads/${late.id}/media`)).json());
      if (job.status !== 'processing') throw new Error(`already ${job.status}`);
      const started = Date.parse(job.started_at);
      vi.setSystemTime(started + (Date.parse(job.deadline) - started) / 2 + 1_000);
      open();

      const res = await settledUpload(t.baseUrl, late.id);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ success: false, status: 'failed', code: 'server_busy', error: expect.stringContaining('Upload it again') });
      expect(hosted).toHaveBeenCalledTimes(BACKGROUND_JOBS_AT_ONCE); // the late one never reached the pipeline
      for (const up of first) expect(MediaStatusResponseSchema.parse(await (await settledUpload(t.baseUrl, up.id)).json()).status).toBe('ready');
      expect((await filesIn(`${t.dir}/media`)).filter((f) => f.startsWith('uploads/'))).toEqual([]);
    } finally {
      open();
      vi.useRealTimers();
      hosted.mockRestore();
    }
  });
});

describe('a finished upload whose conversion stays refused (queue full) past half its time', () => {
  it('reads failed with 503 server_busy saying to upload it again, not to try again in seconds; nothing left staged', async () => {
    const busy = () => Promise.reject(new AppError(503, 'server_busy', 'Too many videos and audio files are being converted right now; try again in 1 second.', { headers: { 'retry-after': '1' } }));
    const hosted = vi.spyOn(t.deps.media, 'host').mockImplementation(busy);
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    try {
      const up = await tusUpload(`${t.baseUrl}/v1/uploads`, pdf(), { metadata: { filename: 'menu.pdf' } });
      await vi.waitUntil(() => hosted.mock.calls.length === 1);
      const job = MediaStatusResponseSchema.parse(await (await fetch(`${t.baseUrl}/v1/uploads/${up.id}/media`)).json());
      if (job.status !== 'processing') throw new Error(`already ${job.status}`);
      // Two seconds before half the job's time: the second refusal's wait (2 s) would end past it.
      const started = Date.parse(job.started_at);
      vi.setSystemTime(started + (Date.parse(job.deadline) - started) / 2 - 2_000);
      const res = await settledUpload(t.baseUrl, up.id);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ success: false, status: 'failed', code: 'server_busy', error: expect.stringContaining('Upload it again') });
      expect((await filesIn(`${t.dir}/media`)).filter((f) => f.startsWith('uploads/'))).toEqual([]);
    } finally {
      vi.useRealTimers();
      hosted.mockRestore();
    }
  });
});
