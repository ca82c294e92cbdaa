import { formatBytes } from '../core/errors.js';

/**
 * How upload progress is shown on stderr (stdout carries only results):
 * - bar: one line redrawn in place, at most 10 times a second; the default when stderr is a terminal;
 * - plain: a line at each tenth of the bytes sent, then one when processing starts; for logs (--progress plain);
 * - off: nothing; the default when stderr is not a terminal, so scripts see only errors there.
 */
export type ProgressMode = 'bar' | 'plain' | 'off';
export const PROGRESS_MODES = ['auto', 'bar', 'plain', 'off'] as const;

export function progressMode(asked: (typeof PROGRESS_MODES)[number], stderrIsTty: boolean): ProgressMode {
  if (asked === 'auto') return stderrIsTty ? 'bar' : 'off';
  return asked;
}

/** Where an upload has got to: bytes going out, then the service converting (a fraction when it says). */
export type UploadStage = { stage: 'sending'; sent: number; total: number } | { stage: 'processing'; fraction?: number };

export interface Progress {
  update(stage: UploadStage): void;
  /** Clears the bar so the next line (a result or an error) starts clean. */
  done(): void;
}

const WIDTH = 24;
const REDRAW_MS = 100;

export function progressFor(mode: ProgressMode, name: string, write: (text: string) => void, now = () => Date.now()): Progress {
  if (mode === 'off') return { update: () => undefined, done: () => undefined };
  if (mode === 'plain') return plainProgress(name, write);
  let drawn = false;
  let lastDraw = 0;
  return {
    update(stage) {
      const finished = stage.stage === 'sending' && stage.sent === stage.total;
      if (!finished && now() - lastDraw < REDRAW_MS) return;
      lastDraw = now();
      drawn = true;
      write(`\r\x1b[2K${name}  ${barText(stage)}`);
    },
    done() {
      if (drawn) write('\r\x1b[2K');
      drawn = false;
    },
  };
}

function barText(stage: UploadStage): string {
  if (stage.stage === 'processing') return stage.fraction === undefined ? 'processing…' : `processing ${percent(stage.fraction)}`;
  const fraction = stage.total === 0 ? 1 : stage.sent / stage.total;
  const filled = Math.round(fraction * WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${percent(fraction)}  ${formatBytes(stage.sent)} of ${formatBytes(stage.total)}`;
}

function plainProgress(name: string, write: (text: string) => void): Progress {
  let lastTenth = -1;
  let processing = false;
  return {
    update(stage) {
      if (stage.stage === 'processing') {
        if (!processing) write(`${name}: processing\n`);
        processing = true;
        return;
      }
      const tenth = stage.total === 0 ? 10 : Math.floor((stage.sent / stage.total) * 10);
      if (tenth <= lastTenth) return;
      lastTenth = tenth;
      write(`${name}: ${tenth * 10}% of ${formatBytes(stage.total)} sent\n`);
    },
    done: () => undefined,
  };
}

const percent = (fraction: number) => `${Math.floor(fraction * 100)}%`;
