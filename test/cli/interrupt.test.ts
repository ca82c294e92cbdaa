import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { runCli } from '../support/cli.js';

/**
 * Ctrl-C in the middle of an upload. A TCP proxy holds the upload's PATCH after its first megabyte (a stalled
 * network), so the upload is surely under way when the signal comes; every other request passes.
 */
const MB = 1024 * 1024;
let t: TestApp;
let proxy: Server;
let proxyUrl: string;
const sockets = new Set<Socket>();
let dir: string;
beforeAll(async () => {
  t = await startTestApp();
  const target = Number(new URL(t.baseUrl).port);
  proxy = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
    }
    let patchBytes = -1; // counting once a PATCH starts on this connection
    client.on('data', (chunk: Buffer) => {
      if (chunk.toString('latin1', 0, 6) === 'PATCH ') patchBytes = 0;
      if (patchBytes >= 0) {
        patchBytes += chunk.length;
        if (patchBytes > MB) return client.pause(); // held: nothing more goes through
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'mms-media-cli-interrupt-'));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => proxy.close(resolve));
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C during an upload', () => {
  it('stops it, deletes what the service had staged (tus termination), exit code 130', async () => {
    const path = join(dir, 'long.mp4');
    await writeFile(path, randomBytes(4 * MB));
    let sentInterrupt = false;
    const running = runCli(['upload', path, '--progress', 'plain'], { MMS_MEDIA_URL: proxyUrl }, {
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
});
