import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REDOCLY = fileURLToPath(new URL('../../node_modules/.bin/redocly', import.meta.url));

export interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: 'error' | 'warn'; message: string; location: Array<{ pointer: string }> }>;
}

/**
 * `redocly lint` with its built-in recommended rules (no redocly.yaml in the repo), as docs/api.md tells people to
 * run it. The CLI bundles its core, so it is run as a process on a copy of the document; no telemetry, no update check.
 */
export async function redoclyLint(document: unknown): Promise<LintReport> {
  const dir = await mkdtemp(join(tmpdir(), 'mms-media-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(document, null, 2));
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    // Exit code 1 when it finds errors: the report on stdout says which, so read it either way.
    const { stdout } = await promisify(execFile)(REDOCLY, ['lint', file, '--format=json'], { cwd: dir, env }).catch((err: { stdout?: string }) => {
      if (!err.stdout) throw err;
      return { stdout: err.stdout };
    });
    return JSON.parse(stdout) as LintReport;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
