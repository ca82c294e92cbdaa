/**
 * `npm run bench:load [-- --clients 32 --seconds 30 --rounds 6]`: upload throughput, latency, errors and peak memory of the
 * service under concurrent load, beside two floors measured in the same run on the same machine:
 *
 *   service (all files)       POST /v1/media, multipart: 12 MP phone JPEG, ~5 MB mp4, ~2 MB mp3, ~1 MB pdf (the
 *                             photo goes through the service's image pipeline, so it may be stored re-encoded)
 *   service (non-image only)  the same without the JPEG
 *   SDK direct                PutObject of the non-image files straight to the S3 emulator (the storage floor)
 *   bare relay                plain node:http piping the raw request body into PutObject, no checks, loaded with
 *                             the same multipart requests as the service (the floor for anything in the middle)
 *   … (8 MB, tus)             resumable uploads of an 8 MB file (bench/tus-load.ts): the service's /v1/uploads,
 *                             @tus/server alone on the same store, and the bare relay taking the same 8 MB
 *
 * Everything runs on loopback in separate processes: the S3 emulator (test/support/s3-server.ts), the bare
 * relay, @tus/server alone, three service processes (the compiled build, dist/node/main.js, as `npm start` runs it, with STORAGE_DRIVER=s3; one
 * per service row, so each row's peak RSS is its own VmHWM), and this process, which generates the load. After a warm-up (every row at full load for
 * WARMUP_SECONDS, uncounted, so that measured code runs compiled, as in a long-running process), each row runs
 * `--seconds` of counted time in all, split into `--rounds` segments interleaved with the other rows (order rotated
 * each round), so that load from anything else on the machine falls on every row alike; the machine's whole CPU
 * use is printed beside ours so such load can be seen. Each segment ramps up for 2 s before its counted window,
 * and requests still in flight when the window closes are finished but not counted (errors always are).
 * Bounded: a request times out after 60 s, a segment stops after 100,000 requests, and a watchdog ends the run
 * if it overstays. The bucket is emptied after every segment.
 *
 * To profile the service: BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:load
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createS3Client } from '../src/adapters/s3-store.js';
import { freePort } from './free-port.js';
import { runTusAlone, tolerateLateErrors, TUS_FILE_BYTES, tusSender } from './tus-load.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const BUCKET = 'mms-media-bench';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REQUEST_TIMEOUT_MS = 60_000;
const MAX_REQUESTS_PER_SEGMENT = 100_000;
const WARMUP_SECONDS = 4;
const RAMP_SECONDS = 2;
const BOUNDARY = '----mms-media-bench-7f3a9c1e5b';
const MB = 1_000_000;

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '6' },
    role: { type: 'string' },
  },
});


/**
 * The service as `npm start` starts it: scripts/start.sh, which builds dist/ when a source is newer and runs
 * `node dist/node/main.js` with the environment it sets (MALLOC_ARENA_MAX unless already set, so a value in the
 * bench's own environment wins). BENCH_SERVICE_NODE_ARGS go to node, before the entry. The shell execs node, so
 * the child's pid is the service's own (its CPU time and VmHWM are the service's).
 */
const SERVICE: [string, ...string[]] = ['sh', 'scripts/start.sh', ...(process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
const SERVICE_ENV = Object.fromEntries(['MALLOC_ARENA_MAX', 'HOME'].flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));

// ---------------------------------------------------------------------------------------------------------------
// Child roles

async function runEmulator(): Promise<void> {
  const { startS3Server } = await import('../test/support/s3-server.js');
  const s3 = await startS3Server(BUCKET);
  process.once('SIGTERM', () => void s3.stop().finally(() => process.exit(0)));
  console.log(JSON.stringify({ ready: true, endpoint: s3.endpoint, dir: s3.dir }));
}

/** The floor for any service in the middle: the raw request body piped into PutObject, nothing else. */
async function runRelay(): Promise<void> {
  const client = createS3Client({ region: 'us-east-1', endpoint: process.env.S3_ENDPOINT!, forcePathStyle: true, credentials: CREDENTIALS });
  let n = 0;
  const server = http.createServer((req, res) => {
    const key = `relay/${process.pid}-${n++}`;
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: req, ContentLength: Number(req.headers['content-length']) })).then(
      () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ key })),
      (err: Error) => res.writeHead(502).end(String(err)),
    );
  });
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port })));
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    client.destroy();
    process.exit(0);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Files

