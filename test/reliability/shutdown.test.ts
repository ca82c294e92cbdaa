import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as fx from '../support/fixtures.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('SIGTERM', () => {
  it('lets an upload in flight finish, refuses new connections, and exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mms-shutdown-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], {
      // TMPDIR: its own, so that work folders other processes left in the shared one are not swept (and logged) here.
      env: { ...process.env, TMPDIR: dir, PORT: String(port), LOCAL_STORAGE_DIR: dir, SHUTDOWN_GRACE_MS: '10000', LOG_LEVEL: 'info', API_KEYS: '', TELI_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      for (let i = 0; i < 200 && !out.includes('mms-media listening'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain('mms-media listening');

      const file = fx.pdf(200_000);
      const socket = connect(port, '127.0.0.1');
      let response = '';
      socket.on('data', (d) => (response += d));
      const answered = new Promise<void>((resolve) => socket.on('end', resolve).on('close', resolve));
      await new Promise<void>((resolve) => socket.on('connect', resolve));
      socket.write(`POST /v1/media HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${file.length}\r\n\r\n`);
      socket.write(file.subarray(0, 100_000));
      await new Promise((r) => setTimeout(r, 200));

      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      const refused = await new Promise<boolean>((resolve) => {
        const probe = connect(port, '127.0.0.1');
        probe.on('connect', () => (probe.destroy(), resolve(false)));
        probe.on('error', () => resolve(true));
      });
      expect(refused).toBe(true);

      socket.write(file.subarray(100_000));
      await answered;
      const [head = '', body = ''] = response.split('\r\n\r\n');
      expect(head.split('\r\n')[0]).toBe('HTTP/1.1 201 Created');
      expect(JSON.parse(body).media).toMatchObject({ content_type: 'application/pdf', size: file.length, sha256: createHash('sha256').update(file).digest('hex') });
      expect(await exited).toBe(0);
      // It stopped because the last request finished ("stopped"), not because the grace period ran out.
      const lines = out.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.level, l.msg])).toEqual([
        ['warn', 'API_KEYS is not set: requests need no key. This is allowed only on a loopback HOST; set API_KEYS before exposing the service.'],
        ['warn', 'TELI_API_KEY is not set: sends are dry runs and nothing reaches the send endpoint.'],
        ['info', 'memory bound'],
        ['info', 'mms-media listening'],
        ['info', 'shutting down: no new connections, finishing requests in flight'],
        ['info', 'request'],
        ['info', 'stopped'],
      ]);
      expect(lines[3]).toMatchObject({ url: `http://127.0.0.1:${port}`, storage: 'local' });
      expect(lines[4]).toMatchObject({ signal: 'SIGTERM', grace_ms: 10_000 });
      expect(lines[5]).toMatchObject({ method: 'POST', path: '/v1/media', status: 201, media_kind: 'document', media_size: file.length });
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
