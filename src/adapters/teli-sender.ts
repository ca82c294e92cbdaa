import type { Config } from '../config.js';
import { AppError } from '../core/errors.js';
import type { MmsSender, SendRequest, SendResult } from '../core/ports.js';

/**
 * The sender both entries use: the real endpoint when TELI_API_KEY is set, else a dry run.
 *
 * TELI_API_BASE_URL is operator configuration, not user input, so it is used as configured on Node and Workers
 * alike: any http(s) URL (parseConfig checks the form), with no private-address check and no need to list it in
 * FETCH_ALLOW_PRIVATE_HOSTS, which governs only the URLs callers send. What keeps the API key and the message on
 * the configured address is that redirects are never followed (see TeliSender).
 */
export function senderFor(config: Pick<Config, 'TELI_API_BASE_URL' | 'TELI_API_KEY' | 'TELI_TIMEOUT_MS'>): MmsSender {
  if (!config.TELI_API_KEY) return new DryRunSender();
  return new TeliSender({ baseUrl: config.TELI_API_BASE_URL, apiKey: config.TELI_API_KEY, timeoutMs: config.TELI_TIMEOUT_MS });
}

/**
 * The real send endpoint, over fetch (Node and Workers alike). One attempt, bounded by a timeout. A redirect is
 * returned as the answer, never followed: following it would carry the API key and the message to an address the
 * operator did not configure (and turn a 301/302 POST into a GET); it is reported as the endpoint failing.
 */
export class TeliSender implements MmsSender {
  constructor(private readonly options: { baseUrl: string; apiKey: string; timeoutMs: number; fetch?: typeof fetch }) {}

  async send(request: SendRequest): Promise<SendResult> {
    const doFetch = this.options.fetch ?? ((input: URL, init: RequestInit) => fetch(input, init));
    let response: Response;
    try {
      // Relative to the base, so that a base with a path prefix (a gateway) keeps it.
      response = await doFetch(new URL('v1/mms/send', `${this.options.baseUrl.replace(/\/+$/, '')}/`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': this.options.apiKey },
        body: JSON.stringify(request),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      throw timedOut
        ? new AppError(504, 'upstream_timeout', `The send endpoint did not answer within ${this.options.timeoutMs} ms; the message may or may not have been sent.`)
        : new AppError(502, 'upstream_unavailable', 'The send endpoint could not be reached; the message was not sent.', { cause: err });
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      // The answer started but did not finish in time: as unknown as a timeout.
      throw new AppError(504, 'upstream_timeout', `The send endpoint's answer did not arrive within ${this.options.timeoutMs} ms; the message may or may not have been sent.`);
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (an HTML error page, say): passed on as text inside the envelope.
    }
    return { status: response.status, body };
  }
}

/**
 * Used when no TELI_API_KEY is configured: nothing leaves the service, and the reply is the body a
 * successful send would get, marked `dry_run`.
 */
export class DryRunSender implements MmsSender {
  async send(request: SendRequest): Promise<SendResult> {
    return {
      status: 200,
      body: {
        success: true,
        message: 'Dry run: nothing was sent (TELI_API_KEY is not set)',
        phone_number: request.phone_number,
        campaign_id: request.campaign_id,
        media_url: request.media_url,
        thread_qualified: false,
        ai_disabled: false,
        human_takeover: true,
        dry_run: true,
      },
    };
  }
}