export interface Payload {
  kind: 'jpg' | 'mp4' | 'mp3' | 'pdf';
  bytes: Buffer;
  contentType: string;
  sha256: string;
  /** The multipart envelope around `bytes`, so a request writes head, file, tail without copying the file. */
  head: Buffer;
  tail: Buffer;
}

function payload(kind: Payload['kind'], bytes: Buffer, contentType: string): Payload {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="upload.${kind}"\r\nContent-Type: ${contentType}\r\n\r\n`,
  );
  return { kind, bytes, contentType, sha256: createHash('sha256').update(bytes).digest('hex'), head, tail: Buffer.from(`\r\n--${BOUNDARY}--\r\n`) };
}

/**
 * Files as a phone sends them: each starts with its format's real signature and carries a random payload, as
 * compressed media look to a parser (no long runs, a CR or LF every ~128 bytes). The photo is a real 12 MP JPEG
 * made once with sharp, under the 5 MB image limit, as phone photos are.
 */
async function makePayloads(): Promise<Payload[]> {
  const { default: sharp } = await import('sharp');
  const base = await sharp({ create: { width: 806, height: 605, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
    .png()
    .toBuffer();
  const jpg = await sharp(base).resize(4032, 3024, { kernel: 'cubic' }).jpeg({ quality: 88 }).toBuffer();
  if (jpg.length >= 5 * MB) throw new Error(`the generated photo is ${jpg.length} bytes, over the 5 MB image limit`);

  const mp4 = mp4Of(5 * MB);
  // mp3: MPEG-1 Layer III frames of 417 bytes (128 kbit/s, 44.1 kHz), each behind its 4-byte header.
  const mp3 = randomBytes(Math.round((2 * MB) / 417) * 417);
  for (let at = 0; at < mp3.length; at += 417) mp3.writeUInt32BE(0xfffb9064, at);
  // pdf: a header, one binary stream object, and the trailer marker.
  const pdf = randomBytes(MB);
  Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Length 999900 >> stream\n', 'latin1').copy(pdf, 0);
  const trailer = Buffer.from('\nendstream endobj\n%%EOF\n', 'latin1');
  trailer.copy(pdf, pdf.length - trailer.length);
  return [payload('jpg', jpg, 'image/jpeg'), payload('mp4', mp4, 'video/mp4'), payload('mp3', mp3, 'audio/mpeg'), payload('pdf', pdf, 'application/pdf')];
}

/** An mp4 of `size` bytes: an ftyp box (isom, mp42) then one mdat box holding the rest. */
function mp4Of(size: number): Buffer {
  const mp4 = randomBytes(size);
  Buffer.from('000000186674797069736f6d0000020069736f6d6d703432', 'hex').copy(mp4, 0);
  mp4.writeUInt32BE(mp4.length - 24, 24);
  mp4.write('mdat', 28, 'latin1');
  return mp4;
}

// ---------------------------------------------------------------------------------------------------------------
// Load

export type Outcome = { ok: true; body: string } | { ok: false; error: string };
export type Send = (p: Payload) => Promise<Outcome>;

interface RowResult {
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

function emptyRow(name: string, hasMiddle: boolean): RowResult {
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

interface CpuSample {
  loadgen: number;
  middle?: number;
  emulator: number;
  machine: number;
}

/**
 * One segment of a row: `clients` loops send the files in turn. The first RAMP_SECONDS are not counted (every
 * client gets a request in flight), then a window of `seconds` is: requests that complete inside it give the
 * throughput and latencies, and CPU is sampled at its edges. At its end the clients stop sending and the
 * requests still in flight are finished but not counted. Errors are counted whenever they happen.
 */
async function load(row: RowResult, clients: number, seconds: number, files: Payload[], send: Send, sample: () => CpuSample): Promise<void> {
  const start = performance.now();
  const windowStart = start + RAMP_SECONDS * 1000;
  const windowEnd = windowStart + seconds * 1000;
  let first: CpuSample | undefined;
  let last: CpuSample | undefined;
  const t1 = setTimeout(() => (first = sample()), windowStart - start);
  const t2 = setTimeout(() => (last = sample()), windowEnd - start);
  let sent = 0;
  row.lastOk.clear();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = client + row.requests; performance.now() < windowEnd && sent < MAX_REQUESTS_PER_SEGMENT; i++) {
        const file = files[i % files.length]!;
        sent++;
        const t0 = performance.now();
        const outcome = await send(file).catch((err: Error & { code?: string }): Outcome => ({ ok: false, error: err.code ?? err.message }));
        const done = performance.now();
        if (!outcome.ok) row.errors.set(outcome.error, (row.errors.get(outcome.error) ?? 0) + 1);
        else {
          row.lastOk.set(file.kind, outcome.body);
          if (done >= windowStart && done <= windowEnd) {
            row.latencies.push(done - t0);
            row.okBytes += file.bytes.length;
          }
        }
      }
    }),
  );
  clearTimeout(t1);
  clearTimeout(t2);
  row.requests += sent;
  if (!first || !last) throw new Error('a segment ended before its measuring window did');
  row.elapsedMs += windowEnd - windowStart;
  row.cpu.loadgen += last.loadgen - first.loadgen;
  if (row.cpu.middle !== undefined) row.cpu.middle += last.middle! - first.middle!;
  row.cpu.emulator += last.emulator - first.emulator;
  row.cpu.machine += last.machine - first.machine;
}

/** POSTs a multipart upload over a keep-alive agent; `accept` decides whether the reply is a success. */
function multipartSender(port: number, path: string, agent: http.Agent, accept: (status: number, body: string, p: Payload) => string | null): Send {
  return (p) =>
    new Promise<Outcome>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': p.head.length + p.bytes.length + p.tail.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            const problem = accept(res.statusCode ?? 0, body, p);
            resolve(problem ? { ok: false, error: problem } : { ok: true, body });
          });
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      req.on('error', reject);
      req.on('socket', tolerateLateErrors);
      req.write(p.head);
      req.write(p.bytes);
      req.end(p.tail);
    });
}

/** Non-image files must be stored as sent; photos may be re-encoded to fit carriers, so they must come back as an image. */
const acceptService = (status: number, body: string, p: Payload): string | null => {
  if (status !== 201) return `HTTP ${status}${codeOf(body)}`;
  const media = (JSON.parse(body) as { media?: { size?: number; sha256?: string; kind?: string } }).media;
  if (p.kind === 'jpg') return media?.kind === 'image' && /^[0-9a-f]{64}$/.test(media.sha256 ?? '') ? null : '201 without an image';
  return media?.size === p.bytes.length && media.sha256 === p.sha256 ? null : '201 with wrong size or sha256';
};
const acceptRelay = (status: number, body: string): string | null => (status === 201 ? null : `HTTP ${status}${codeOf(body)}`);

function codeOf(body: string): string {
  try {
    const code = (JSON.parse(body) as { code?: string }).code;
    return code ? ` ${code}` : '';
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

interface Child {
  proc: ChildProcess;
  ready: Promise<Record<string, unknown>>;
  output: string[];
}

function start(command: [string, ...string[]], env: Record<string, string>, waitForLine: boolean): Child {
  const proc = spawn(command[0], command.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  const output: string[] = [];
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffered = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl; (nl = buffered.indexOf('\n')) !== -1; buffered = buffered.slice(nl + 1)) {
        const line = buffered.slice(0, nl);
        output.push(line);
        if (output.length > 50) output.shift();
        if (waitForLine && line.startsWith('{"ready":true')) resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      output.push(...chunk.toString().split('\n').filter(Boolean));
      output.splice(0, Math.max(0, output.length - 50));
    });
    proc.once('exit', (code) => reject(new Error(`${command.join(' ')} exited (${code}):\n${output.join('\n')}`)));
    if (!waitForLine) resolve({});
  });
  ready.catch(() => {});
  return { proc, ready, output };
}

async function stop(child: Pick<Child, 'proc'>): Promise<void> {
  if (child.proc.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function procStatus(pid: number, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : undefined;
}

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime (fields 14 and 15 of the line)
}
/** CPU seconds the whole machine has spent busy (all cores, all processes, the kernel), from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq] = fields.map(Number) as number[];
  return (user! + nice! + system! + irq! + softirq!) / TICKS;
}

const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function waitHealthy(port: number, child: Child): Promise<void> {
  for (const until = Date.now() + 30_000; Date.now() < until; ) {
    if (child.proc.exitCode !== null) throw new Error(`the service exited (${child.proc.exitCode}):\n${child.output.join('\n')}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the service did not answer /healthz within 30 s:\n${child.output.join('\n')}`);
}

/** Empties the bucket between rows (objects live on the emulator's disk), keeping the emulator's own files. */
async function emptyBucket(dir: string): Promise<void> {
  const root = join(dir, BUCKET);
  for (const entry of await readdir(root)) if (!entry.startsWith('._S3rver')) await rm(join(root, entry), { recursive: true, force: true, maxRetries: 5 }); // a background job may still be writing
}

// ---------------------------------------------------------------------------------------------------------------
// The run

async function main(): Promise<void> {
  const clients = wholeNumber('clients', args.clients!, 1, 256);
  const seconds = wholeNumber('seconds', args.seconds!, 1, 600);
  const rounds = wholeNumber('rounds', args.rounds!, 1, Math.min(20, seconds));
  const watchdog = setTimeout(
    () => {
      console.error('bench:load: the run overstayed its time budget; stopping.');
      process.exit(2);
    },
    (4 * seconds + 4 * rounds * 60 + 300) * 1000,
  );
  watchdog.unref();

  const cpu = os.cpus();
  console.log('# mms-media upload load test\n');
  console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`);
  console.log(
    `run: ${clients} concurrent clients; each row runs ${seconds} s in all, in ${rounds} segment(s) of ${(seconds / rounds).toFixed(1)} s interleaved with the other rows; everything on loopback`,
  );

  // The service runs as deployed: compiled, without the TypeScript loader (which alone adds ~30 MiB of RSS).
  console.log(`service: ${SERVICE.join(' ')}${process.env.MALLOC_ARENA_MAX ? ` with MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX}` : ''}`);
  const files = await makePayloads();
  const nonImage = files.filter((f) => f.kind !== 'jpg');
  console.log(`files: ${files.map((f) => `${f.kind} ${(f.bytes.length / MB).toFixed(2)} MB`).join(', ')}`);

  const emulator = start([process.execPath, '--import', 'tsx', SELF, '--role', 'emulator'], {}, true);
  const agents: http.Agent[] = [];
  let direct: S3Client | undefined;
  try {
    const { endpoint, dir } = (await emulator.ready) as { endpoint: string; dir: string };
    const s3Env = { S3_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey };
    const agent = () => {
      const a = new http.Agent({ keepAlive: true, maxSockets: clients });
      agents.push(a);
      return a;
    };

    // The processes in the middle, each serving one row only (so each VmHWM is that row's peak).
    const startService = async () => {
      const port = await freePort();
      const child = start(SERVICE, {
        ...SERVICE_ENV,
        ...s3Env,
        PORT: String(port),
        HOST: '127.0.0.1',
        STORAGE_DRIVER: 's3',
        S3_BUCKET: BUCKET,
        S3_REGION: 'us-east-1',
        S3_FORCE_PATH_STYLE: 'true',
        MEDIA_URL_TTL_SECONDS: '86400',
        LOG_LEVEL: 'warn',
      }, false);
      await waitHealthy(port, child);
      return { child, port, send: multipartSender(port, '/v1/media', agent(), acceptService) };
    };
    const relay = start([process.execPath, '--import', 'tsx', SELF, '--role', 'relay'], s3Env, true);
    const { port: relayPort } = (await relay.ready) as { port: number };
    const [serviceAll, serviceNon, serviceTus] = [await startService(), await startService(), await startService()];
    const tusAlone = start([process.execPath, '--import', 'tsx', SELF, '--role', 'tus-alone'], { ...s3Env, STORAGE_DRIVER: 's3', S3_BUCKET: BUCKET, S3_FORCE_PATH_STYLE: 'true' }, true);
    const { port: tusAlonePort } = (await tusAlone.ready) as { port: number };
    const big = [payload('mp4', mp4Of(TUS_FILE_BYTES), 'video/mp4')];
    direct = createS3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: CREDENTIALS });
    const directClient = direct;
    let n = 0;

    const plan: Array<{ row: RowResult; middle?: Child; files: Payload[]; send: Send }> = [
      { row: emptyRow('service (all files)', true), middle: serviceAll.child, files, send: serviceAll.send },
      { row: emptyRow('service (non-image only)', true), middle: serviceNon.child, files: nonImage, send: serviceNon.send },
      {
        row: emptyRow('SDK direct (non-image)', false),
        files: nonImage,
        send: async (p) => {
          await directClient.send(new PutObjectCommand({ Bucket: BUCKET, Key: `direct/${n++}.${p.kind}`, Body: p.bytes, ContentType: p.contentType }));
          return { ok: true, body: '' };
        },
      },
      { row: emptyRow('bare relay (non-image)', true), middle: relay, files: nonImage, send: multipartSender(relayPort, '/', agent(), acceptRelay) },
      { row: emptyRow('service /v1/uploads (8 MB, tus)', true), middle: serviceTus.child, files: big, send: tusSender(serviceTus.port, '/v1/uploads', agent()) },
      { row: emptyRow('@tus/server alone (8 MB, tus)', true), middle: tusAlone, files: big, send: tusSender(tusAlonePort, '/files', agent()) },
      { row: emptyRow('bare relay (8 MB)', true), middle: relay, files: big, send: multipartSender(relayPort, '/', agent(), acceptRelay) },
    ];

    // Warm-up: not counted, except its errors.
    const noSample = (): CpuSample => ({ loadgen: 0, emulator: 0, machine: 0 });
    for (const step of plan) {
      const warm = emptyRow(step.row.name, false);
      await load(warm, clients, WARMUP_SECONDS, step.files, step.send, noSample);
      for (const [error, count] of warm.errors) step.row.errors.set(error, (step.row.errors.get(error) ?? 0) + count);
      await emptyBucket(dir);
    }
    console.log('\nrunning:');
    for (let round = 0; round < rounds; round++) {
      // Rotated each round, so no row always runs first or after the same neighbour.
      for (const step of plan.map((_, i) => plan[(i + round) % plan.length]!)) {
        const { row, middle } = step;
        const pid = middle?.proc.pid;
        const sample = (): CpuSample => ({
          loadgen: ownCpu(),
          middle: pid === undefined ? undefined : cpuSeconds(pid),
          emulator: cpuSeconds(emulator.proc.pid!),
          machine: machineBusySeconds(),
        });
        await load(row, clients, seconds / rounds, step.files, step.send, sample);
        if (round === rounds - 1 && row.name.startsWith('service (')) await verifyStored(row, step.files);
        // Every segment: the service hosts finished uploads in the background, so its last one is waited for before the next row.
        if (step.row.name.startsWith('service /v1')) await settleTus(row, serviceTus.port);
        console.log(`  round ${round + 1}/${rounds}, ${row.name}: ${row.requests} requests so far`);
        await emptyBucket(dir);
      }
    }
    for (const { row, middle } of plan) row.peakRssBytes = middle && procStatus(middle.proc.pid!, 'VmHWM');
    for (const a of agents) a.destroy();
    await Promise.all([stop(serviceAll.child), stop(serviceNon.child), stop(serviceTus.child), stop(tusAlone), stop(relay)]);
    report(plan.map((p) => p.row), clients, seconds, rounds);
    for (const { row, middle } of plan) {
      if (!middle || row.errors.size === 0) continue;
      const lines = middle.output.filter((l) => l.startsWith('{') && !/API_KEYS|TELI_API_KEY/.test(l)).slice(-5);
      if (lines.length) console.log(`\nlast log lines of ${row.name}:\n${lines.join('\n')}`);
    }
  } finally {
    for (const a of agents) a.destroy();
    direct?.destroy();
    await Promise.all([...children].map((proc) => stop({ proc })));
  }
}

