import { AppError, isAppError } from '../core/errors.js';
import { urlTimeout, urlTooLarge } from '../core/fetch-errors.js';
import type { GuardedFetcher, OutboundRequest, OutboundResponse } from '../core/ports.js';
import { emptyStream } from '../core/streams.js';
import type { UrlGuard } from '../core/url-guard.js';

/** What the fetcher needs of the address policy (src/core/url-guard.ts): checks made before connecting. */
export type UrlPolicy = Pick<UrlGuard, 'checkUrl' | 'allowsPrivate'>;

export interface WorkerFetcherOptions {
  policy: UrlPolicy;
  /** The runtime's fetch; tests pass their own network. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * This worker's own public origin and a way to answer it in-process: a Worker cannot fetch its own
   * hostname over the network (same-zone subrequests skip it), yet media URLs often point at it.
   */
  self?: { origin: string; handle(request: Request): Promise<Response> };
  userAgent?: string;
}

/**
 * The guarded fetcher for Workers, on the runtime's fetch. A Worker cannot choose or see DNS answers, so
 * only what can be known before connecting is checked here, the same policy as on Node: the scheme, IP-literal
 * hosts (loopback, private, link-local, metadata, unspecified, NAT64/6to4 forms…) and names that are loopback
 * by definition (localhost, *.localhost), unless FETCH_ALLOW_PRIVATE_HOSTS names the host:port. Names that
 * resolve to private addresses are left to the platform: deployed Workers fetch from Cloudflare's network,
 * which refuses them (see docs/workers.md). One request, redirects returned and never followed.
 */
export class WorkerFetcher implements GuardedFetcher {
  constructor(private readonly options: WorkerFetcherOptions) {}

  async fetch(url: URL, request: OutboundRequest): Promise<OutboundResponse> {
    const { signal } = request;
    const self = this.options.self;
    const own = self !== undefined && url.origin === self.origin;
    if (!own) checkBeforeConnecting(this.options.policy, url);
    if (signal.aborted) throw urlTimeout(url);
    let response: Response;
    try {
      const outbound = new Request(withoutCredentials(url), {
        method: request.method,
        headers: { 'user-agent': this.options.userAgent ?? 'mms-media-preflight/1', 'accept-encoding': 'identity', ...request.headers },
        redirect: 'manual',
        signal,
      });
      response = self && own ? await self.handle(outbound) : await (this.options.fetch ?? ((r: Request) => fetch(r)))(outbound);
    } catch (err) {
      throw signal.aborted ? urlTimeout(url) : failure(err, url);
    }
    const headers = new Headers(response.headers);
    headers.delete('set-cookie');
    if (request.method === 'HEAD' || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      return { status: response.status, headers, body: request.method === 'HEAD' ? null : emptyStream() };
    }
    return { status: response.status, headers, body: bounded(response.body, request.maxBytes, url, signal) };
  }
}

/** The checks every URL a caller sends gets on Workers: scheme, IP literal, loopback names. */
function checkBeforeConnecting(policy: UrlPolicy, url: URL): void {
  policy.checkUrl(url); // scheme; an IP-literal host must be public unless allowlisted
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if ((host === 'localhost' || host.endsWith('.localhost')) && !policy.allowsPrivate(url)) {
    throw new AppError(422, 'blocked_address', `${url.hostname} is a loopback name, not a public address: URLs that lead into private networks are never fetched.`, {
      extra: { address: url.hostname, range: 'loopback' },
    });
  }
}

/**
 * The URL without its user name and password: a Request refuses URLs that carry them (TypeError), and they are
 * never sent anyway, as on Node (preflight reports them as `credentials_in_url`).
 */
function withoutCredentials(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return bare.href;
}

/** Passes the body through, failing with `file_too_large` past `maxBytes` and with `url_timeout` once the budget is spent. */
function bounded(body: ReadableStream<Uint8Array>, maxBytes: number, url: URL, signal: AbortSignal): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let received = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        return controller.error(signal.aborted ? urlTimeout(url) : failure(err, url));
      }
      if (r.done) return controller.close();
      received += r.value.length;
      if (received > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return controller.error(urlTooLarge(url, maxBytes));
      }
      controller.enqueue(r.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}


function failure(err: unknown, url: URL): AppError {
  if (isAppError(err)) return err;
  return new AppError(422, 'url_not_fetchable', `${url.host} could not be reached (${(err as Error)?.message ?? String(err)}).`, { cause: err });
}
