/**
 * `npm run bench:store`: what a resumable upload asks of the store, beside @tus/server alone. bench:load's tus rows
 * run the S3 emulator (one thread) on the same cores as the service, so every request the service makes to the
 * store is time taken from the uploads; this prints the requests per 8 MB tus upload (POST, one PATCH, then
 * hosting), by kind (staged objects named without the service's staging prefix, so that both columns line up):
 * the service's /v1/uploads (on S3, with its locks, job record and the copy of the media) and @tus/server alone on
 * the same staging store. Everything runs in this process, one upload at a time, after a few uncounted ones.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../src/config.js';
import { startTestApp } from '../test/support/app.js';
import { startS3Server } from '../test/support/s3-server.js';
import { tusPayload } from './load-payloads.js';
import { tusAloneServer, tusSender } from './tus-load.js';

const UPLOADS = 6;
const WARM = 2;

let counting: Map<string, number> | undefined;
/** A request as a kind: method, what it touches (ids and the media's extension left out), the S3 operation. */
function kindOf(req: http.IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname.split('/').slice(2).join('/').replace(/^uploads\/tus\//, '').replace(/[0-9a-f]{32}|[A-Za-z0-9_-]{22}/g, '…').replace(/…\.(mp4|mp3|pdf|jpg)$/, '<media>');
  const op = ['uploads', 'uploadId', 'partNumber'].filter((k) => url.searchParams.has(k)).join('+');
  const extra = req.headers['x-amz-copy-source'] ? ' (copy)' : req.headers['if-none-match'] ? ' (if absent)' : req.headers['if-match'] ? ' (if match)' : '';
  return `${req.method} ${path}${op ? `?${op}` : ''}${extra}`;
}

const s3 = await startS3Server('mms-media-bench-store', {
  onRequest: (req) => {
    if (!counting || !req.url?.includes('/mms-media-bench-store')) return;
    const kind = kindOf(req);
    counting.set(kind, (counting.get(kind) ?? 0) + 1);
  },
});
const env = { ...s3.serviceEnv(), MEDIA_URL_TTL_SECONDS: '86400', LOG_LEVEL: 'warn' };
const file = tusPayload();

const agent = new http.Agent({ keepAlive: true });
/** One tus upload as bench:load sends it (tusSender); resolves once it (and, for the service, its hosting) is done. */
async function upload(port: number, path: string, settled: (id: string) => Promise<unknown>): Promise<void> {
  const sent = await tusSender(port, path, agent)(file);
  if (!sent.ok) throw new Error(sent.error);
  await settled(sent.body.split('/').pop()!);
}

async function countPerUpload(run: () => Promise<void>): Promise<Map<string, number>> {
  for (let i = 0; i < WARM; i++) await run();
  counting = new Map();
  for (let i = 0; i < UPLOADS; i++) await run();
  const counted = counting;
  counting = undefined;
  return counted;
}

// The service, hosting each upload in the background: its job's end is what is waited for.
const service = await startTestApp(env);
const ended = new Map<string, Promise<boolean>>();
const jobs = service.deps.media.jobs;
const end = jobs.end.bind(jobs);
jobs.end = (id, ...rest) => {
  const done = end(id, ...rest);
  ended.set(id, done);
  return done;
};
const serviceCounts = await countPerUpload(() => upload(Number(new URL(service.baseUrl).port), '/v1/uploads', async (id) => ended.get(id)));

// @tus/server alone, as bench:load runs it.
const alone = tusAloneServer(parseConfig(env));
await new Promise<void>((resolve) => alone.listen(0, '127.0.0.1', resolve));
const aloneCounts = await countPerUpload(() => upload((alone.address() as AddressInfo).port, '/files', async () => undefined));

console.log(`# Store requests per resumable upload (8 MB MP4, optimize=off; mean of ${UPLOADS})\n`);
console.log('| request | service /v1/uploads | @tus/server alone |');
console.log('|---|---:|---:|');
const per = (m: Map<string, number>, k: string) => Math.round((10 * (m.get(k) ?? 0)) / UPLOADS) / 10;
const kinds = [...new Set([...serviceCounts.keys(), ...aloneCounts.keys()])].sort((a, b) => per(serviceCounts, b) - per(serviceCounts, a) || a.localeCompare(b));
for (const k of kinds) console.log(`| \`${k}\` | ${per(serviceCounts, k)} | ${per(aloneCounts, k)} |`);
const total = (m: Map<string, number>) => Math.round((10 * [...m.values()].reduce((a, b) => a + b, 0)) / UPLOADS) / 10;
console.log(`| all | ${total(serviceCounts)} | ${total(aloneCounts)} |`);

agent.destroy();
alone.close();
alone.closeAllConnections();
await service.close();
await s3.stop();
process.exit(0);
