import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegAv, findFfmpeg, type FfmpegTools } from '../../src/adapters/ffmpeg/index.js';
import { jsonLogger } from '../../src/adapters/json-logger.js';
import { WorkDirs } from '../../src/adapters/ffmpeg/workdir.js';
import { AppError } from '../../src/core/errors.js';
import { resolveAvOptions } from '../../src/core/policy.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { expectError, expectMedia, form } from '../support/http.js';
import { startMediaServer, type MediaServer } from '../support/media-server.js';

/** Bad and hostile inputs: refused with a clear error, before decoding where the probe can tell, leaving nothing behind. */
let scratch: string;
let recorder: MediaServer;
let t: TestApp;
const tools = findFfmpeg() as FfmpegTools;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mms-media-av-safety-'));
  recorder = await startMediaServer();
  t = await startTestApp();
  await av.warmAvFixtures();
}, av.WARM_TIMEOUT_MS);
afterAll(async () => {
  await t.close();
  await recorder.close();
  await rm(scratch, { recursive: true, force: true });
});

const processor = (options: Partial<ConstructorParameters<typeof FfmpegAv>[0]> = {}) =>
  new FfmpegAv({ tools, budgetBytes: 600_000, maxDimension: 640, maxInputSeconds: 600, threads: 1, timeoutMs: 60_000, concurrency: 1, queueLimit: 4, workRoot: join(scratch, 'work'), ...options });

/** One file through the adapter as the service hands it over, the detected type given (as if sniffing had been fooled). */
async function convert(p: FfmpegAv, bytes: Uint8Array, detected: { ext: string; mime: string }) {
  const upload = await p.open(detected);
  try {
    await upload.write(bytes);
    return await upload.process(resolveAvOptions());
  } finally {
    await upload.close();
  }
}
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (err: unknown) => {
      if (!(err instanceof AppError)) throw err;
      return { status: err.status, code: err.code, message: err.message };
    },
  );
const upload = (app: TestApp, bytes: Uint8Array, filename: string) => app.app.request('/v1/media', { method: 'POST', body: form({}, [{ filename, bytes }]) });
/** This process's work folders: none may outlive its request. */
const workFolders = async () => (await readdir(join(tmpdir(), 'mms-media-av')).catch(() => [] as string[])).filter((n) => n.startsWith(`${process.pid}.`));

describe('playlists disguised as video', () => {
  const playlists = () => ({
    hls: `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n${recorder.url('/segment.ts')}\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n`,
    concat: `ffconcat version 1.0\nfile '${recorder.url('/part.mp4')}'\nfile '/etc/passwd'\n`,
  });

  it('are refused from their bytes (415) before any converter runs: no request, no work folder', async () => {
    for (const [name, text] of Object.entries(playlists())) {
      const message = await expectError(await upload(t, Buffer.from(text), `${name}.mp4`), 415, 'unsupported_media_type');
      expect(message).toMatch(/^The type of this file could not be recognised from its contents/);
    }
    expect(recorder.requests).toEqual([]);
    expect(await workFolders()).toEqual([]);
  });

  it('are not followed even when taken for media: the demuxer is forced to the sniffed format', async () => {
    const canary = join(scratch, 'canary.mp4');
    await writeFile(canary, await av.deliverableMp4());
    const hls = `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile:${canary}\n#EXTINF:2,\n${recorder.url('/segment.ts')}\n#EXT-X-ENDLIST\n`;
    const p = processor();
    for (const detected of [{ ext: 'mp4', mime: 'video/mp4' }, { ext: 'mp3', mime: 'audio/mpeg' }, { ext: 'ogg', mime: 'audio/ogg' }]) {
      expect(await refusal(convert(p, Buffer.from(hls), detected))).toMatchObject({ status: 422, code: 'unreadable_media' });
    }
    expect(recorder.requests).toEqual([]);
    expect(await readdir(join(scratch, 'work'))).toEqual([]);
  });
});

