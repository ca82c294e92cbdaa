import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '../../src/adapters/json-logger.js';
import { LocalStore } from '../../src/adapters/local-store.js';
import { sha256 } from '../../src/adapters/sha256.js';
import { AppError } from '../../src/core/errors.js';
import { MediaService } from '../../src/core/media-service.js';
import { Limits, refuseAv } from '../../src/core/policy.js';
import type { AvProcessor, ProcessedAv } from '../../src/core/ports.js';
import * as fx from '../support/fixtures.js';
import { processor } from '../images/fixtures.js';

/**
 * How the service hands video and audio to a converter: the bytes as they arrive (a large input is never gathered
 * in memory here), refused as soon as they pass the limit, and the converter's file let go on every path. The
 * converter is a recording stand-in; what ffmpeg does with the bytes is tested in test/av/.
 */
const MB = 1_000_000;
let dir: string;
const images = processor();
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mms-media-av-upload-'));
});
afterAll(async () => {
  await images.close();
  await rm(dir, { recursive: true, force: true });
});

/** A body of `chunks` pieces of 1 MB, the first an MP4's first bytes, counting how many pieces have been pulled. */
function lazyVideo(chunks: number) {
  const state = { pulled: 0 };
  const first = fx.mp4(MB);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (state.pulled === chunks) return c.close();
        c.enqueue(state.pulled === 0 ? first : new Uint8Array(MB).fill(state.pulled));
        state.pulled++;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** A converter that records what it is given and when, then answers with `answer`. */
function recordingAv(answer: (written: number) => Promise<ProcessedAv>, pulled: () => number) {
  const log = { writes: [] as Array<{ bytes: number; pulledBefore: number }>, closed: 0, opened: 0 };
  const av: AvProcessor = {
    converts: true,
    accepts: (d) => d.ext === 'mp4',
    async open() {
      log.opened++;
      let written = 0;
      return {
        write: async (chunk) => {
          log.writes.push({ bytes: chunk.length, pulledBefore: pulled() });
          written += chunk.length;
        },
        process: async () => answer(written),
        close: async () => void log.closed++,
      };
    },
  };
  return { av, log };
}

const small: ProcessedAv = { bytes: new Uint8Array(1000).fill(7), extension: 'mp4', contentType: 'video/mp4', kind: 'video', duration: 2, width: 360, height: 640, original: { duration: 2, codecs: ['hevc', 'aac'] }, transformations: ['bitrate:100k'] };

const service = (av: AvProcessor, videoBytes = 200 * MB) =>
  new MediaService({
    store: new LocalStore(dir, 'http://localhost'),
    images,
    av,
    limits: new Limits({ profile: 'safe', processedInputBytes: { image: 25 * MB, video: videoBytes, audio: videoBytes } }),
    sha256,
    logger: jsonLogger('error', () => undefined),
  });

describe('video and audio uploads reach the converter as they arrive', () => {
  it('writes each piece before the next is read, and stores what the converter made', async () => {
    const body = lazyVideo(30);
    const { av, log } = recordingAv(async (written) => (expect(written).toBe(30 * MB), small), () => body.state.pulled);
    const media = await service(av).host({ body: body.stream, filename: 'big.mp4' });
    // The first piece, read to sniff the type, goes over in the service's pooled blocks; every later piece as it came.
    const rest = log.writes.slice(-29);
    expect(log.writes.reduce((n, w) => n + w.bytes, 0)).toBe(30 * MB);
    expect(rest.map((w) => w.bytes)).toEqual(Array(29).fill(MB));
    // Piece k is written once k + 1 pieces have been read (k + 2 at most: the stream may read one ahead).
    expect(Math.max(...rest.map((w, i) => w.pulledBefore - (i + 2)))).toBeLessThanOrEqual(1);
    expect(media).toMatchObject({ kind: 'video', size: 1000, duration: 2, width: 360, height: 640, transformations: ['bitrate:100k'] });
    expect(media.original).toEqual({ filename: 'big.mp4', content_type: null, size: 30 * MB, duration: 2, codecs: ['hevc', 'aac'] });
    expect(log.closed).toBe(1);
  });

  it('stops reading past the limit, lets the converter’s file go, and stores nothing', async () => {
    const body = lazyVideo(30);
    const { av, log } = recordingAv(async () => small, () => body.state.pulled);
    const before = await readdir(dir);
    await expect(service(av, 5 * MB).host({ body: body.stream })).rejects.toMatchObject({
      status: 413,
      message: 'The file is larger than 5 MB, the limit for videos before processing.',
    });
    expect(body.state.pulled).toBe(6);
    expect([log.opened, log.closed]).toEqual([1, 1]);
    expect(await readdir(dir)).toEqual(before);
  });

  it('lets the converter’s file go when the conversion is refused', async () => {
    const body = lazyVideo(2);
    const { av, log } = recordingAv(async () => {
      throw refuseAv.timedOut('video', 120);
    }, () => body.state.pulled);
    const refused = await service(av).host({ body: body.stream }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('media_processing_timeout');
    expect(log.closed).toBe(1);
  });

  it('reads no further when the converter turns the file away at once (503)', async () => {
    const body = lazyVideo(30);
    const av: AvProcessor = { converts: true, accepts: () => true, open: async () => Promise.reject(refuseAv.busy(2)) };
    await expect(service(av).host({ body: body.stream })).rejects.toMatchObject({ status: 503, code: 'server_busy', headers: { 'Retry-After': '2' } });
    expect(body.state.pulled).toBe(1);
  });
});
