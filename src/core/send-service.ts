import { AppError, isAppError } from './errors.js';
import type { Media, MediaService } from './media-service.js';
import type { Metrics } from '../lib/metrics.js';
import { toE164 } from './phone.js';
import type { ImageOptions, Logger, MmsSender, SendRequest } from './ports.js';
import type { Preflight } from './preflight.js';
import type { PreflightReport } from './preflight-checks.js';
import type { UrlImporter } from './url-import.js';

export interface SendServiceDeps {
  sender: MmsSender;
  /** Checks media_url the way a carrier will fetch it. */
  preflight: Preflight;
  /** Hosts a copy of media_url when hosting fixes what the check found. */
  importer: UrlImporter;
  /** Removes a file hosted for a send that is refused before it is sent. */
  media: MediaService;
  logger: Logger;
  metrics?: Metrics;
}

/** What the caller asks to send, its shape already checked; the phone number is normalised here. */
export type SendFields = Omit<SendRequest, 'media_url'>;

export type RehostMode = 'auto' | 'never' | 'always';

/** Media hosted for a send: a file sent with it, or (rehosted: true) a copy of its media_url. */
export type SentMedia = Media & { rehosted?: true };

/**
 * What a send came to, in one value: the endpoint's reply (its status, its body and what we add), or the error
 * to answer with. Either way `media` is what was hosted for it and is still there.
 */
export type SendOutcome = { media?: SentMedia } & (
  | { ok: true; status: number; body: Record<string, unknown> }
  | { ok: false; error: unknown }
);

/** What a reply says besides the endpoint's answer. */
interface SendContext {
  media?: SentMedia;
  preflight?: PreflightReport;
}

/**
 * The send workflow: a URL is checked, sent as it is or as a hosted copy; a file hosted for the request is sent.
 * The endpoint is called once with a URL that is ready for carriers and its answer comes back as it is. Nothing is
 * retried: once a request may have reached the endpoint, a retry could message the customer twice.
 */
export class SendService {
  constructor(private readonly deps: SendServiceDeps) {}

  /**
   * Sends media_url as the endpoint's own JSON asks. The URL is checked first, so a dead one stops here, before
   * anyone is messaged; then it is sent as it is, or a copy is hosted and sent (see decideRehost). A URL of media
   * this service hosts is not fetched: its record says what it is.
   */
  async mediaUrl(fields: SendFields & { media_url: string }, options: { rehost: RehostMode; image?: Partial<ImageOptions> }): Promise<SendOutcome> {
    const context: SendContext = {};
    return this.settle(context, async () => {
      const request = { ...fields, phone_number: toE164(fields.phone_number) };
      // Media hosted here was made deliverable when it was hosted: it is sent at its current URL, with no fetch,
      // unless a new copy is asked for.
      const own = options.rehost === 'always' ? undefined : await this.deps.media.hostedAt(fields.media_url);
      if (own) return this.deliver({ ...request, media_url: own.url }, undefined);
      context.preflight = await this.deps.preflight.check(fields.media_url);
      if (decideRehost(context.preflight, options.rehost) === 'rehost') {
        context.media = { ...(await this.deps.importer.import(fields.media_url, { image: options.image })), rehosted: true };
      }
      return this.deliver({ ...request, media_url: context.media?.url ?? request.media_url }, context.media);
    });
  }

  /**
   * Sends a file hosted for this request. A form's fields may follow its file, so they are checked only now
   * (`readFields`): when they are wrong the file is removed and nothing is sent.
   */
  async hostedFile(media: Media, readFields: () => SendFields): Promise<SendOutcome> {
    let request: SendRequest;
    try {
      const fields = readFields();
      request = { ...fields, phone_number: toE164(fields.phone_number), media_url: media.url };
    } catch (error) {
      await this.deps.media.discard(media.id);
      return { ok: false, error };
    }
    return this.settle({ media }, () => this.deliver(request, media));
  }

