import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { deliverableMp4 } from '../support/av-fixtures.js';
import { runCli } from '../support/cli.js';
import { startCuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';

/**
 * An upload stopped in the middle. A TCP proxy holds an upload's PATCH after its first megabyte (a stalled
 * network) while `holdAfter` is set, so the upload is surely under way when the CLI is stopped; other requests pass.
 * The service's PUBLIC_BASE_URL is the proxy's, as behind a load balancer: the upload's URL (Location) leads the
 * PATCHes through it too, not only the creating POST.
 */
const MB = 1024 * 1024;
let t: TestApp;
let proxy: CuttingProxy;
let dir: string;
beforeAll(async () => {
  proxy = await startCuttingProxy();
  proxy.holdAfter = MB;
  t = await startTestApp({ PUBLIC_BASE_URL: proxy.url });
  proxy.targetPort = Number(new URL(t.baseUrl).port);
  dir = await mkdtemp(join(tmpdir(), 'mms-media-cli-interrupt-'));
});
afterAll(async () => {
  await proxy.close();
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C during an upload', () => {
  it('stops it, deletes what the service had staged (tus termination), exit code 130', async () => {
    const path = join(dir, 'long.mp4');
    await writeFile(path, randomBytes(4 * MB));
    let sentInterrupt = false;
    const running = runCli(['upload', path, '--progress', 'plain'], { MMS_MEDIA_URL: proxy.url }, {
      onStderr: (soFar) => {
        if (sentInterrupt || !soFar.includes('long.mp4: 0% of')) return;
        sentInterrupt = true;
        // Once the service has some of the bytes: its staging folder holds the upload.
        const waitForStaged = async () => {
          while ((await readdir(join(t.dir, 'media/uploads/tus'))).length === 0) await new Promise((r) => setTimeout(r, 20));
          running.child.kill('SIGINT');
        };
        void waitForStaged();
      },
    });
    const run = await running;
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').slice(-2)).toEqual(['mms-media: The upload of long.mp4 was stopped (Ctrl-C) and removed from the service.', '']);
    expect(await readdir(join(t.dir, 'media/uploads/tus'))).toEqual([]);
  });

  it('a run killed outright (no cleanup) is resumed by running the same command again', async () => {
    // A short deliverable MP4 followed by a 3 MB `free` box (which players skip): accepted once it is all in.
    const clip = await deliverableMp4();
    const box = Buffer.alloc(8);
    box.writeUInt32BE(3_000_000, 0);
    box.write('free', 4, 'latin1');
    const path = join(dir, 'train.mp4');
    await writeFile(path, Buffer.concat([clip, box, randomBytes(3_000_000 - 8)]));
    const env = { MMS_MEDIA_URL: proxy.url, MMS_MEDIA_STATE_DIR: join(dir, 'state') };
    const staging = join(t.dir, 'media/uploads/tus');

    proxy.holdAfter = MB;
    const first = runCli(['upload', path], env);
    let staged: string | undefined;
    for (;;) {
      // Wait until the service holds a good part of what the proxy lets through (so that the next run starts past
      // 0 %), then kill the CLI as a crash or a closed laptop would.
      staged = (await readdir(staging)).find((name) => /^[A-Za-z0-9_-]{22}$/.test(name));
      if (staged && (await stat(join(staging, staged))).size > MB / 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    expect((await first).code).toBe(null);

    proxy.holdAfter = null;
    const second = await runCli(['upload', path, '--json', '--progress', 'plain'], env);
    expect(second.code).toBe(0);
    // The same upload went on: the media is named after it, and progress started past zero.
    expect(JSON.parse(second.stdout).files[0].media.id).toBe(`${staged}.mp4`);
    expect(second.stderr.split('\n')[0]).not.toMatch(/: 0% of/);
    expect(await readdir(staging)).toEqual([]);
  }, 60_000);

  it('a removal the service refuses is asked once: exit code 130 at once, saying it could not be removed', async () => {
    const path = join(dir, 'refused.mp4');
    await writeFile(path, randomBytes(4 * MB));
    const staging = join(t.dir, 'media/uploads/tus');
    proxy.holdAfter = MB;
    // The service answers every DELETE (tus termination) 503, as one whose storage has just gone would.
    const tus = t.deps.resumable!;
    const handle = tus.handle.bind(tus);
    let deletesRefused = 0;
    const refusing = vi.spyOn(tus, 'handle').mockImplementation(async (request, hooks) => {
      if (request.method !== 'DELETE') return handle(request, hooks);
      deletesRefused++;
      return new Response(null, { status: 503 });
    });
    try {
      let sentInterrupt = false;
      const running = runCli(['upload', path, '--progress', 'plain'], { MMS_MEDIA_URL: proxy.url, MMS_MEDIA_STATE_DIR: join(dir, 'refused-state') }, {
        onStderr: (soFar) => {
          if (sentInterrupt || !soFar.includes('refused.mp4: 0% of')) return;
          sentInterrupt = true;
          const waitForStaged = async () => {
            while ((await readdir(staging)).length === 0) await new Promise((r) => setTimeout(r, 20));
            running.child.kill('SIGINT');
          };
          void waitForStaged();
        },
      });
      const run = await running;
      expect(deletesRefused).toBe(1);
      expect(run.code).toBe(130);
      expect(run.stderr.split('\n').at(-2)).toMatch(
        /^mms-media: The upload of refused\.mp4 was stopped \(Ctrl-C\), but the service could not remove it: if its last byte had arrived, it is being hosted \(see http:\/\/127\.0\.0\.1:\d+\/v1\/uploads\/[A-Za-z0-9_-]{22}\/media\)\.$/,
      );
    } finally {
      refusing.mockRestore();
    }
  }, 60_000);
});
