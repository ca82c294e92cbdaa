import { execFileSync } from 'node:child_process';

/** Where ffmpeg and ffprobe are, once found and checked at start. */
export interface FfmpegTools {
  ffmpeg: string;
  ffprobe: string;
  /** "5.1.9-0+deb12u1", as `ffmpeg -version` says it. */
  version: string;
}

/** ffmpeg older than this is not used: 5.1 (Debian 12) is the oldest these settings were measured on. */
const MIN_MAJOR = 5;

/** The tool's version line ("ffmpeg version 5.1.9-0+deb12u1 Copyright…"), or why it cannot be used. */
function versionOf(path: string, name: 'ffmpeg' | 'ffprobe'): { version: string } | { problem: string } {
  let out: string;
  try {
    out = execFileSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? `${name} was not found (${path})` : `${path} -version failed (${code ?? (err as Error).message})` };
  }
  const match = new RegExp(`^${name} version n?(\\S+)`).exec(out);
  if (!match) return { problem: `${path} does not say which ${name} version it is` };
  const major = Number.parseInt(match[1]!, 10);
  // Builds from git say "N-…" or a date: take them as new enough.
  if (Number.isFinite(major) && major < MIN_MAJOR) return { problem: `${path} is ${name} ${match[1]}; ${MIN_MAJOR}.1 or newer is needed` };
  return { version: match[1]! };
}

const cache = new Map<string, FfmpegTools | { problem: string }>();

/**
 * Finds ffmpeg and ffprobe (FFMPEG_PATH / FFPROBE_PATH, else on the PATH) and checks their versions: the tools,
 * or a sentence saying what is missing. Run once at start (synchronously, a few tens of milliseconds); the answer
 * is kept per pair of paths, so building the service again (tests) does not run them again.
 */
export function findFfmpeg(paths: { ffmpeg?: string; ffprobe?: string } = {}): FfmpegTools | { problem: string } {
  const ffmpeg = paths.ffmpeg ?? 'ffmpeg';
  const ffprobe = paths.ffprobe ?? 'ffprobe';
  const key = `${ffmpeg}\0${ffprobe}`;
  let found = cache.get(key);
  if (!found) {
    const a = versionOf(ffmpeg, 'ffmpeg');
    const b = versionOf(ffprobe, 'ffprobe');
    found = 'problem' in a ? a : 'problem' in b ? b : { ffmpeg, ffprobe, version: a.version };
    cache.set(key, found);
  }
  return found;
}
