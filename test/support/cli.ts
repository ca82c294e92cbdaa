import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI's source entry; run through tsx's loader in a plain node process (what `npm run cli` does). */
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Unfinished uploads are remembered here, not in the home folder of whoever runs the tests. */
const STATE_DIR = join(tmpdir(), `mms-media-cli-state-${process.pid}`);
/** tsx's loader by its full address, so the CLI can run from any working directory (a test's temp folder). */
const TSX = import.meta.resolve('tsx');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `mms-media ARGS…` as a real child process, with only PATH and HOME from this process's environment, a
 * state folder of its own, plus
 * `env` (so no MMS_MEDIA_* set on the machine leaks in). Asynchronous: the service under test runs in this
 * process and must keep answering while the CLI talks to it. `onStderr` sees stderr as it arrives.
 */
export function runCli(args: string[], env: Record<string, string> = {}, options: { onStderr?: (soFar: string) => void; cwd?: string } = {}): Promise<CliRun> & { child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MMS_MEDIA_STATE_DIR: STATE_DIR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    options.onStderr?.(stderr);
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return Object.assign(done, { child });
}
