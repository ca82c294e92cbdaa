import { avKind, refuseAv, type AvFormat } from '../../core/policy.js';
import { PROBE_ARGS, endsWithApeTag, factsFromProbe, imageBrands, moovFirst, probeInputArgs, type ProbeJson } from './probe.js';
import { COMMON, DEMUXERS, inputArgs } from './demuxers.js';
import { runTool, type RunResult } from './run.js';
import type { FfmpegTools } from './tools.js';
import type { AvFacts } from '../../core/policy.js';

/** One job's runs of ffprobe and ffmpeg: in its own folder, all within one deadline (MEDIA_PROCESS_TIMEOUT_MS). */
export class JobRunner {
  constructor(
    private readonly tools: FfmpegTools,
    readonly dir: string,
    private readonly deadline: number,
    private readonly timeoutMs: number,
  ) {}

  /** Runs a tool; a run past the job's deadline is killed and refused as a timeout. */
  async run(tool: 'ffmpeg' | 'ffprobe', args: string[], kind: 'video' | 'audio', onStdout?: (text: string) => void): Promise<RunResult> {
    const result = await runTool(this.tools[tool], args, { timeoutMs: this.deadline - Date.now(), cwd: this.dir, onStdout });
    if (result.timedOut) throw refuseAv.timedOut(kind, this.timeoutMs / 1000);
    return result;
  }

  /**
   * The file's facts, before anything is decoded: ffprobe with the demuxer forced to the sniffed format. A file it
   * cannot read is refused as unreadable. When the container does not say how long it is (a browser's WebM
   * recording), the packets are counted by a demux-only pass, stopped at `maxSeconds` + 1.
   */
  async probe(path: string, format: AvFormat, size: number, maxSeconds: number, kindGuess: 'video' | 'audio'): Promise<AvFacts> {
    const result = await this.run('ffprobe', ['-hide_banner', '-loglevel', 'error', ...PROBE_ARGS, ...probeInputArgs(format, path)], kindGuess);
    let json: ProbeJson | undefined;
    let failure: unknown;
    try {
      if (result.code !== 0) throw new Error(result.stderr.trim() || `ffprobe exited with ${result.code}`);
      json = JSON.parse(result.stdout) as ProbeJson;
    } catch (err) {
      failure = err;
    }
    const facts = json && factsFromProbe(json, format, size);
    if (!facts || (!facts.video && !facts.audio)) {
      // A HEIF or AVIF still image under a brand the sniffer does not know is sniffed as MP4: say what it is.
      const brands = DEMUXERS[format] === 'mov' ? await imageBrands(path) : undefined;
      if (brands) throw refuseAv.heifImage(brands);
      if (!facts) throw refuseAv.unreadable(format, failure);
    }
    if (DEMUXERS[format] === 'mov') facts.faststart = await moovFirst(path);
    if (format === 'mp3' && (await endsWithApeTag(path))) facts.metadata = [...facts.metadata, 'APEv2'];
    if (facts.duration === 0 && (facts.video || facts.audio)) {
      facts.duration = await this.measure(path, format, maxSeconds, kindGuess);
      // Counted no further than just past the limit: how much longer it is, nobody knows.
      if (facts.duration > maxSeconds) throw refuseAv.inputTooLong(avKind(facts), undefined, maxSeconds);
    }
    return facts;
  }

  /** Seconds of media, by reading every packet without decoding (ffmpeg -c copy -f null), at most maxSeconds + 1. */
  private async measure(path: string, format: AvFormat, maxSeconds: number, kind: 'video' | 'audio'): Promise<number> {
    const args = [...COMMON, '-progress', 'pipe:1', '-nostats', ...inputArgs(format, path), '-map', '0', '-c', 'copy', '-t', String(maxSeconds + 1), '-f', 'null', '-'];
    const result = await this.run('ffmpeg', args, kind);
    if (result.code !== 0) throw refuseAv.unreadable(format, new Error(result.stderr.trim()));
    const times = [...result.stdout.matchAll(/^out_time_us=(\d+)$/gm)].map((m) => Number(m[1]));
    return (times[times.length - 1] ?? 0) / 1_000_000;
  }
}
