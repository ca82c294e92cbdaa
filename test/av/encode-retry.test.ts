import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegAv, findFfmpeg, type FfmpegTools } from '../../src/adapters/ffmpeg/index.js';
import type { AvStats } from '../../src/adapters/ffmpeg/convert.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { expectMedia, form } from '../support/http.js';

/**
 * x264 at an average bit rate can overshoot on a short, busy clip; the converter then encodes once more with the
 * plan lowered by the overshoot. Seen from the outside through the converter's own count of its encodes.
 */
const BUDGET = 600_000;
let scratch: string;
let app: TestApp;
const stats: AvStats[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mms-media-retry-'));
  const settings = { budgetBytes: BUDGET, maxDimension: 640, maxInputSeconds: 600, threads: 1, timeoutMs: 60_000, concurrency: 1, queueLimit: 4, workRoot: scratch };
  app = await startTestApp({}, { av: new FfmpegAv({ ...settings, tools: findFfmpeg() as FfmpegTools, observe: (s) => stats.push(s) }) });
}, av.WARM_TIMEOUT_MS);
afterAll(async () => {
  await app?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('a first encode over the budget', () => {
  it('is encoded once more at a lower bit rate, which fits; both files are gone afterwards', async () => {
    // 2 s of 640×360 noise at 8 Mbit/s: x264 overshoots the bit rate planned for 600 KB.
    const input = await av.largeBaselineMp4();
    const res = await app.app.request('/v1/media', { method: 'POST', body: form({}, [{ filename: 'busy.mp4', bytes: input }]) });
    const media = await expectMedia(res);
    expect(stats).toEqual([{ kind: 'video', action: 'encode', encodes: 2, bytes: media.size }]);
    expect(media.size).toBeLessThanOrEqual(BUDGET);
    expect(media.transformations).toEqual([expect.stringMatching(/^bitrate:\d+k$/)]);
    const probed = await av.ffprobe(new Uint8Array(await (await fetch(media.url)).arrayBuffer()));
    expect(probed.streams[0]).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline', width: 640, height: 360 });
    expect(await readdir(scratch)).toEqual([]);
  });
});
