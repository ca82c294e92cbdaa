import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertProcessable,
  avAsSent,
  avKind,
  avSteps,
  avWork,
  codecName,
  deliveryType,
  lowerAudioPlan,
  lowerVideoPlan,
  planAudio,
  planVideo,
  refuseAv,
  type AvFacts,
  type AvFormat,
  type AvOptions,
  type MediaType,
} from '../../core/policy.js';
import type { ProcessedAv } from '../../core/ports.js';
import { keptAv, originalAv, roundSeconds } from '../../core/av-as-sent.js';
import { withoutMp3Tags } from '../../lib/containers/av-tags.js';
import { mpegAudioSeconds } from '../../lib/containers/mpeg-audio.js';
import { Pieces } from '../../lib/pieces.js';
import { audioArgs, remuxArgs, videoArgs } from './encode.js';
import type { JobRunner } from './job.js';

export interface ConvertSettings {
  /** The delivery budget (Limits.budgetBytes). */
  budgetBytes: number;
  /** VIDEO_MAX_DIMENSION. */
  maxDimension: number;
  /** MEDIA_MAX_INPUT_SECONDS: longer inputs are refused from the probe. */
  maxInputSeconds: number;
  /** Threads each ffmpeg may use. */
  threads: number;
}

/** How a conversion went, for metrics and the benchmark. */
export interface AvStats {
  kind: 'video' | 'audio';
  action: 'keep' | 'remux' | 'encode';
  /** Full encodes (0 for keep and remux). */
  encodes: number;
  bytes: number;
}

/**
 * Runs `work` with a JobRunner of its own once a slot is free: `probe` for the probe (a short run), `convert` for
 * remuxing and encoding (seconds to minutes), so a file kept as sent never waits behind another's encode.
 */
export interface Slots {
  probe<T>(work: (job: JobRunner) => Promise<T>): Promise<T>;
  convert<T>(work: (job: JobRunner) => Promise<T>): Promise<T>;
}

/**
 * One file, probed then kept, remuxed or re-encoded as the policy says. Every decision is the policy's
 * (src/core/policy/av*.ts); this runs ffprobe and ffmpeg and reads their results.
 */
export async function convert(
  slots: Slots,
  file: { path: string; format: AvFormat; size: number; kindGuess: 'video' | 'audio' },
  options: AvOptions,
  settings: ConvertSettings,
  observe?: (stats: AvStats) => void,
): Promise<ProcessedAv> {
  const facts = await slots.probe((job) => job.probe(file.path, file.format, file.size, settings.maxInputSeconds, file.kindGuess));
  assertProcessable(facts, settings.maxInputSeconds);
  const kind = avKind(facts);
  const done = (out: ProcessedAv, action: AvStats['action'], encodes = 0) => {
    observe?.({ kind, action, encodes, bytes: out.bytes.length });
    return out;
  };

  if (options.optimize === 'off') {
    const { type, strip } = avAsSent(facts, options.keepMetadata);
    if (!strip) return done(await asSent(file.path, facts, type), 'keep');
    return slots.convert(async (job) => {
      const out = await remux(job, file.path, facts, type.extension as AvFormat, options.keepMetadata);
      return done(await result(job, out, facts, type, ['strip_metadata']), 'remux');
    });
  }

  const work = avWork(facts, options, settings.budgetBytes);
  const type = deliveryType(kind);
  if (work.action === 'keep') return done(await asSent(file.path, facts, type), 'keep');
  return slots.convert(async (job) => {
    if (work.action === 'remux') {
      const out = await remux(job, file.path, facts, type.extension as AvFormat, options.keepMetadata);
      // The index and metadata rarely weigh much; if moving them tips the file over the budget, it is re-encoded.
      if ((await stat(out)).size <= settings.budgetBytes) return done(await result(job, out, facts, type, avSteps(facts, undefined, options.keepMetadata)), 'remux');
    }
    const encoded = await encode(job, file.path, facts, options, settings);
    return done(await result(job, encoded.path, facts, type, encoded.steps), 'encode', encoded.encodes);
  });
}

/**
 * Re-encodes to the plan; if the result is over the budget, once more with the plan lowered by the overshoot. Each
 * try writes its own file: ffmpeg never overwrites one (`-n`).
 */
