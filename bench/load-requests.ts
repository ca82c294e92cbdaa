/**
 * How `npm run bench:load` loads a row: clients in loops, the multipart sender, what counts as a success, and the
 * checks on what the service stored.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { BOUNDARY, type Payload } from './load-payloads.js';
import type { CpuSample, RowResult } from './load-report.js';
import { tolerateLateErrors } from './tus-load.js';

const REQUEST_TIMEOUT_MS = 60_000;
const MAX_REQUESTS_PER_SEGMENT = 100_000;
export const RAMP_SECONDS = 2;

export type Outcome = { ok: true; body: string } | { ok: false; error: string };
export type Send = (p: Payload) => Promise<Outcome>;

/**
 * One segment of a row: `clients` loops send the files in turn. The first RAMP_SECONDS are not counted (every
 * client gets a request in flight), then a window of `seconds` is: requests that complete inside it give the
 * throughput and latencies, and CPU is sampled at its edges. At its end the clients stop sending and the
 * requests still in flight are finished but not counted. Errors are counted whenever they happen.
 */
export async function load(row: RowResult, clients: number, seconds: number, files: Payload[], send: Send, sample: () => CpuSample): Promise<void> {
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
export function multipartSender(port: number, path: string, agent: http.Agent, accept: (status: number, body: string, p: Payload) => string | null): Send {
  return (p) =>
    new Promise<Outcome>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: '127.0.0.1',
          port,
          path: p.query ? `${path}?${p.query}` : path,
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
export const acceptService = (status: number, body: string, p: Payload): string | null =>
  status === 201 ? storedAsSent((JSON.parse(body) as { media?: StoredMedia }).media, p) : `HTTP ${status}${codeOf(body)}`;

interface StoredMedia {
  size?: number;
  sha256?: string;
  kind?: string;
}
const KIND_OF: Record<Payload['kind'], string> = { jpg: 'image', mp4: 'video', mp3: 'audio', pdf: 'document' };

/** Why `media` is not `p` as it should be stored, or null: the photo an image, anything else its own bytes and kind. */
function storedAsSent(media: StoredMedia | undefined, p: Payload): string | null {
  if (media?.kind !== KIND_OF[p.kind]) return `201 with kind ${media?.kind} for a ${p.kind}`;
  if (p.kind === 'jpg') return /^[0-9a-f]{64}$/.test(media.sha256 ?? '') ? null : '201 without a sha256';
  return media.size === p.bytes.length && media.sha256 === p.sha256 ? null : '201 with wrong size or sha256';
}
export const acceptRelay = (status: number, body: string): string | null => (status === 201 ? null : `HTTP ${status}${codeOf(body)}`);

function codeOf(body: string): string {
  try {
    const code = (JSON.parse(body) as { code?: string }).code;
    return code ? ` ${code}` : '';
  } catch {
    return '';
  }
}

/** The last upload of each kind, fetched back through its URL, must be the bytes the reply's sha256 names (for non-image files, the bytes sent). */
export async function verifyStored(row: RowResult, mix: Payload[]): Promise<void> {
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
 * segment's last upload (GET <upload URL>/media): ready, with the video stored as sent (`p`, its size and
 * sha256); anything else (still processing, a refusal, 503 server_busy from a full queue) is an error.
 */
export async function settleTus(row: RowResult, port: number, p: Payload): Promise<void> {
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
    const body = (await res.json()) as { status?: string; code?: string; media?: StoredMedia };
    if (res.status === 200 && body.status === 'processing') continue;
    if (body.status !== 'failed' && body.status !== 'ready') continue; // the status request itself refused (busy): asked again
    problem = res.status === 200 && body.status === 'ready' ? storedAsSent(body.media, p) : `tus upload ${body.status}: HTTP ${res.status} ${body.code ?? ''}`;
    break;
  }
  if (problem) row.errors.set(problem, (row.errors.get(problem) ?? 0) + 1);
}
