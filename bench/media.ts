/**
 * npm run bench:media — what the video/audio pipeline costs, beside the floor: one plain ffmpeg command making the
 * same output format at a fixed bit rate (the bit rate the pipeline chose), with no probe, no budget check, no
 * retry.
 *
 * Rows (the issue's): a 15 s 1080p HEVC MOV stored sideways, a 60 s 720p H.264 MP4, a 2-minute voice memo (M4A).
 * The inputs are made once with ffmpeg (lavfi test pattern with grain, so they do not compress to nothing) and
 * kept in the temp folder. Peak memory of ffmpeg is the kernel's high-water mark of each ffmpeg process, read with
 * /usr/bin/time (GNU time) wrapped around it; the service's is this process's own maxRSS.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FfmpegAv, findFfmpeg, type AvStats, type FfmpegTools } from '../src/adapters/ffmpeg/index.js';
import { formatBytes } from '../src/core/errors.js';
import { resolveAvOptions, targetBytesFor } from '../src/core/policy.js';

const CACHE = join(tmpdir(), 'mms-media-bench-media-v1');
const BUDGET = targetBytesFor('safe');
mkdirSync(CACHE, { recursive: true });

const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
const grain = (size: string, rate: number, seconds: number) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds},noise=alls=20:allf=t`];
const tone = (seconds: number) => ['-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${seconds}`];

function input(name: string, make: (out: string) => void): string {
  const path = join(CACHE, name);
  if (!existsSync(path)) {
    process.stderr.write(`making ${name}…\n`);
    make(`${path}.part`);
    execFileSync('mv', [`${path}.part`, path]);
  }
  return path;
}

/** Rounds per row: the pipeline and its floor run in turn, so load from elsewhere falls on both alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const cases: Array<{ label: string; ext: string; mime: string; path: string; budget: number; rounds?: number }> = [
  {
    label: '15 s 1080p HEVC MOV, rotated',
    ext: 'mov',
    mime: 'video/quicktime',
    path: input('phone-15s-1080p.mov', (out) => {
      const plain = `${out}.plain.mov`;
      ffmpeg([...grain('1920x1080', 30, 15), ...tone(15), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-b:v', '12M', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1', '-c:a', 'aac', '-ac', '2', '-b:a', '128k', '-f', 'mov', plain]);
      ffmpeg(['-i', plain, '-map', '0', '-c', 'copy', '-metadata:s:v', 'rotate=270', '-metadata', 'location=+40.7128-074.0060/', '-movflags', 'use_metadata_tags', '-f', 'mov', out]);
      rmSync(plain);
    }),
    budget: BUDGET,
  },
  {
    label: '60 s 720p H.264 MP4',
    ext: 'mp4',
    mime: 'video/mp4',
    path: input('android-60s-720p.mp4', (out) =>
      ffmpeg([...grain('1280x720', 30, 60), ...tone(60), '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '4M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-f', 'mp4', out]),
    ),
    // 60 s is longer than the safe budget carries (38 s): this row uses the standard profile's 1 MB (63 s).
    budget: targetBytesFor('standard'),
  },
  {
    label: '2 min voice memo (M4A)',
    ext: 'm4a',
    mime: 'audio/x-m4a',
    path: input('memo-120s.m4a', (out) => ffmpeg([...tone(120), '-c:a', 'aac', '-ac', '1', '-b:a', '64k', '-f', 'ipod', out])),
    budget: BUDGET,
    // Under a second each: more rounds, so that one run slowed by other work does not decide the median.
    rounds: 3 * ROUNDS,
  },
];

/** ffmpeg behind GNU time, which appends each run's peak memory (KB) and CPU seconds (user, system) to a file. */
const rssLog = join(CACHE, 'ffmpeg-rss.log');
const wrapper = join(CACHE, 'ffmpeg-timed');
writeFileSync(wrapper, `#!/bin/sh\nexec /usr/bin/time -a -o '${rssLog}' -f '%M %U %S' ffmpeg "$@"\n`);
chmodSync(wrapper, 0o755);
const runs = () => readFileSync(rssLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' ').map(Number));
const peakFfmpegKb = () => Math.max(0, ...runs().map((r) => r[0]!));
const ffmpegCpu = () => runs().reduce((sum, r) => sum + r[1]! + r[2]!, 0);

const found = findFfmpeg();
if ('problem' in found) throw new Error(found.problem);
const tools: FfmpegTools = { ...found, ffmpeg: wrapper };

