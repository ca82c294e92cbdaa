import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobDeadlineMs, parseConfig } from '../../src/config.js';
import { prefersAsync } from '../../src/core/media-jobs.js';
import { ErrorSchema, JobProcessingSchema, MediaStatusResponseSchema } from '../../src/http/schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { pdf, png } from '../support/fixtures.js';
import { expectError, expectMedia, form } from '../support/http.js';

/**
 * Prefer: respond-async on POST /v1/media: 202 once the body is in, the conversion (the system's ffmpeg) in the
 * background, and GET /v1/media/{id} reporting it from the record kept in the store.
 */
let t: TestApp;
beforeAll(async () => {
  await av.warmAvFixtures();
  t = await startTestApp();
}, av.WARM_TIMEOUT_MS);
afterAll(() => t.close());

const ASYNC = { prefer: 'respond-async' };
const post = (body: BodyInit, headers: Record<string, string> = {}, query = '') => t.app.request(`/v1/media${query}`, { method: 'POST', body, headers });

/** The 202: its headers and body, checked against the schema the API declares. */
async function accepted(res: Response) {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(202);
  const job = JobProcessingSchema.parse(body);
  expect(job.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(res.headers.get('preference-applied')).toBe('respond-async');
  expect(res.headers.get('location')).toBe(`/v1/media/${job.id}`);
  expect(Date.parse(job.deadline)).toBeGreaterThan(Date.parse(job.started_at));
  return job;
}

/** Polls the job until it is no longer processing, and hands back the last answer. */
async function settled(location: string): Promise<Response> {
  let last!: Response;
  await vi.waitUntil(
    async () => {
      last = await t.app.request(location);
      if (last.status !== 200) return true;
      const body = MediaStatusResponseSchema.parse(await last.clone().json());
      return body.status !== 'processing';
    },
    { timeout: 120_000, interval: 50 },
  );
  return last;
}

describe('a job\'s deadline', () => {
  it('allows the body, the conversion and every turn a full queue can make it wait, and a minute', () => {
    const config = parseConfig({ MEDIA_CONCURRENCY: '1', LOCAL_STORAGE_DIR: '/tmp/unused' });
    expect(jobDeadlineMs(config, 1)).toBe(30_000 + 120_000 * (1 + 8) + 60_000);
    expect(jobDeadlineMs(config, 3)).toBe(30_000 + 120_000 * (1 + 3) + 60_000);
    expect(jobDeadlineMs(config)).toBe(30_000 + 120_000 + 60_000);
  });
});

describe('Prefer header', () => {
  it('is read as RFC 7240 preferences: respond-async among others, with or without values', () => {
    expect(prefersAsync('respond-async')).toBe(true);
    expect(prefersAsync('return=minimal, Respond-Async ,wait=30')).toBe(true);
    expect(prefersAsync('wait=10; foo=bar, respond-async; x=1')).toBe(true);
    expect(prefersAsync('return=representation')).toBe(false);
    expect(prefersAsync('respond-asynchronously')).toBe(false);
    expect(prefersAsync(undefined)).toBe(false);
  });
});

describe('POST /v1/media with Prefer: respond-async', () => {
  it('answers 202 once the video is received, then reports processing and ready with the converted MP4', async () => {
    const input = await av.bigMp4(); // over the budget: re-encoded by ffmpeg
    const job = await accepted(await post(input, { ...ASYNC, 'content-type': 'video/mp4' }, '?filename=clip.mp4'));
    const now = MediaStatusResponseSchema.parse(await (await t.app.request(`/v1/media/${job.id}`)).json());
    expect(['processing', 'ready']).toContain(now.status);
    const res = await settled(`/v1/media/${job.id}`);
    const body = MediaStatusResponseSchema.parse(await res.json());
    expect(res.status).toBe(200);
    if (body.status !== 'ready') throw new Error(`still ${body.status}`);
    expect(body.media).toMatchObject({ id: `${job.id}.mp4`, kind: 'video', content_type: 'video/mp4', original: { filename: 'clip.mp4', size: input.length } });
    expect(body.media.size).toBeLessThanOrEqual(600_000);
    const served = await fetch(body.media.url);
    expect(served.status).toBe(200);
    expect((await av.ffprobe(new Uint8Array(await served.arrayBuffer()))).streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });
    // The media id answers as always, with its status.
    const direct = await t.app.request(`/v1/media/${body.media.id}`);
    expect(await direct.json()).toMatchObject({ success: true, status: 'ready', media: { id: body.media.id, sha256: body.media.sha256 } });
  });

  it('records how far ffmpeg has got while it encodes, and the outcome after the last progress', async () => {
    const written: { key: string; record: Record<string, unknown> }[] = [];
    const store = t.deps.store;
    const original = store.put.bind(store);
    const put = vi.spyOn(store, 'put').mockImplementation(async (key, content, options) => {
      if (key.startsWith('status/')) written.push({ key, record: JSON.parse(new TextDecoder().decode(content.chunks[0])) });
      return original(key, content, options);
    });
    try {
      const job = await accepted(await post(await av.bigMp4(), ASYNC));
      await settled(`/v1/media/${job.id}`);
      const records = written.filter((w) => w.key === `status/${job.id}.json`).map((w) => w.record);
      const progress = records.filter((r) => r.status === 'processing' && r.progress !== undefined).map((r) => r.progress as number);
      expect(progress.length).toBeGreaterThan(0);
      // In order, each step a tenth at least past the one before (written to the hundredth), never 1 before the outcome.
      expect(progress.every((p, i) => p < 1 && (i === 0 ? p >= 0 : p >= progress[i - 1]! + 0.09 - 1e-9))).toBe(true);
      expect(records.at(-1)).toMatchObject({ status: 'ready', media_id: `${job.id}.mp4` });
    } finally {
      put.mockRestore();
    }
  });

  it('finishes in the background after the 202 has gone out over a real connection, which is then closed', async () => {
    const res = await fetch(`${t.baseUrl}/v1/media`, { method: 'POST', body: await av.bigMp4(), headers: { ...ASYNC, connection: 'close' } });
    const job = await accepted(res);
    const body = MediaStatusResponseSchema.parse(await (await settled(`/v1/media/${job.id}`)).json());
    expect(body).toMatchObject({ status: 'ready', media: { id: `${job.id}.mp4`, kind: 'video' } });
  });

  it('takes any kind, in multipart as well: an image', async () => {
    const job = await accepted(await post(form({}, [{ filename: 'dot.png', bytes: png(4, 4) }]), ASYNC));
    const body = MediaStatusResponseSchema.parse(await (await settled(`/v1/media/${job.id}`)).json());
    expect(body).toMatchObject({ status: 'ready', media: { id: expect.stringMatching(new RegExp(`^${job.id}\\.`)), kind: 'image' } });
  });

  it('reports a file refused during conversion as failed, with its code and sentence, and stores nothing', async () => {
    const job = await accepted(await post(av.mp4WithoutStreams(), ASYNC));
    const res = await settled(`/v1/media/${job.id}`);
    const error = await expectError(res, 422, 'unreadable_media');
    expect(error).toMatch(/holds no video or audio stream/);
    const body = ErrorSchema.parse(await (await t.app.request(`/v1/media/${job.id}`)).json());
    expect(body).toMatchObject({ success: false, status: 'failed', id: job.id });
    expect(await t.deps.store.head(`${job.id}.mp4`)).toBeNull();
  });

  it('answers a refusal that comes while the body is still being received on the request itself', async () => {
    const res = await post(new TextEncoder().encode('just some words, not a picture or a clip'), ASYNC);
    await expectError(res, 415, 'unsupported_media_type');
    expect(res.headers.get('preference-applied')).toBeNull();
  });

  it('reports a job still processing past its deadline (its instance stopped) as failed with media_processing_timeout', async () => {
    const id = 'AbandonedJob0123456789';
    const record = new TextEncoder().encode(JSON.stringify({ status: 'processing', started_at: '2026-01-01T00:00:00.000Z', deadline: '2026-01-01T00:04:00.000Z' }));
    await t.deps.store.put(`status/${id}.json`, { chunks: [record], size: record.length, sha256: '0'.repeat(64) }, { contentType: 'application/json' });
    const error = await expectError(await t.app.request(`/v1/media/${id}`), 504, 'media_processing_timeout');
    expect(error).toContain('2026-01-01T00:04:00.000Z');
  });

  it('a file stored before the request ended whose record cannot be written: 503 and nothing stored, not a 201 naming removed media', async () => {
    // Multipart whose epilogue is still arriving when the file is stored: answered as without the header (201).
    const file = pdf(20_000);
    const head = new TextEncoder().encode('--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n');
    let push!: (bytes: Uint8Array | null) => void;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = (bytes) => (bytes ? c.enqueue(bytes) : c.close())) });
    push(head);
    const status = join(t.dir, 'media/status');
    const before = new Set(await readdir(status).catch(() => []));
    const answer = fetch(`${t.baseUrl}/v1/media`, { method: 'POST', headers: { ...ASYNC, 'content-type': 'multipart/form-data; boundary=b' }, body, duplex: 'half' } as RequestInit);
    let record: string | undefined;
    await vi.waitUntil(async () => (record = (await readdir(status).catch(() => [])).find((f) => f.endsWith('.json') && !f.endsWith('.meta.json') && !before.has(f))));
    // The job's record becomes a folder that is not empty: its outcome cannot be written, as on a full disk.
    await rm(join(status, record!));
    await mkdir(join(status, record!));
    await writeFile(join(status, record!, 'x'), 'x');
    push(file);
    push(new TextEncoder().encode(`\r\n--b--\r\n${'an epilogue still arriving '.repeat(8000)}`));
    const res = await answer;
    push(null);
    await expectError(res, 503, 'storage_unavailable');
    expect(await t.deps.store.head(`${record!.slice(0, -'.json'.length)}.pdf`)).toBeNull();
  });

  it('answers 404 for a job id it never gave out, and for a job whose media was deleted', async () => {
    await expectError(await t.app.request('/v1/media/NeverGivenOut012345678'), 404, 'media_not_found');
    const job = await accepted(await post(png(2, 2), ASYNC));
    const body = MediaStatusResponseSchema.parse(await (await settled(`/v1/media/${job.id}`)).json());
    if (body.status !== 'ready') throw new Error(`still ${body.status}`);
    expect((await t.app.request(`/v1/media/${body.media.id}`, { method: 'DELETE' })).status).toBe(204);
    await expectError(await t.app.request(`/v1/media/${job.id}`), 404, 'media_not_found');
  });
});

describe('POST /v1/media without the header', () => {
  it('waits for the conversion and answers 201 with the media, as before', async () => {
    const res = await post(await av.deliverableMp4());
    expect(res.headers.get('preference-applied')).toBeNull();
    expect(res.headers.get('location')).toBeNull();
    const media = await expectMedia(res);
    expect(media).toMatchObject({ kind: 'video', extension: 'mp4' });
  });
});
