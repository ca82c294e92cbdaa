import { AppError, isAppError } from './errors.js';
import type { Media } from './media-service.js';
import type { Metrics } from '../lib/metrics.js';
import type { Logger, MmsSender, SendRequest } from './ports.js';

export interface SendOutcome {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Calls the send endpoint once with a URL that is ready for carriers. The caller's request has been
 * validated already; the endpoint's answer comes back as it is, plus the media we hosted for it. Nothing is
 * retried: once a request may have reached the endpoint, a retry could message the customer twice.
 */
export class MmsService {
  constructor(private readonly deps: { sender: MmsSender; logger: Logger; metrics?: Metrics }) {}

  async send(request: SendRequest, media?: Media): Promise<SendOutcome> {
    const withMedia = media ? { media } : {};
    const started = Date.now();
    const count = (outcome: string) => {
      this.deps.metrics?.sends.inc({ outcome });
      this.deps.metrics?.sendSeconds.observe((Date.now() - started) / 1000);
    };
    let result;
    try {
      result = await this.deps.sender.send(request);
    } catch (err) {
      count(isAppError(err) ? err.code : 'error');
      if (isAppError(err)) throw new AppError(err.status, err.code, err.message, { extra: { ...err.extra, ...withMedia }, cause: err });
      throw err;
    }
    count(result.status >= 500 ? 'upstream_5xx' : result.status >= 400 ? 'upstream_4xx' : 'sent');
    const body = isObject(result.body) ? result.body : { success: false, error: String(result.body ?? '') };
    const redirected = result.status >= 300 && result.status < 400;
    if (result.status >= 500 || redirected) {
      // A redirect is never followed (see TeliSender): only the operator can fix it, by configuring where it leads.
      const note = redirected ? 'send endpoint redirected, which is never followed: set TELI_API_BASE_URL to the address it redirects to' : 'send endpoint failed';
      this.deps.logger.warn(note, { upstream_status: result.status });
      const retry = media ? ` Retry with media.url (${media.id}) instead of uploading again.` : '';
      throw new AppError(502, 'upstream_unavailable', `The send endpoint failed (HTTP ${result.status}); the message may not have been sent.${retry}`, {
        extra: { upstream_status: result.status, upstream: body, ...withMedia },
      });
    }
    return { status: result.status, body: { ...body, ...withMedia } };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