/** The floor: the output the pipeline made (size, frame rate, bit rates), by one plain ffmpeg command. */
function floorArgs(inp: string, out: string, made: { width?: number; height?: number; transformations: string[] }): string[] {
  const step = (name: string) => made.transformations.find((t) => t.startsWith(`${name}:`))?.slice(name.length + 1);
  const rate = step('bitrate')!;
  if (made.width === undefined) return ['-i', inp, '-c:a', 'libmp3lame', '-b:a', rate, '-ac', '1', '-ar', Number.parseInt(rate, 10) > 64 ? '44100' : '22050', '-f', 'mp3', out];
  const fps = step('fps')?.split('->')[1];
  const vf = [`scale=${made.width}:${made.height}`, ...(fps ? [`fps=${fps}`] : [])].join(',');
  return ['-i', inp, '-vf', vf, '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'medium', '-b:v', rate, '-c:a', 'aac', '-ac', '1', '-b:a', '32k', '-movflags', '+faststart', '-f', 'mp4', out];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function pipelineRun(c: (typeof cases)[number]) {
  const stats: AvStats[] = [];
  const av = new FfmpegAv({ tools, budgetBytes: c.budget, maxDimension: 640, maxInputSeconds: 600, threads: cpus().length, timeoutMs: 600_000, concurrency: 1, queueLimit: 0, workRoot: join(CACHE, 'work'), observe: (s) => stats.push(s) });
  writeFileSync(rssLog, '');
  const started = performance.now();
  const upload = await av.open({ ext: c.ext, mime: c.mime });
  await upload.write(readFileSync(c.path));
  const out = await upload.process(resolveAvOptions());
  await upload.close();
  return { ms: performance.now() - started, out, encodes: stats[0]?.encodes ?? 0, rss: peakFfmpegKb(), cpu: ffmpegCpu() };
}

function floorRun(c: (typeof cases)[number], made: { width?: number; height?: number; transformations: string[] }) {
  writeFileSync(rssLog, '');
  const out = join(CACHE, `floor.${c.ext === 'm4a' ? 'mp3' : 'mp4'}`);
  const started = performance.now();
  execFileSync(wrapper, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...floorArgs(c.path, out, made)]);
  return { ms: performance.now() - started, bytes: statSync(out).size, rss: peakFfmpegKb(), cpu: ffmpegCpu() };
}

const rows: string[] = [];
for (const c of cases) {
  const ours: Awaited<ReturnType<typeof pipelineRun>>[] = [];
  const floors: ReturnType<typeof floorRun>[] = [];
  for (let round = 0; round < (c.rounds ?? ROUNDS); round++) {
    ours.push(await pipelineRun(c));
    floors.push(floorRun(c, ours[0]!.out));
  }
  const { out, encodes } = ours[0]!;
  const ms = median(ours.map((r) => r.ms));
  const cpu = median(ours.map((r) => r.cpu));
  const floorMs = median(floors.map((r) => r.ms));
  const floorCpu = median(floors.map((r) => r.cpu));
  const ratios = ours.map((r, i) => (r.ms / floors[i]!.ms).toFixed(2)).join(', ');
  const serviceRss = process.resourceUsage().maxRSS;
  rows.push(
    `| ${c.label} (${formatBytes(statSync(c.path).size)}) | ${(ms / 1000).toFixed(2)} s (CPU ${cpu.toFixed(1)} s) | ${encodes} | ${formatBytes(out.bytes.length)} (${Math.round((100 * out.bytes.length) / c.budget)} % of ${formatBytes(c.budget)}) | ${out.transformations.join(' ')} | ${Math.round(serviceRss / 1024)} MB / ${Math.round(Math.max(...ours.map((r) => r.rss)) / 1024)} MB | ${(floorMs / 1000).toFixed(2)} s (CPU ${floorCpu.toFixed(1)} s), ${formatBytes(floors[0]!.bytes)}, ${Math.round(Math.max(...floors.map((r) => r.rss)) / 1024)} MB | ${(ms / floorMs).toFixed(2)}× (rounds ${ratios}; CPU ${(cpu / floorCpu).toFixed(2)}×) |`,
  );
}

console.log(`\n${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ffmpeg ${found.version}\n`);
console.log(`medians of ${ROUNDS} rounds (the memo: ${3 * ROUNDS}), the pipeline and its floor in turn`);
console.log('| input | time (CPU of ffmpeg) | encodes | output (of the budget) | transformations | peak RSS service / ffmpeg | floor: one ffmpeg at that bit rate | time vs floor |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