  /** Runs a send and adds what it hosted and what the URL check found, once, to its reply or to its error. */
  private async settle(context: SendContext, send: () => Promise<{ status: number; body: Record<string, unknown> }>): Promise<SendOutcome> {
    try {
      const reply = await send();
      return { ok: true, media: context.media, status: reply.status, body: { ...reply.body, ...attachments(context, false) } };
    } catch (err) {
      const error = isAppError(err)
        ? new AppError(err.status, err.code, err.message, { headers: err.headers, extra: { ...err.extra, ...attachments(context, true) }, cause: err })
        : err;
      return { ok: false, media: context.media, error };
    }
  }

  /** One call to the send endpoint, counted in the metrics; a 3xx or 5xx answer is a 502 (the message may or may not have gone). */
  private async deliver(request: SendRequest, media: Media | undefined) {
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
      throw err;
    }
    count(result.status >= 500 ? 'upstream_5xx' : result.status >= 400 ? 'upstream_4xx' : 'sent');
    const body = isObject(result.body) ? result.body : { success: false, error: String(result.body ?? '') };
    const redirected = result.status >= 300 && result.status < 400;
    const retry = media ? ` Retry with media.url (${media.id}) instead of uploading again.` : '';
    if (result.status < 300 && !isObject(result.body)) {
      // Not the JSON its contract describes: whether the message went out is not known, so it is not said either way.
      this.deps.logger.warn('send endpoint answered without JSON', { upstream_status: result.status });
      throw new AppError(502, 'upstream_unavailable', `The send endpoint answered HTTP ${result.status} without the JSON reply it should give; the message may or may not have been sent: check before sending it again.${retry}`, {
        extra: { upstream_status: result.status, upstream: body },
      });
    }
    if (result.status >= 500 || redirected) {
      // A redirect is never followed (see TeliSender): only the operator can fix it, by configuring where it leads.
      const note = redirected ? 'send endpoint redirected, which is never followed: set TELI_API_BASE_URL to the address it redirects to' : 'send endpoint failed';
      this.deps.logger.warn(note, { upstream_status: result.status });
      throw new AppError(502, 'upstream_unavailable', `The send endpoint failed (HTTP ${result.status}); the message may not have been sent.${retry}`, {
        extra: { upstream_status: result.status, upstream: body },
      });
    }
    return { status: result.status, body };
  }
}

/**
 * What a reply adds to the endpoint's answer: the media hosted for the send, and the URL check's report. A refusal
 * always carries the report; a clean URL sent as it is leaves the endpoint's reply untouched.
 */
function attachments({ media, preflight }: SendContext, refused: boolean): Record<string, unknown> {
  const report = preflight !== undefined && (refused || media !== undefined || preflight.problems.length > 0);
  return { ...(media && { media }), ...(report && { preflight }) };
}

/**
 * What a send does with a preflight report: send the URL as it is, host a copy first, or refuse. A URL we
 * cannot fetch is always refused (a carrier could not fetch it either); `auto` hosts a copy only when every
 * error is one hosting fixes, `always` whenever it can, `never` refuses rather than send a URL with errors.
 */
function decideRehost(report: PreflightReport, mode: RehostMode): 'send' | 'rehost' {
  const errors = report.problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  if (!report.fetchable) {
    throw new AppError(422, 'url_not_fetchable', `media_url cannot be fetched: ${first?.message ?? 'no usable answer.'} Nothing was sent.`);
  }
  if (mode === 'always') return 'rehost';
  if (report.ok) return 'send';
  const unfixable = errors.find((p) => !p.rehostable);
  if (mode === 'auto' && !unfixable) return 'rehost';
  const why = unfixable ?? first!;
  const hint = mode === 'never' && !unfixable ? ' Send with rehost=auto to host a fixed copy.' : '';
  throw new AppError(422, 'media_url_rejected', `media_url would not be delivered: ${why.message}${hint} Nothing was sent.`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
