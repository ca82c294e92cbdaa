import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  /** The last few kilobytes ffmpeg wrote about what went wrong, for the logs. */
  stderr: string;
  timedOut: boolean;
}

/** What a tool may print before the rest is dropped: ffprobe's JSON for a file with many streams fits easily. */
const MAX_STDOUT = 1024 * 1024;
const STDERR_TAIL = 4096;

/**
 * Runs ffmpeg or ffprobe as a child process: an argument array (never a shell), no standard input, off the event
 * loop. Killed (SIGKILL) when it runs past `timeoutMs`; the result says so. Never rejects for the tool's own
 * failure (see `code`), only when it cannot be started.
 */
export function runTool(path: string, args: readonly string[], options: { timeoutMs: number; cwd: string; onStdout?: (text: string) => void }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      if (stdout.length < MAX_STDOUT) stdout += s;
      options.onStdout?.(s);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-STDERR_TAIL);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, Math.max(1, options.timeoutMs));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}