/** The last upload of each kind, fetched back through its URL, must be the bytes the reply's sha256 names (for non-image files, the bytes sent). */
async function verifyStored(row: RowResult, mix: Payload[]): Promise<void> {
  for (const p of mix) {
    const body = row.lastOk.get(p.kind);
    if (!body) continue;
    const { url, sha256 } = (JSON.parse(body) as { media: { url: string; sha256: string } }).media;
    const res = await fetch(url);
    const back = Buffer.from(await res.arrayBuffer());
    const problem = res.status !== 200 ? `stored ${p.kind} unreadable (HTTP ${res.status})` : createHash('sha256').update(back).digest('hex') !== sha256 ? `stored ${p.kind} differs from its sha256` : null;
    if (problem) row.errors.set(problem, (row.errors.get(problem) ?? 0) + 1);
  }
}

/**
 * The service hosts a finished resumable upload in the background: waits until its video queue is empty (at most
 * 120 s), so that the next row does not share the machine with it, then checks the pipeline's answer on the
 * segment's last upload (GET <upload URL>/media). The synthetic mp4 has no playable stream, so that answer is its
 * refusal, 422 unreadable_media; anything else (still processing, 503 server_busy from a full queue) is an error.
 */
async function settleTus(row: RowResult, port: number): Promise<void> {
  const busy = async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return [...metrics.matchAll(/^mms_media_av_(?:queue_depth|processing) (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0) > 0;
  };
  for (const until = Date.now() + 120_000; Date.now() < until && (await busy()); ) await new Promise((r) => setTimeout(r, 250));
  const url = row.lastOk.get('mp4');
  if (!url) return;
  const status = `http://127.0.0.1:${port}${new URL(url).pathname}/media`;
  let problem: string | null = 'tus upload still processing after 60 s';
  for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
    const res = await fetch(status);
    const body = (await res.json()) as { status?: string; code?: string };
    if (res.status === 200 && body.status === 'processing') continue;
    if (body.status !== 'failed' && body.status !== 'ready') continue; // the status request itself refused (busy): asked again
    problem = res.status === 422 && body.code === 'unreadable_media' ? null : `tus upload ${body.status}: HTTP ${res.status} ${body.code ?? ''}`;
    break;
  }
  if (problem) row.errors.set(problem, (row.errors.get(problem) ?? 0) + 1);
}

