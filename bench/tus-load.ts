/**
 * The resumable-upload rows of `npm run bench:load`: 8 MB files sent as tus clients send them (POST to create the
 * upload, then one PATCH with every byte), to the service's /v1/uploads and to @tus/server alone, a plain
 * @tus/server on node:http with the same S3 store and nothing else (no API keys, no hooks, no processing). The
 * bare relay takes the same 8 MB as one request body beside them.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Server } from '@tus/server';
import { parseConfig, type Config } from '../src/config.js';
import { s3Staging } from '../src/adapters/tus/index.js';
import { uploadMetadata } from '../test/support/tus-metadata.js';
import type { Payload } from './load-payloads.js';
import type { Outcome, Send } from './load-requests.js';

const REQUEST_TIMEOUT_MS = 60_000;

/**
 * @tus/server alone, at /files, on the store the service stages uploads in (built from the same environment by the
 * same function), with its own defaults for everything else; prints the ready line load.ts waits for.
 */
export async function runTusAlone(): Promise<void> {
  const server = tusAloneServer(parseConfig(process.env));
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port })));
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}

/** @tus/server alone at /files on the service's staging store (`config`'s bucket), nothing else; not listening yet. */
export function tusAloneServer(config: Config): http.Server {
  const tus = new Server({ path: '/files', datastore: s3Staging(config, config.UPLOAD_EXPIRY_HOURS * 3_600_000) });
  return http.createServer((req, res) => void tus.handle(req, res));
}

/**
 * A tus upload of `p`: POST `path` with Upload-Length (and in Upload-Metadata the file name and, from `p.query`,
 * optimize=off; @tus/server alone ignores it), then PATCH the URL
 * in Location with the whole file from offset 0. Success is a 204 whose Upload-Offset is the file's size; the
 * outcome's body is the upload's URL.
 */
export function tusSender(port: number, path: string, agent: http.Agent): Send {
  return async (p: Payload): Promise<Outcome> => {
    const created = await request(port, agent, 'POST', path, {
      'tus-resumable': '1.0.0',
      'upload-length': String(p.bytes.length),
      'upload-metadata': uploadMetadata({ filename: `upload.${p.kind}`, ...Object.fromEntries(new URLSearchParams(p.query)) }),
      'content-length': '0',
    });
    const location = created.headers.location;
    if (created.status !== 201 || typeof location !== 'string') return { ok: false, error: `POST: HTTP ${created.status}` };
    const url = new URL(location, `http://127.0.0.1:${port}`);
    const patched = await request(
      port,
      agent,
      'PATCH',
      url.pathname,
      { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(p.bytes.length) },
      p.bytes,
    );
    if (patched.status !== 204) return { ok: false, error: `PATCH: HTTP ${patched.status}` };
    if (patched.headers['upload-offset'] !== String(p.bytes.length)) return { ok: false, error: 'PATCH: 204 short of the last byte' };
    return { ok: true, body: url.href };
  };
}


const watched = new WeakSet<Socket>();
/**
 * A server may answer before it has read the whole body (a refusal) and close the connection while the body is
 * still being written; the request already has its outcome, and the socket's late EPIPE must not end the run.
 */
export function tolerateLateErrors(socket: Socket): void {
  if (watched.has(socket)) return;
  watched.add(socket);
  socket.on('error', () => undefined);
}

function request(
  port: number,
  agent: http.Agent,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume();
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', reject);
    req.on('socket', tolerateLateErrors);
    req.end(body);
  });
}