describe('files the probe refuses before decoding', () => {
  it('a MOV cut short (no index) is unreadable', async () => {
    const whole = await av.phoneMov();
    expect(await expectError(await upload(t, whole.subarray(0, Math.floor(whole.length * 0.6)), 'IMG.MOV'), 422, 'unreadable_media')).toBe(
      'The QuickTime (MOV) file could not be read: it is corrupt or incomplete (was the upload cut short?). Send the original file again.',
    );
  });

  it('an MP4 with no stream has nothing to play', async () => {
    expect(await expectError(await upload(t, av.mp4WithoutStreams(), 'empty.mp4'), 422, 'unreadable_media')).toBe(
      'The MP4 file holds no video or audio stream: there is nothing to play. Send the original recording.',
    );
  });

  it('8K at 240 frames a second is too many pixels', async () => {
    expect(await expectError(await upload(t, await av.fast8k(), '8k.mp4'), 422, 'media_too_many_pixels')).toBe(
      'The video is 7680×4320 at 240 frames a second; videos up to 8K (7680×4320) at 30 frames a second are taken. Send a smaller one.',
    );
  });

  it('three hours of audio is over MEDIA_MAX_INPUT_SECONDS, from its header alone', async () => {
    const stats: string[] = [];
    const p = processor({ observe: (s) => stats.push(s.action) });
    expect(await refusal(convert(p, await av.threeHourMp3(), { ext: 'mp3', mime: 'audio/mpeg' }))).toEqual({
      status: 422,
      code: 'input_too_long',
      message: 'This audio file is 3 h long; files up to 10 min are taken for processing. Send a shorter one.',
    });
    expect(stats).toEqual([]); // refused before any encode
  });

  it('a live recording (no duration in its header) longer than MEDIA_MAX_INPUT_SECONDS: counted only past the limit, and said so', async () => {
    expect(await refusal(convert(processor({ maxInputSeconds: 1 }), await av.liveWebm(4), { ext: 'webm', mime: 'video/webm' }))).toEqual({
      status: 422,
      code: 'input_too_long',
      message: 'This video is longer than 1 s; files up to 1 s are taken for processing. Send a shorter one.',
    });
  });

  it('a file over VIDEO_MAX_INPUT_BYTES is refused as it arrives', async () => {
    const small = await startTestApp({ VIDEO_MAX_INPUT_BYTES: '1000000' });
    try {
      expect(await expectError(await upload(small, await av.bigMp4(), 'big.mp4'), 413, 'file_too_large')).toBe('The file is larger than 1 MB, the limit for videos before processing.');
    } finally {
      await small.close();
    }
  });
});

