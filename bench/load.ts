/**
 * `npm run bench:load [-- --clients 32 --seconds 30 --rounds 6]`: upload throughput, latency, errors and peak memory of the
 * service under concurrent load, beside two floors measured in the same run on the same machine:
 *
 *   service (all files)       POST /v1/media, multipart: 12 MP phone JPEG, ~5 MB MP4 (H.264 + AAC), ~2 MB MP3,
 *                             ~1 MB pdf (the photo goes through the service's image pipeline, so it may be stored
 *                             re-encoded; the MP4 and MP3 are real files sent with optimize=off, so their rows
 *                             measure hosting — sniff, ffprobe, keep as sent, store — not transcoding, which is
 *                             bench:media's; see load-payloads.ts)
 *   service (non-image only)  the same without the JPEG
 *   SDK direct                PutObject of the non-image files straight to the S3 emulator (the storage floor)
 *   bare relay                plain node:http piping the raw request body into PutObject, no checks, loaded with
 *                             the same multipart requests as the service (the floor for anything in the middle)
 *   … (8 MB, tus)             resumable uploads of a real ~8 MB MP4 (bench/tus-load.ts; Upload-Metadata
 *                             optimize=off, so the service stores it as sent): the service's /v1/uploads,
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
 * if it overstays. The bucket is emptied after every segment. The services run with MEDIA_QUEUE_LIMIT = --clients
 * (each video or audio upload waits its turn for ffprobe in that queue; the default, 8, turns the rest away).
 *
 * To profile the service: BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:load
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createS3Client } from '../src/adapters/s3-store.js';
import { freePort } from './free-port.js';
import { makePayloads, MB, tusPayload, type Payload } from './load-payloads.js';
import { BUCKET, children, cpuSeconds, CREDENTIALS, emptyBucket, machineBusySeconds, ownCpu, procStatus, runEmulator, runRelay, SERVICE, SERVICE_ENV, start, stop, waitHealthy, type Child } from './load-processes.js';
import { emptyRow, report, type CpuSample, type RowResult } from './load-report.js';
import { acceptRelay, acceptService, load, multipartSender, settleTus, verifyStored, type Send } from './load-requests.js';
import { runTusAlone, tusSender } from './tus-load.js';

const SELF = fileURLToPath(import.meta.url);
const WARMUP_SECONDS = 4;

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '6' },
    /** `tus`: only the three 8 MB rows (resumable uploads, @tus/server alone, the relay taking 8 MB). */
    rows: { type: 'string', default: 'all' },
    role: { type: 'string' },
  },
});

async function main(): Promise<void> {
  const clients = wholeNumber('clients', args.clients!, 1, 256);
  const seconds = wholeNumber('seconds', args.seconds!, 1, 600);
  const rounds = wholeNumber('rounds', args.rounds!, 1, Math.min(20, seconds));
  if (args.rows !== 'all' && args.rows !== 'tus') {
    console.error(`bench:load: --rows must be all or tus (got "${args.rows}")`);
    process.exit(1);
  }
  const onlyTus = args.rows === 'tus';
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
        // Every client may have a video or audio file waiting for its probe: the default queue (8) would refuse the
        // rest with 503 server_busy, which measures the queue's bound, not hosting.
        MEDIA_QUEUE_LIMIT: String(clients),
        LOG_LEVEL: 'warn',
      }, false);
      await waitHealthy(port, child);
      return { child, port, send: multipartSender(port, '/v1/media', agent(), acceptService) };
    };
    const relay = start([process.execPath, '--import', 'tsx', SELF, '--role', 'relay'], s3Env, true);
    const { port: relayPort } = (await relay.ready) as { port: number };
    const serviceTus = await startService();
    const [serviceAll, serviceNon] = onlyTus ? [] : [await startService(), await startService()];
    const tusAlone = start([process.execPath, '--import', 'tsx', SELF, '--role', 'tus-alone'], { ...s3Env, STORAGE_DRIVER: 's3', S3_BUCKET: BUCKET, S3_FORCE_PATH_STYLE: 'true' }, true);
    const { port: tusAlonePort } = (await tusAlone.ready) as { port: number };
    const big = [tusPayload()];
    direct = createS3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: CREDENTIALS });
    const directClient = direct;
    let n = 0;

    const rows: Array<{ row: RowResult; middle?: Child; files: Payload[]; send: Send } | false> = [
      !!serviceAll && { row: emptyRow('service (all files)', true), middle: serviceAll.child, files, send: serviceAll.send },
      !!serviceNon && { row: emptyRow('service (non-image only)', true), middle: serviceNon.child, files: nonImage, send: serviceNon.send },
      !onlyTus && {
        row: emptyRow('SDK direct (non-image)', false),
        files: nonImage,
        send: async (p) => {
          await directClient.send(new PutObjectCommand({ Bucket: BUCKET, Key: `direct/${n++}.${p.kind}`, Body: p.bytes, ContentType: p.contentType }));
          return { ok: true, body: '' };
        },
      },
      !onlyTus && { row: emptyRow('bare relay (non-image)', true), middle: relay, files: nonImage, send: multipartSender(relayPort, '/', agent(), acceptRelay) },
      { row: emptyRow('service /v1/uploads (8 MB, tus)', true), middle: serviceTus.child, files: big, send: tusSender(serviceTus.port, '/v1/uploads', agent()) },
      { row: emptyRow('@tus/server alone (8 MB, tus)', true), middle: tusAlone, files: big, send: tusSender(tusAlonePort, '/files', agent()) },
      { row: emptyRow('bare relay (8 MB)', true), middle: relay, files: big, send: multipartSender(relayPort, '/', agent(), acceptRelay) },
    ];
    const plan = rows.filter((r) => r !== false);

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
        if (step.row.name.startsWith('service /v1')) await settleTus(row, serviceTus.port, big[0]!);
        console.log(`  round ${round + 1}/${rounds}, ${row.name}: ${row.requests} requests so far`);
        await emptyBucket(dir);
      }
    }
    for (const { row, middle } of plan) row.peakRssBytes = middle && procStatus(middle.proc.pid!, 'VmHWM');
    for (const a of agents) a.destroy();
    await Promise.all([serviceAll && stop(serviceAll.child), serviceNon && stop(serviceNon.child), stop(serviceTus.child), stop(tusAlone), stop(relay)]);
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
