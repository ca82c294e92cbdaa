import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegAv, findFfmpeg, type FfmpegTools } from '../../src/adapters/ffmpeg/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { sha256Hex } from '../support/direct-upload.js';
import { expectError, expectMedia, form } from '../support/http.js';

/**
 * A file that is already deliverable is told from its container headers in the service's own process and stored
 * byte for byte without running ffprobe; anything the reader cannot vouch for is probed as before. Seen from the
 * outside: a service whose ffprobe only writes down that it ran (and fails) keeps the deliverable files with the
 * same facts the real ffprobe gives, and sends every other file to it.
 */
let scratch: string;
let probeLog: string;
let real: TestApp;
let noProbe: TestApp;
const tools = findFfmpeg() as FfmpegTools;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mms-media-kept-'));
  probeLog = join(scratch, 'probes.log');
  const recordingProbe = join(scratch, 'ffprobe');
  await writeFile(recordingProbe, `#!/bin/sh\necho run >> '${probeLog}'\nexit 1\n`);
  await chmod(recordingProbe, 0o755);
  await av.warmAvFixtures();
  real = await startTestApp();
  const settings = { budgetBytes: 600_000, maxDimension: 640, maxInputSeconds: 600, threads: 1, timeoutMs: 60_000, concurrency: 1, queueLimit: 4, workRoot: join(scratch, 'work') };
  noProbe = await startTestApp({}, { av: new FfmpegAv({ ...settings, tools: { ...tools, ffprobe: recordingProbe } }) });
}, av.WARM_TIMEOUT_MS);
afterAll(async () => {
  await real?.close();
  await noProbe?.close();
  await rm(scratch, { recursive: true, force: true });
});

const probesRun = async () => (await readFile(probeLog, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
const upload = (app: TestApp, bytes: Uint8Array, filename: string, fields: Record<string, string> = {}) =>
  app.app.request('/v1/media', { method: 'POST', body: form(fields, [{ filename, bytes }]) });

describe('deliverable video and audio, kept without a probe', () => {
  it('an H.264 Baseline + AAC-LC MP4 within the budget: stored as sent, with the facts ffprobe gives', async () => {
    const bytes = await av.deliverableMp4();
    const before = await probesRun();
    const kept = await expectMedia(await upload(noProbe, bytes, 'clip.mp4'));
    expect(await probesRun()).toBe(before);
    const probed = await expectMedia(await upload(real, bytes, 'clip.mp4'));
    expect(kept).toMatchObject({ kind: 'video', transformations: [], sha256: sha256Hex(bytes), size: bytes.length });
    const facts = (m: typeof kept) => ({ duration: m.duration, width: m.width, height: m.height, original: m.original, transformations: m.transformations, sha256: m.sha256 });
    expect(facts(kept)).toEqual(facts(probed));
    expect(sha256Hex(new Uint8Array(await (await noProbe.app.request(new URL(kept.url).pathname)).arrayBuffer()))).toBe(sha256Hex(bytes));
  });

  it('a plain MP3 sent with optimize=off: stored as sent, with the duration ffprobe gives', async () => {
    const bytes = await av.plainMp3();
    const before = await probesRun();
    const kept = await expectMedia(await upload(noProbe, bytes, 'tone.mp3', { optimize: 'off' }));
    expect(await probesRun()).toBe(before);
    const probed = await expectMedia(await upload(real, bytes, 'tone.mp3', { optimize: 'off' }));
    expect(kept).toMatchObject({ kind: 'audio', transformations: [], sha256: sha256Hex(bytes), duration: probed.duration, original: probed.original });
  });

  it('a file the reader cannot vouch for (a location tag) still goes to ffprobe', async () => {
    const before = await probesRun();
    await expectError(await upload(noProbe, await av.deliverableMp4WithLocation(), 'clip.mp4'), 422, 'unreadable_media');
    expect(await probesRun()).toBe(before + 1);
    const remuxed = await expectMedia(await upload(real, await av.deliverableMp4WithLocation(), 'clip.mp4'));
    expect(remuxed.transformations).toContain('strip_metadata');
  });

  it('a deliverable file over VIDEO_MAX_INPUT_BYTES is refused (413) under optimize=off too, not kept', async () => {
    const bytes = await av.largeBaselineMp4();
    expect(bytes.length).toBeGreaterThan(1_000_000);
    const capped = await startTestApp({ VIDEO_MAX_INPUT_BYTES: '1000000' });
    try {
      await expectError(await upload(capped, bytes, 'large.mp4', { optimize: 'off' }), 413, 'file_too_large');
      expect(await expectMedia(await upload(real, bytes, 'large.mp4', { optimize: 'off' }))).toMatchObject({ transformations: [], size: bytes.length });
    } finally {
      await capped.close();
    }
  });

  it('a deliverable MP4 over the budget is not kept as sent: it goes to its probe, and is fitted', async () => {
    const bytes = await av.largeBaselineMp4(); // H.264 Baseline, index first, no tags: only its size is wrong
    expect(bytes.length).toBeGreaterThan(600_000);
    const before = await probesRun();
    await expectError(await upload(noProbe, bytes, 'large.mp4'), 422, 'unreadable_media');
    expect(await probesRun()).toBe(before + 1);
    const fitted = await expectMedia(await upload(real, bytes, 'large.mp4'));
    expect(fitted.size).toBeLessThanOrEqual(600_000);
    expect(fitted.transformations).toEqual([expect.stringMatching(/^bitrate:\d+k$/)]);
  });
});
