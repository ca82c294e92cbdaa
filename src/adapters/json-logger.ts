import type { Logger } from '../core/ports.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

/** One JSON object per line on stdout/stderr: what log collectors on every platform expect. */
export function jsonLogger(level: LogLevel, write: (line: string, isError: boolean) => void = defaultWrite): Logger {
  const log = (at: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[at] < LEVELS[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: at, msg, ...fields }), at === 'error');
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function defaultWrite(line: string, isError: boolean): void {
  if (isError) console.error(line);
  else console.log(line);
}
