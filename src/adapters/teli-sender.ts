import { AppError } from '../core/errors.js';
import type { MmsSender, SendRequest, SendResult } from '../core/ports.js';

/** The real send endpoint, over fetch (Node and Workers alike). One attempt, bounded by a timeout. */
export class TeliSender implements MmsSender {
  constructor(private readonly options: { baseUrl: string; apiKey: string; timeoutMs: number; fetch?: typeof fetch }) {}

  async send(request: SendRequest): Promise<SendResult> {
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      // Relative to the base, so that a base with a path prefix (a gateway) keeps it.
      response = await doFetch(new URL('v1/mms/send', `${this.options.baseUrl.replace(/\/+$/, '')}/`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': this.options.apiKey },
        body: JSON.stringify(request),
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
