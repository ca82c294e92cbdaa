import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A file server on loopback that misbehaves on demand, the way real media hosts do: ignores Range, sends no
 * Content-Length (chunked), redirects, answers slowly or never, asks for credentials. Every request is recorded
 * (also unknown paths), so an SSRF test can prove that nothing reached it.
 */
export interface VirtualFile {
  /** The first bytes (a format's signature); the rest of `size` is zeros, generated as it is sent. */
  prefix: Uint8Array;
  size: number;
}

export interface Route {
  status?: number;
  headers?: Record<string, string>;
  file?: VirtualFile;
  /** Declare Content-Length (default true); false sends the body chunked. */
  contentLength?: boolean;
  /** Honour Range with 206 (default true). */
  ranges?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer. */
  hang?: boolean;
  /** Send the headers and this many bytes of the body, then nothing more (the connection stays open). */
  stallAfter?: number;
  /** Answer 302 with this Location. */
  redirect?: string;
}

export interface Served {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  bytesSent: number;
  completed: boolean;
}

export interface MediaServer {
  baseUrl: string;
  /** host:port, as FETCH_ALLOW_PRIVATE_HOSTS names it. */
  hostPort: string;
  port: number;
  url(path: string): string;
  routes: Record<string, Route>;
  requests: Served[];
  close(): Promise<void>;
}

export async function startMediaServer(routes: Record<string, Route> = {}): Promise<MediaServer> {
  const requests: Served[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const served: Served = { method: req.method ?? '', path, headers: req.headers, bytesSent: 0, completed: false };
    requests.push(served);
    const route = routes[path];
    if (!route) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    if (route.hang) return;
    const answer = () => void respond(req, res, route, served).catch(() => res.destroy());
    if (route.delayMs) setTimeout(answer, route.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    hostPort: `127.0.0.1:${port}`,
    port,
    url: (path) => `${baseUrl}${path}`,
    routes,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function respond(req: IncomingMessage, res: ServerResponse, route: Route, served: Served): Promise<void> {
  if (route.redirect) return void res.writeHead(302, { location: route.redirect }).end();
  const headers: Record<string, string> = { ...route.headers };
  const file = route.file;
  if (!file || (route.status && route.status !== 200)) {
    const body = route.status === 401 ? 'login required' : '';
    return void res.writeHead(route.status ?? 200, { 'content-type': 'text/plain', ...headers }).end(body);
  }
  let start = 0;
  let end = file.size - 1;
  let status = 200;
  const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
  if (range && route.ranges !== false) {
    start = Number(range[1]);
    if (start >= file.size) return void res.writeHead(416, { 'content-range': `bytes */${file.size}` }).end();
    end = Math.min(range[2] ? Number(range[2]) : end, file.size - 1);
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${file.size}`;
  }
  if (route.contentLength !== false) headers['content-length'] = String(end - start + 1);
  res.writeHead(status, headers);
  if (req.method === 'HEAD') return void res.end();
  for (let at = start; at <= end; ) {
    if (res.destroyed || (route.stallAfter !== undefined && served.bytesSent >= route.stallAfter)) return;
    const n = Math.min(64 * 1024, end - at + 1);
    const chunk = Buffer.alloc(n);
    if (at < file.prefix.length) chunk.set(file.prefix.subarray(at, Math.min(file.prefix.length, at + n)));
    at += n;
    served.bytesSent += n;
    if (!res.write(chunk)) await drained(res);
  }
  res.end(() => (served.completed = true));
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
