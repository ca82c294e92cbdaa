import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/core/errors.js';
import { startTestApp, type TestApp } from '../support/app.js';
import * as av from '../support/av-fixtures.js';
import { runCli } from '../support/cli.js';
import { startCuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';

/** The CLI on a connection that drops in the middle of its upload: tus-js-client resumes from the server's offset. */
const MB = 1024 * 1024;
let t: TestApp;
let proxy: CuttingProxy;
let dir: string;
beforeAll(async () => {
  proxy = await startCuttingProxy({ cutAfter: 2 * MB });
  proxy.arm([1]);
  t = await startTestApp((baseUrl) => {
    proxy.targetPort = Number(new URL(baseUrl).port);
    return { PUBLIC_BASE_URL: proxy.url };
  });
  dir = await mkdtemp(join(tmpdir(), 'mms-media-cli-resume-'));
});
afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('mms-media upload over a connection that drops', () => {
  it('resumes where the service stopped and hosts the file', async () => {
    // A short deliverable MP4 followed by a 6 MB `free` box of random bytes (which players skip): one 8 MiB chunk.
    const clip = await av.deliverableMp4();
    const box = Buffer.alloc(8);
    box.writeUInt32BE(6_000_000, 0);
    box.write('free', 4, 'latin1');
    const path = join(dir, 'train.mp4');
    await writeFile(path, Buffer.concat([clip, box, randomBytes(6_000_000 - 8)]));

    const run = await runCli(['upload', path, '--progress', 'plain'], { MMS_MEDIA_URL: proxy.url });

    expect(proxy.cuts).toEqual([{ offset: 0, forwarded: 2 * MB }]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${proxy.url}/media/[A-Za-z0-9_-]{22}\\.mp4  \\d+(\\.\\d)? KB  `));
    expect(run.stderr.split('\n').slice(-3)).toEqual([`train.mp4: 100% of ${formatBytes(clip.length + 6_000_000)} sent`, 'train.mp4: processing', '']);
  }, 60_000);
});
