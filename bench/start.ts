/**
 * `npm run bench:start [-- --runs 5]`: how long the service takes from its start command to answering
 * GET /healthz, measured from outside as a user sees it, beside the floor of node starting the compiled entry
 * itself (no npm, no shell, no freshness check), in the same run:
 *
 *   npm start                      the README's command, with dist/ up to date (every start but the first)
 *   npm start, a source changed    the same after touching a source file: it builds first
 *   node dist/node/main.js         the floor
 *
 * Each start gets its own port and a temporary storage folder, runs with the embedded defaults otherwise
 * (local storage, dry-run sends), and is stopped with SIGTERM once it answers. /healthz is polled every 10 ms.
 * Rows alternate run by run, so load from elsewhere on the machine falls on each alike; it is printed.
 * Bounded: a start that does not answer within 60 s fails the run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from './free-port.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIMEOUT_MS = 60_000;

interface Row {
  name: string;
  command: string[];
  before?: () => void;
  ms: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`--runs must be a whole number from 1 to 50 (got "${values.runs}")`);

  // A source touched (its content unchanged) is a source changed, as far as the start command can tell.
  const touch = () => {
    const now = new Date();
    utimesSync(join(ROOT, 'src/node/main.ts'), now, now);
  };
  const rows: Row[] = [
    { name: 'npm start', command: ['npm', 'start', '--silent'], ms: [] },
    { name: 'npm start, a source changed', command: ['npm', 'start', '--silent'], before: touch, ms: [] },
    { name: 'node dist/node/main.js', command: [process.execPath, 'dist/node/main.js'], ms: [] },
  ];
  const load = loadavg()[0]!;
  console.log(`# start to ready\n\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${load.toFixed(2)} at the start`);
  await timeStart(rows[0]!.command); // builds dist/ if it is missing or stale, so that the first row starts built
  for (let run = 0; run < runs; run++) {
    for (const row of rows) {
      row.before?.();
      row.ms.push(await timeStart(row.command));
    }
    console.error(`run ${run + 1}/${runs} done`);
  }
  console.log(`load average ${loadavg()[0]!.toFixed(2)} at the end\n`);
  console.log(`| command | runs | min ms | median ms | max ms |\n|---|---:|---:|---:|---:|`);
  for (const row of rows) {
    const sorted = [...row.ms].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    console.log(`| ${row.name} | ${runs} | ${sorted[0]!.toFixed(0)} | ${median.toFixed(0)} | ${sorted.at(-1)!.toFixed(0)} |`);
  }
}

/** Milliseconds from spawning `command` to its first 200 from /healthz; the process is then stopped. */
async function timeStart(command: string[]): Promise<number> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-start-'));
  const started = performance.now();
  const proc = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), HOST: '127.0.0.1', LOCAL_STORAGE_DIR: dir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true, // its own process group: npm, the shell and node are stopped together
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`${command.join(' ')} exited (${proc.exitCode}) before it answered`);
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`${command.join(' ')} did not answer /healthz within ${TIMEOUT_MS / 1000} s`);
      if (await healthy(port)) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    if (proc.exitCode === null) process.kill(-proc.pid!, 'SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

await main();
