import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { AppError, isAppError } from '../core/errors.js';
import { urlTimeout, urlTooLarge } from '../core/fetch-errors.js';
import type { GuardedFetcher, OutboundRequest, OutboundResponse } from '../core/ports.js';
import type { UrlGuard } from '../core/url-guard.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name → addresses. The system resolver by default; tests pass their own (internal.test → 127.0.0.1). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolve: Resolve = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/**
 * The guarded fetcher for Node, on node:http/node:https. An IP-literal host is checked before connecting;
 * a name goes through our own `lookup`, which resolves it once, checks every address it resolves to, and
 * hands exactly those checked addresses to the socket, so there is no second lookup a rebinding DNS server
 * could answer differently. No agent (no pooled sockets), no proxy, no redirects, no decompression.
 */
export class NodeFetcher implements GuardedFetcher {
  constructor(private readonly options: { guard: UrlGuard; resolve?: Resolve; userAgent?: string }) {}

  async fetch(url: URL, request: OutboundRequest): Promise<OutboundResponse> {
    const literal = this.options.guard.checkUrl(url);
    const { signal } = request;
    if (signal.aborted) throw urlTimeout(url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<OutboundResponse>((resolve, reject) => {
      const req = send({
        host: literal ?? url.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: {
          'user-agent': this.options.userAgent ?? 'mms-media-preflight/1',
          'accept-encoding': 'identity',
          connection: 'close',
          ...request.headers,
          host: url.host,
        },
        agent: false,
        lookup: this.lookup(url),
        ...(url.protocol === 'https:' && !literal ? { servername: url.hostname } : {}),
      });
      const onAbort = () => req.destroy(urlTimeout(url));
      signal.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => signal.removeEventListener('abort', onAbort);
      req.once('error', (err) => {
        cleanup();
        reject(failure(err, url));
      });
      req.once('response', (res) => {
        resolve({
          status: res.statusCode ?? 0,
          headers: toHeaders(res),
          body: request.method === 'HEAD' ? (res.resume(), null) : bodyStream(res, request.maxBytes, url, signal, cleanup),
        });
        if (request.method === 'HEAD') cleanup();
      });
      req.end();
    });
  }

  /** Resolves once, refuses the name if any address is not allowed, and connects only to checked addresses. */
  private lookup(url: URL): LookupFunction {
    const resolveName = this.options.resolve ?? systemResolve;
    return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      resolveName(hostname).then(
        (addresses) => {
          if (addresses.length === 0) throw new AppError(422, 'url_not_fetchable', `${hostname} does not resolve to any address.`);
          this.options.guard.checkAddresses(url, addresses.map((a) => a.address));
          if (options.all) callback(null, addresses);
          else callback(null, addresses[0]!.address, addresses[0]!.family);
        },
      ).catch((err: unknown) => callback(err));
    }) as LookupFunction;
  }
}

function bodyStream(res: IncomingMessage, maxBytes: number, url: URL, signal: AbortSignal, cleanup: () => void): ReadableStream<Uint8Array> {
  let received = 0;
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const fail = (err: unknown) => {
          if (settled) return;
          settled = true;
          cleanup();
          controller.error(signal.aborted ? urlTimeout(url) : failure(err, url));
          res.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          received += chunk.length;
          if (received > maxBytes) return fail(urlTooLarge(url, maxBytes));
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) res.pause();
        });
        res.once('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          controller.close();
        });
        res.once('error', fail);
        res.once('close', () => {
          if (!res.complete) fail(new Error('the connection closed before the whole file arrived'));
        });
      },
      pull() {
        res.resume();
      },
      cancel() {
        settled = true;
        cleanup();
        res.destroy();
      },
    },
    { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength },
  );
}

function toHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || name === 'set-cookie') continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}


function failure(err: unknown, url: URL): AppError {
  if (isAppError(err)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `${url.hostname} does not resolve`
      : code === 'ECONNREFUSED'
        ? `${url.host} refused the connection`
        : code?.startsWith('ERR_TLS') || code?.includes('CERT')
          ? `${url.host} has a TLS certificate problem (${code})`
          : `${url.host} could not be reached (${code ?? (err as Error).message})`;
  return new AppError(422, 'url_not_fetchable', `${why}.`, { cause: err });
}
