import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaStatusResponseSchema } from '../../src/http/schemas.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { startCuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { filesIn } from '../support/http.js';
import { hashWhatIsRead, paddedVideo, settledUpload, tusUpload } from '../support/tus.js';

/**
 * The phone on the train: tus-js-client sends a 60 MB video in 5 MB chunks through a proxy that drops the
 * connection twice in the middle of a PATCH. The client asks the server where it stopped and goes on from there;
 * the bytes the pipeline reads from staging are the file's, byte for byte, and it becomes a fitted MP4.
 */
const MB = 1024 * 1024;
let t: TestApp;
let proxy: CuttingProxy;
beforeAll(async () => {
  await av.warmAvFixtures();
  proxy = await startCuttingProxy({ cutAfter: 2.5 * MB });
  // Upload URLs (Location) and media URLs point at the proxy, which forwards to the service.
  t = await startTestApp((baseUrl) => {
    proxy.targetPort = Number(new URL(baseUrl).port);
    return { PUBLIC_BASE_URL: proxy.url };
  });
}, av.WARM_TIMEOUT_MS);
afterAll(async () => {
  await t?.close();
  await proxy?.close();
});

describe('a 60 MB upload cut off twice', () => {
  it('resumes where the server stopped each time and is processed from identical bytes', async () => {
    const input = await paddedVideo(60_000_000);
    const stagedHashes = hashWhatIsRead(t.deps.resumable!);

    proxy.arm([3, 8]);
    const up = await tusUpload(`${proxy.url}/v1/uploads`, input, { chunkSize: 5 * MB, metadata: { filename: 'train.mp4' } });

    expect(proxy.cuts).toHaveLength(2);
    expect(up.resumedFrom).toHaveLength(2);
    up.resumedFrom.forEach((offset, i) => {
      // What the server had kept of the cut PATCH: more than where it started, no more than what got through.
      const cut = proxy.cuts[i]!;
      expect(offset).toBeGreaterThan(cut.offset);
      expect(offset).toBeLessThanOrEqual(cut.offset + cut.forwarded);
    });
    const res = await settledUpload(proxy.url, up.id);
    const body = MediaStatusResponseSchema.parse(await res.json());
    if (body.status !== 'ready') throw new Error(`still ${body.status}`);
    expect(stagedHashes).toEqual([createHash('sha256').update(input).digest('hex')]);
    expect(body.media).toMatchObject({ id: `${up.id}.mp4`, kind: 'video', original: { filename: 'train.mp4', size: 60_000_000 } });
    expect(body.media.size).toBeLessThanOrEqual(600_000);
    const served = new Uint8Array(await (await fetch(body.media.url)).arrayBuffer());
    expect((await av.ffprobe(served)).streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264' });
    expect(await filesIn(`${t.dir}/media/uploads`)).toEqual([]);
  }, 120_000);
});
