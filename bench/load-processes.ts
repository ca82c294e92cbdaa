/**
 * The processes of `npm run bench:load`: the S3 emulator and the bare relay (run as roles of load.ts), the service
 * as `npm start` runs it, and what the bench reads of each (CPU seconds, peak RSS) from /proc.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createS3Client } from '../src/adapters/s3-store.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUCKET = 'mms-media-bench';
export const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };


/**
 * The service as `npm start` starts it: scripts/start.sh, which builds dist/ when a source is newer and runs
 * `node dist/node/main.js` with the environment it sets (MALLOC_ARENA_MAX unless already set, so a value in the
 * bench's own environment wins). BENCH_SERVICE_NODE_ARGS go to node, before the entry. The shell execs node, so
 * the child's pid is the service's own (its CPU time and VmHWM are the service's).
 */
export const SERVICE: [string, ...string[]] = ['sh', 'scripts/start.sh', ...(process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
export const SERVICE_ENV = Object.fromEntries(['MALLOC_ARENA_MAX', 'HOME'].flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));

export async function runEmulator(): Promise<void> {
  const { startS3Server } = await import('../test/support/s3-server.js');
  const s3 = await startS3Server(BUCKET);
  process.once('SIGTERM', () => void s3.stop().finally(() => process.exit(0)));
  console.log(JSON.stringify({ ready: true, endpoint: s3.endpoint, dir: s3.dir }));
}

/** The floor for any service in the middle: the raw request body piped into PutObject, nothing else. */
export async function runRelay(): Promise<void> {
  const client = createS3Client({ region: 'us-east-1', endpoint: process.env.S3_ENDPOINT!, forcePathStyle: true, credentials: CREDENTIALS });
  let n = 0;
  const server = http.createServer((req, res) => {
    const key = `relay/${process.pid}-${n++}`;
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: req, ContentLength: Number(req.headers['content-length']) })).then(
      () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ key })),
      (err: Error) => res.writeHead(502).end(String(err)),
    );
  });
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port })));
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    client.destroy();
    process.exit(0);
  });
}
export interface Child {
  proc: ChildProcess;
  ready: Promise<Record<string, unknown>>;
  output: string[];
}

export function start(command: [string, ...string[]], env: Record<string, string>, waitForLine: boolean): Child {
  const proc = spawn(command[0], command.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  const output: string[] = [];
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffered = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl; (nl = buffered.indexOf('\n')) !== -1; buffered = buffered.slice(nl + 1)) {
        const line = buffered.slice(0, nl);
        output.push(line);
        if (output.length > 50) output.shift();
        if (waitForLine && line.startsWith('{"ready":true')) resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      output.push(...chunk.toString().split('\n').filter(Boolean));
      output.splice(0, Math.max(0, output.length - 50));
    });
    proc.once('exit', (code) => reject(new Error(`${command.join(' ')} exited (${code}):\n${output.join('\n')}`)));
    if (!waitForLine) resolve({});
  });
  ready.catch(() => {});
  return { proc, ready, output };
}

export async function stop(child: Pick<Child, 'proc'>): Promise<void> {
  if (child.proc.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));

export function procStatus(pid: number, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : undefined;
}

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime (fields 14 and 15 of the line)
}
/** CPU seconds the whole machine has spent busy (all cores, all processes, the kernel), from /proc/stat. */
export function machineBusySeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq] = fields.map(Number) as number[];
  return (user! + nice! + system! + irq! + softirq!) / TICKS;
}

export const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export async function waitHealthy(port: number, child: Child): Promise<void> {
  for (const until = Date.now() + 30_000; Date.now() < until; ) {
    if (child.proc.exitCode !== null) throw new Error(`the service exited (${child.proc.exitCode}):\n${child.output.join('\n')}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the service did not answer /healthz within 30 s:\n${child.output.join('\n')}`);
}

/** Empties the bucket between rows (objects live on the emulator's disk), keeping the emulator's own files. */
export async function emptyBucket(dir: string): Promise<void> {
  const root = join(dir, BUCKET);
  for (const entry of await readdir(root)) if (!entry.startsWith('._S3rver')) await rm(join(root, entry), { recursive: true, force: true, maxRetries: 5 }); // a background job may still be writing
}