function report(rows: RowResult[], clients: number, seconds: number, rounds: number): void {
  const byName = (prefix: string) => rows.find((r) => r.name.startsWith(prefix))!;
  const ordered = [byName('service (all'), byName('service (non'), byName('SDK direct'), byName('bare relay (non'), byName('service /v1/uploads'), byName('@tus/server'), byName('bare relay (8')];
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

  const [all, non, , relay, tus, tusAlone] = ordered as [RowResult, RowResult, RowResult, RowResult, RowResult, RowResult];
  const tusRatio = mbps(tus) / mbps(tusAlone);
  const tusRatioByLatency = mbpsByLatency(tus) / mbpsByLatency(tusAlone);
  const ratio = mbps(non) / mbps(relay);
  const serviceErrors = errorCount(all) + errorCount(non) + errorCount(tus);
  const peak = Math.max(all.peakRssBytes ?? 0, non.peakRssBytes ?? 0, tus.peakRssBytes ?? 0);
  const mark = (met: boolean) => (met ? 'met' : 'NOT MET');
  console.log('\n## Targets\n');
  console.log(
    `- service non-image throughput / bare relay throughput: ${(ratio * 100).toFixed(0)}% (${mbps(non).toFixed(1)} / ${mbps(relay).toFixed(1)} MB/s; target ≥ 90%): ${mark(ratio >= 0.9)}`,
  );
  console.log(
    `- service /v1/uploads throughput / @tus/server alone (8 MB, tus): ${(tusRatio * 100).toFixed(0)}% (${mbps(tus).toFixed(1)} / ${mbps(tusAlone).toFixed(1)} MB/s; by latency ${(tusRatioByLatency * 100).toFixed(0)}%; target ≥ 90%): ${mark(tusRatio >= 0.9)}`,
  );
  console.log(`- errors at ${clients} clients${clients === 32 ? '' : ' (the target is stated at 32)'}: ${serviceErrors} (target 0): ${mark(serviceErrors === 0)}`);
  console.log(`- peak RSS of the service: ${Math.round(peak / MB)} MB = ${Math.round(peak / 2 ** 20)} MiB (target < 512 MB): ${mark(peak < 512 * MB)}`);
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function wholeNumber(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`bench:load: --${name} must be a whole number from ${min} to ${max} (got "${value}")`);
    process.exit(1);
  }
  return n;
}

// Last, so that every constant above is initialised before a role runs.
if (args.role === 'emulator') await runEmulator();
else if (args.role === 'relay') await runRelay();
else if (args.role === 'tus-alone') await runTusAlone();
else await main();
