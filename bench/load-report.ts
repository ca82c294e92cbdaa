/**
 * What `npm run bench:load` counts for each row, and the tables and targets it prints from them.
 */
import os from 'node:os';
import { MB } from './load-payloads.js';

export interface RowResult {
  name: string;
  requests: number;
  okBytes: number;
  /** Wall time of the row's segments, summed. */
  elapsedMs: number;
  latencies: number[];
  errors: Map<string, number>;
  peakRssBytes?: number;
  /** CPU seconds over the row's segments: this process, the one in the middle, the emulator, the whole machine. */
  cpu: { loadgen: number; middle?: number; emulator: number; machine: number };
  /** The last reply of each kind that succeeded in the row's latest segment: the bucket is emptied after each. */
  lastOk: Map<string, string>;
}

export function emptyRow(name: string, hasMiddle: boolean): RowResult {
  return {
    name,
    requests: 0,
    okBytes: 0,
    elapsedMs: 0,
    latencies: [],
    errors: new Map(),
    lastOk: new Map(),
    cpu: { loadgen: 0, emulator: 0, machine: 0, ...(hasMiddle && { middle: 0 }) },
  };
}

export interface CpuSample {
  loadgen: number;
  middle?: number;
  emulator: number;
  machine: number;
}

export function report(rows: RowResult[], clients: number, seconds: number, rounds: number): void {
  const byName = (prefix: string) => rows.find((r) => r.name.startsWith(prefix));
  const [all, non, , relay, tus, tusAlone] = ['service (all', 'service (non', 'SDK direct', 'bare relay (non', 'service /v1/uploads', '@tus/server', 'bare relay (8'].map(byName);
  const ordered = ['service (all', 'service (non', 'SDK direct', 'bare relay (non', 'service /v1/uploads', '@tus/server', 'bare relay (8'].map(byName).filter((r) => r !== undefined);
  const mbps = (r: RowResult) => r.okBytes / MB / (r.elapsedMs / 1000);
  /**
   * Every client sends its next request as soon as one ends, so the clients together move their mean file per mean
   * latency. Unlike MB/s, this does not depend on how many requests happen to end inside a window, which matters
   * when a request takes a large part of a segment (the 8 MB resumable uploads).
   */
  const mbpsByLatency = (r: RowResult) => (clients * (r.okBytes / r.latencies.length)) / MB / (r.latencies.reduce((a, b) => a + b, 0) / r.latencies.length / 1000);
  const rps = (r: RowResult) => r.latencies.length / (r.elapsedMs / 1000);
  const errorCount = (r: RowResult) => [...r.errors.values()].reduce((a, b) => a + b, 0);
  const errors = (r: RowResult) => {
    const n = errorCount(r);
    return n === 0 ? '0' : `${n} (${[...r.errors].map(([k, v]) => `${k} ×${v}`).join(', ')})`;
  };
  const rss = (r: RowResult) => (r.peakRssBytes === undefined ? 'n/a' : `${Math.round(r.peakRssBytes / 2 ** 20)} MiB`);
  const cores = os.cpus().length;

  console.log(`\n## Results (${clients} clients, ${seconds} s per row in ${rounds} interleaved segment(s))\n`);
  console.log('| row | req/s | MB/s | MB/s by latency | p50 ms | p95 ms | p99 ms | errors | peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|');
  for (const r of ordered) {
    const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => percentile(r.latencies, q).toFixed(0));
    console.log(`| ${r.name} | ${rps(r).toFixed(1)} | ${mbps(r).toFixed(1)} | ${mbpsByLatency(r).toFixed(1)} | ${p50} | ${p95} | ${p99} | ${errors(r)} | ${rss(r)} |`);
  }
  console.log(
    '\nMB/s: file bytes (decimal MB) of uploads that succeeded within the counted windows, per second of those windows; by latency: clients × mean file / mean latency of those requests. Latency: those requests, first byte sent to last byte of the reply (tus: POST to the last PATCH\'s reply). Peak RSS: VmHWM of the process in the middle (service, @tus/server alone or relay; the two relay rows share one process); SDK direct has none.',
  );

  console.log(`\nCPU seconds spent during each row's counted windows (the machine offers ${cores} per second of wall time; "not ours" is everything else running on it, kernel included):\n`);
  console.log('| row | window s | load generator | middle | S3 emulator | not ours | machine busy | middle CPU ms per MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of ordered) {
    const ours = r.cpu.loadgen + (r.cpu.middle ?? 0) + r.cpu.emulator;
    const perMb = r.cpu.middle === undefined ? 'n/a' : ((r.cpu.middle * 1000) / (r.okBytes / MB)).toFixed(1);
    const busy = `${r.cpu.machine.toFixed(1)} (${((100 * r.cpu.machine) / ((cores * r.elapsedMs) / 1000)).toFixed(0)}%)`;
    console.log(
      `| ${r.name} | ${(r.elapsedMs / 1000).toFixed(1)} | ${r.cpu.loadgen.toFixed(1)} | ${r.cpu.middle?.toFixed(1) ?? 'n/a'} | ${r.cpu.emulator.toFixed(1)} | ${Math.max(0, r.cpu.machine - ours).toFixed(1)} | ${busy} | ${perMb} |`,
    );
  }

  const services = [all, non, tus].filter((r) => r !== undefined);
  const serviceErrors = services.reduce((n, r) => n + errorCount(r), 0);
  const peak = Math.max(...services.map((r) => r.peakRssBytes ?? 0));
  const mark = (met: boolean) => (met ? 'met' : 'NOT MET');
  console.log('\n## Targets\n');
  if (non && relay) {
    const ratio = mbps(non) / mbps(relay);
    console.log(
      `- service non-image throughput / bare relay throughput: ${(ratio * 100).toFixed(0)}% (${mbps(non).toFixed(1)} / ${mbps(relay).toFixed(1)} MB/s; target ≥ 90%): ${mark(ratio >= 0.9)}`,
    );
  }
  if (tus && tusAlone) {
    const tusRatio = mbps(tus) / mbps(tusAlone);
    const tusRatioByLatency = mbpsByLatency(tus) / mbpsByLatency(tusAlone);
    console.log(
      `- service /v1/uploads throughput / @tus/server alone (8 MB, tus): ${(tusRatio * 100).toFixed(0)}% (${mbps(tus).toFixed(1)} / ${mbps(tusAlone).toFixed(1)} MB/s; by latency ${(tusRatioByLatency * 100).toFixed(0)}%; target ≥ 90%): ${mark(tusRatio >= 0.9)}`,
    );
  }
  console.log(`- errors at ${clients} clients${clients === 32 ? '' : ' (the target is stated at 32)'}: ${serviceErrors} (target 0): ${mark(serviceErrors === 0)}`);
  console.log(`- peak RSS of the service: ${Math.round(peak / MB)} MB = ${Math.round(peak / 2 ** 20)} MiB (target < 512 MB): ${mark(peak < 512 * MB)}`);
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
