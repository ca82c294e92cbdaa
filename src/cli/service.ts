import { CliError, EXIT, isEnvelope, serviceError, unreadableReply } from './exit.js';

/** Where the service is and how to reach it: from MMS_MEDIA_URL / MMS_MEDIA_API_KEY, or --url / --api-key. */
export interface ServiceTarget {
  baseUrl: URL;
  /** Sent as X-API-Key; never printed. */
  apiKey?: string;
}

export interface Reply {
  status: number;
  body: unknown;
}

/** The mms-media HTTP API as the commands use it: JSON in, JSON out, every failure turned into a CliError. */
export class Service {
  constructor(
    readonly target: ServiceTarget,
    /** Ctrl-C: aborts whatever request is under way. */
    readonly signal: AbortSignal,
  ) {}

  /** An address under the base URL (a base with a path prefix, behind a gateway, keeps it). */
  url(path: string): string {
    return new URL(path.replace(/^\/+/, ''), `${this.target.baseUrl.href.replace(/\/+$/, '')}/`).href;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...(this.target.apiKey && { 'x-api-key': this.target.apiKey }), ...extra };
  }

  /** One request; the status and parsed JSON body whatever the status, so a caller can read a refusal itself. */
  async request(method: string, url: string, init: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers = this.headers({ ...(init.json !== undefined && { 'content-type': 'application/json' }), ...init.headers });
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
        signal: this.signal,
        ...(init.body && { duplex: 'half' }),
      } as RequestInit);
    } catch (err) {
      throw this.unreachable(err);
    }
    const text = await response.text().catch((err: unknown) => {
      throw this.unreachable(err);
    });
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: kept as text; `call` reports it as an answer that is not mms-media's.
    }
    return { status: response.status, body };
  }

  /** A request whose 2xx body is returned; the service's refusals become their exit code and sentence. */
  async call<T>(method: string, path: string, json?: unknown): Promise<T> {
    const url = this.url(path);
    const reply = await this.request(method, url, { json });
    return expectOk<T>(reply, url);
  }

  /** A fetch that failed before any answer: the service is not there, or Ctrl-C stopped it. */
  unreachable(err: unknown): CliError {
    if (this.signal.aborted) return interrupted();
    // fetch puts the system's code in `cause`; Node's http (under tus-js-client) on the error itself.
    const failure = err as { cause?: { code?: string }; code?: string; message?: string };
    const cause = failure.cause?.code ?? failure.code ?? failure.message;
    return new CliError(EXIT.service, `The service at ${this.target.baseUrl.origin} cannot be reached (${cause}); check that it is running, or set MMS_MEDIA_URL or --url.`);
  }
}

/** The body of a 2xx reply, or the CliError its refusal means. */
export function expectOk<T>(reply: Reply, url: string): T {
  if (reply.status >= 200 && reply.status < 300 && typeof reply.body === 'object' && reply.body !== null) return reply.body as T;
  if (isEnvelope(reply.body)) throw serviceError(reply.status, reply.body);
  throw unreadableReply(reply.status, url);
}

export const interrupted = (sentence = 'Stopped (Ctrl-C).') => new CliError(EXIT.interrupted, sentence);

export const isInterrupted = (err: unknown) => err instanceof CliError && err.exitCode === EXIT.interrupted;
