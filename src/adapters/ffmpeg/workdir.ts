import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * This process, as folder names say it: its pid and when it started (seconds). A container restarted after a
 * crash often gets the same pid again; the start time tells its folders from the dead process's.
 */
const SELF = `${process.pid}.${Math.round(Date.now() / 1000 - process.uptime())}`;

/**
 * Private temporary folders for ffmpeg jobs: one per file, `<root>/<pid>.<started>-<random>`, created with mode
 * 0700 (mkdtemp) and removed on every path. The name lets a new process sweep what a crashed one left without
 * touching the folders of another instance still running on the same machine.
 */
export class WorkDirs {
  constructor(readonly root: string) {}

  async create(): Promise<string> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    return mkdtemp(join(this.root, `${SELF}-`));
  }

  async remove(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Removes the folders of processes that no longer run (a crash, a kill -9). Returns how many. */
  async sweep(): Promise<number> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const owner = name.slice(0, name.indexOf('-'));
      const pid = Number.parseInt(owner, 10);
      if (owner === SELF || (owner !== '' && pid !== process.pid && isRunning(pid))) continue;
      await rm(join(this.root, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}