describe('bounded work', () => {
  /** An ffmpeg that never finishes: it notes its pid, then sleeps. */
  async function stuckFfmpeg(): Promise<{ path: string; pid: () => Promise<number> }> {
    const path = join(scratch, 'stuck-ffmpeg');
    const pidFile = join(scratch, 'stuck.pid');
    await writeFile(path, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`);
    await chmod(path, 0o755);
    return { path, pid: async () => Number(await readFile(pidFile, 'utf8')) };
  }

  it('kills a conversion past MEDIA_PROCESS_TIMEOUT_MS, answers 422 and removes its folder', async () => {
    const stuck = await stuckFfmpeg();
    const lines: string[] = [];
    const p = processor({ tools: { ...tools, ffmpeg: stuck.path }, timeoutMs: 1_000, logger: jsonLogger('warn', (line) => lines.push(line)) });
    expect(await refusal(convert(p, await av.bigMp4(), { ext: 'mp4', mime: 'video/mp4' }))).toEqual({
      status: 422,
      code: 'media_processing_timeout',
      message: 'Converting this video took longer than 1 s, so it was stopped and nothing was stored. Send a shorter or smaller one.',
    });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'video or audio conversion refused', code: 'media_processing_timeout', format: 'mp4' }),
    ]);
    const pid = await stuck.pid();
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(await readdir(join(scratch, 'work'))).toEqual([]);
  });

  it('turns a file that needs converting away with 503 server_busy and Retry-After once the slots and the queue are full', async () => {
    const stuck = await stuckFfmpeg();
    const p = processor({ tools: { ...tools, ffmpeg: stuck.path }, timeoutMs: 2_000, concurrency: 1, queueLimit: 0 });
    const running = refusal(convert(p, await av.bigMp4(), { ext: 'mp4', mime: 'video/mp4' }));
    await expect.poll(() => p.stats().active).toBe(1);
    const busy = await convert(p, await av.bigMp4(), { ext: 'mp4', mime: 'video/mp4' }).catch((err: unknown) => err);
    expect(busy).toMatchObject({ status: 503, code: 'server_busy', headers: { 'Retry-After': '1' } });
    expect((busy as AppError).message).toBe('Too many videos and audio files are being converted right now; try again in 1 second.');
    expect(await running).toMatchObject({ code: 'media_processing_timeout' });
  });

  it('keeps a deliverable file while another holds the only conversion slot: it needs a probe, not a turn to convert', async () => {
    const stuck = await stuckFfmpeg();
    const p = processor({ tools: { ...tools, ffmpeg: stuck.path }, timeoutMs: 3_000, concurrency: 1, queueLimit: 0 });
    const running = refusal(convert(p, await av.bigMp4(), { ext: 'mp4', mime: 'video/mp4' }));
    await expect.poll(() => p.stats().active).toBe(1);
    const kept = await convert(p, await av.deliverableMp4(), { ext: 'mp4', mime: 'video/mp4' });
    expect(kept).toMatchObject({ extension: 'mp4', transformations: [] });
    expect(Buffer.from(kept.bytes).equals(await av.deliverableMp4())).toBe(true);
    expect(p.stats().active).toBe(1); // the stuck conversion is still running
    expect(await running).toMatchObject({ code: 'media_processing_timeout' });
  });

  it('sweeps the folders a dead process left, and only those', async () => {
    const root = join(scratch, 'sweep');
    const dirs = new WorkDirs(root);
    const mine = await dirs.create();
    await mkdir(join(root, '999999999.1700000000-abc123'), { recursive: true });
    await writeFile(join(root, '999999999.1700000000-abc123', 'input'), 'left over');
    expect(await dirs.sweep()).toBe(1);
    expect(await readdir(root)).toEqual([mine.slice(root.length + 1)]);
  });
});

describe('without ffmpeg', () => {
  let bare: TestApp;
  beforeAll(async () => {
    bare = await startTestApp({ FFMPEG_PATH: '/nonexistent/ffmpeg', LOG_LEVEL: 'warn' });
  });
  afterAll(() => bare.close());

  it('starts with one warning, stores deliverable MP4 with its pictures and sound as sent, and answers 422 for what needs converting', async () => {
    const warnings = bare.logs.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === 'warn' && l.msg.includes('ffmpeg'));
    expect(warnings.map((w) => w.msg)).toEqual([
      'video and audio conversion is unavailable: ffmpeg was not found (/nonexistent/ffmpeg). Install ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH; until then only deliverable MP4, 3GP, MP3, WAV and Ogg files are stored, as sent.',
    ]);
    expect(await (await bare.app.request('/readyz')).json()).toEqual({ status: 'ready', media_conversion: 'unavailable' });
    expect(await (await t.app.request('/readyz')).json()).toEqual({ status: 'ready' });
    const ready = await av.deliverableMp4();
    // Its only tag is the muxer's name in udta, cut in place: a few dozen bytes fewer, nothing else changed.
    const kept = await expectMedia(await upload(bare, ready, 'ready.mp4'));
    expect(kept.transformations).toEqual(['strip_metadata']);
    expect(kept.size).toBeLessThan(ready.length);
    expect(kept.size).toBeGreaterThan(ready.length - 200);
    expect(await expectError(await upload(bare, await av.phoneMov(), 'IMG.MOV'), 422, 'media_processing_unavailable')).toBe(
      'This file needs converting (it is QuickTime (MOV), which must be converted to MP4 (video) or MP3 (audio) for carriers to take it), and this server has no ffmpeg: install it (apt-get install ffmpeg on Debian or Ubuntu), or point FFMPEG_PATH and FFPROBE_PATH at it, and restart the service. An MP4 (H.264 and AAC) or MP3 under 600 KB is stored as it is.',
    );
  });
});