async function encode(job: JobRunner, input: string, facts: AvFacts, options: AvOptions, settings: ConvertSettings) {
  const kind = avKind(facts);
  const planSettings = { budgetBytes: settings.budgetBytes, maxDimension: settings.maxDimension, trim: options.trim };
  const common = { format: facts.format, input, keepMetadata: options.keepMetadata, threads: settings.threads };
  let encodes = 0;
  /** One try (`seconds`: the output's, less than the input's when trimmed): the file it made and its size. */
  const run = async (seconds: number, args: (output: string) => string[]) => {
    const output = join(job.dir, `encode-${++encodes}.${kind === 'video' ? 'mp4' : 'mp3'}`);
    const r = await (options.onProgress
      ? job.run('ffmpeg', ['-progress', 'pipe:1', '-nostats', ...args(output)], kind, progressLines(seconds, options.onProgress))
      : job.run('ffmpeg', args(output), kind));
    if (r.code !== 0) throw refuseAv.failed(kind, new Error(r.stderr.trim() || `ffmpeg exited with ${r.code}`));
    return { path: output, size: (await stat(output)).size };
  };
  const fitted = (made: { path: string; size: number }, steps: string[]) => {
    if (made.size > settings.budgetBytes) throw refuseAv.doesNotFit(kind, made.size, settings.budgetBytes);
    return { path: made.path, steps, encodes };
  };
  if (facts.video) {
    const audio = facts.audio !== undefined;
    let plan = planVideo({ ...facts, video: facts.video }, planSettings);
    let made = await run(plan.duration, (output) => videoArgs({ ...common, output, plan, audio }));
    if (made.size > settings.budgetBytes) {
      plan = lowerVideoPlan(plan, made.size, settings.budgetBytes);
      made = await run(plan.duration, (output) => videoArgs({ ...common, output, plan, audio }));
    }
    return fitted(made, avSteps(facts, plan, options.keepMetadata));
  }
  let plan = planAudio(facts, planSettings);
  let made = await run(plan.duration, (output) => audioArgs({ ...common, output, plan }));
  const lower = made.size > settings.budgetBytes ? lowerAudioPlan(plan) : undefined;
  if (lower) {
    plan = lower;
    made = await run(plan.duration, (output) => audioArgs({ ...common, output, plan }));
  }
  return fitted(made, avSteps(facts, plan, options.keepMetadata));
}

async function remux(job: JobRunner, input: string, facts: AvFacts, into: AvFormat, keepMetadata: boolean): Promise<string> {
  const output = join(job.dir, `remuxed.${into}`);
  const kind = avKind(facts);
  const r = await job.run('ffmpeg', remuxArgs({ format: facts.format, input, output, into, video: kind === 'video', keepMetadata }), kind);
  if (r.code !== 0) throw refuseAv.failed(kind, new Error(r.stderr.trim() || `ffmpeg exited with ${r.code}`));
  // ffmpeg's MP3 muxer copies a trailing APEv2 tag through as if it were audio: it is cut off the end here.
  if (into === 'mp3' && !keepMetadata) {
    const stripped = withoutMp3Tags(await readFile(output));
    if (stripped?.removed.length) await writeFile(output, stripped.bytes);
  }
  return output;
}

/** The upload's own bytes (at most the endpoint's limit for its type, so small enough to hold). */
async function asSent(path: string, facts: AvFacts, type: MediaType): Promise<ProcessedAv> {
  return { bytes: await readFile(path), ...keptAv(facts, type), asSent: true };
}

/**
 * What ffmpeg made, read back for its true size and duration, ready to store: an MP3 by counting its frames (a
 * probe costs a fifth of a voice memo's whole conversion), anything else by ffprobe, as an upload would be.
 */
async function result(job: JobRunner, path: string, facts: AvFacts, type: MediaType, transformations: string[]): Promise<ProcessedAv> {
  const bytes = await readFile(path);
  const seconds = type.extension === 'mp3' ? mpegAudioSeconds(new Pieces([bytes])) : undefined;
  const out = seconds !== undefined ? { duration: seconds, video: undefined } : await job.probe(path, type.extension as AvFormat, bytes.length, Number.MAX_SAFE_INTEGER, avKind(facts));
  const shown = out.video && { width: out.video.width, height: out.video.height };
  return { bytes, extension: type.extension, contentType: type.contentType, kind: avKind(facts), duration: roundSeconds(out.duration), ...shown, original: originalAv(facts), transformations };
}

/**
 * ffmpeg's -progress output (key=value lines, `out_time_us` among them) turned into the share of the output made so
 * far (`duration`: the output's, so a trimmed clip reaches its end too); never 1, which is for the stored file.
 * Lines may be cut between two pieces of output.
 */
function progressLines(duration: number, report: (fraction: number) => void): (text: string) => void {
  let partial = '';
  return (text) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^out_time_us=(\d+)/.exec(line);
      if (m && duration > 0) report(Math.min(0.99, Number(m[1]) / 1_000_000 / duration));
    }
  };
}
