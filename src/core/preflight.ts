import { formatBytes, isAppError } from './errors.js';
import { fetchFollowing } from './follow.js';
import { contentLength, parseHttpUrl } from './http-values.js';
import { carrierTypeFor, MAX_MEDIA_BYTES, type MediaKind, type MediaType } from './policy.js';
import type { Clock, GuardedFetcher } from './ports.js';
import {
  baseType,
  contentProblems,
  fetchProblem,
  problem,
  statusProblem,
  urlProblems,
  type ImageReach,
  type PreflightReport,
} from './preflight-checks.js';
import { detectType, sampleBytesWanted, type Detected } from './sniff.js';
import { hostIt } from './preflight-problem.js';
import type { AvReach } from './preflight-av.js';
import { concat } from './streams.js';

export type { PreflightReport, Problem, ImageReach } from './preflight-checks.js';

export interface PreflightOptions {
  /** The whole check, every hop included; carriers give up after about 10–15 s. */
  timeoutMs: number;
  /** Slower than this (but within the budget) is a warning. Half the budget unless set. */
  slowMs: number;
  maxRedirects: number;
  maxUrlLength: number;
  /** Signed URLs must stay valid at least this long (carriers retry for about a day). */
  minValidityMs: number;
}

export interface PreflightDeps {
  fetcher: GuardedFetcher;
  clock: Clock;
  images: ImageReach;
  /** Video and audio conversion, where there is one (ffmpeg on Node): what hosting can fix. */
  av?: AvReach;
}

/** The first bytes asked for with Range: enough for any signature, small enough to cost nothing. */
const SNIFF_BYTES = 64 * 1024;
const HOUR = 3_600_000;

/**
 * Checks a media URL the way a carrier will use it: an anonymous GET, redirects followed hop by hop through
 * the SSRF guard, the first bytes sniffed (a Range request, or a bounded read when the server ignores Range),
 * the size taken from Content-Length or Content-Range. A file is read further only when the server does not
 * say its size, and then only up to its type's limit. Never throws for a bad URL: everything is in the report.
 */
export class Preflight {
  readonly options: PreflightOptions;

  constructor(
    private readonly deps: PreflightDeps,
    options: Partial<PreflightOptions> = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.options = { timeoutMs, slowMs: timeoutMs / 2, maxRedirects: 5, maxUrlLength: 2000, minValidityMs: 24 * HOUR, ...options };
  }

  async check(mediaUrl: string): Promise<PreflightReport> {
    const started = this.deps.clock.now();
    const report: PreflightReport = {
      ok: false,
      fetchable: false,
      media_url: mediaUrl,
      final_url: null,
      redirects: [],
      status: null,
      content_type: null,
      detected: null,
      size: null,
      expires_at: null,
      elapsed_ms: 0,
      problems: [],
    };
    const url = parseHttpUrl(mediaUrl);
    if (!url) {
      report.problems.push(problem('not_http', 'error', 'media_url must be a valid http:// or https:// URL.', 'Send the full address of the file, starting with https://.'));
      return this.finish(report, started);
    }
    const checked = urlProblems(mediaUrl, url, started, this.options);
    report.problems.push(...checked.problems);
    report.expires_at = checked.expiresAt?.toISOString() ?? null;
    try {
      const timing = { started: started.getTime(), firstBytes: undefined as number | undefined };
      await this.inspect(url, report, AbortSignal.timeout(this.options.timeoutMs), checked.problems.some((p) => p.code === 'expired'), timing);
      const wait = (timing.firstBytes ?? timing.started) - timing.started;
      if (report.fetchable && wait > this.options.slowMs) {
        report.problems.push(problem('slow', 'warning', `The server took ${(wait / 1000).toFixed(1)} s to start sending the file; carriers give up after about 10–15 s.`,
          'Serve the file from a CDN or faster storage, or let us host it (rehost=always).', true));
      }
    } catch (err) {
      report.fetchable = false;
      report.problems.push(fetchProblem(err, report.redirects.at(-1)));
    }
    return this.finish(report, started);
  }

  private finish(report: PreflightReport, started: Date): PreflightReport {
    report.elapsed_ms = this.deps.clock.now().getTime() - started.getTime();
    report.ok = !report.problems.some((p) => p.severity === 'error');
    return report;
  }

  private async inspect(url: URL, report: PreflightReport, signal: AbortSignal, expired: boolean, timing: { firstBytes?: number }): Promise<void> {
    const { response, url: finalUrl } = await fetchFollowing(
      this.deps.fetcher,
      url,
      { method: 'GET', headers: { range: `bytes=0-${SNIFF_BYTES - 1}`, accept: '*/*' }, signal, maxBytes: MAX_MEDIA_BYTES + SNIFF_BYTES },
      { maxRedirects: this.options.maxRedirects, redirects: report.redirects },
    );
    report.final_url = finalUrl.href;
    report.status = response.status;
    if (report.redirects.length > 0) {
      const hops = report.redirects.length;
      report.problems.push(problem('redirect', 'warning', `The URL redirects (${hops} hop${hops === 1 ? '' : 's'}) to ${finalUrl.href}; some gateways do not follow redirects.`,
        'Send final_url instead, if it does not expire.', true));
    }
    const reader = response.body?.getReader();
    try {
      if (response.status === 416) {
        report.problems.push(problem('empty_file', 'error', 'The file at this URL is empty.', 'Check that the upload finished.'));
        return;
      }
      if (response.status !== 200 && response.status !== 206) {
        report.problems.push(statusProblem(response.status, expired));
        return;
      }
      report.fetchable = true;
      report.content_type = response.headers.get('content-type');
      await this.inspectBody(response.status, response.headers, reader, report, () => (timing.firstBytes = this.deps.clock.now().getTime()));
    } finally {
      await reader?.cancel().catch(() => undefined);
    }
  }

  private async inspectBody(status: number, headers: Headers, reader: Reader | undefined, report: PreflightReport, gotHead: () => void): Promise<void> {
    const declaredSize = status === 206 ? contentRangeTotal(headers.get('content-range')) : (contentLength(headers) ?? null);
    const { head, ended } = await readHead(reader);
    gotHead();
    const detected = await detectType(head);
    const type = detected && carrierTypeFor(detected);
    report.detected = detected ? { content_type: type?.contentType ?? detected.mime, kind: type?.kind ?? kindOf(detected), extension: type?.extension ?? detected.ext } : null;

    let size = declaredSize ?? (status === 200 && ended ? head.length : null);
    let overLimit: number | undefined;
    if (size === null && status === 200 && type && reader) {
      // The server does not say how big the file is: read on, but never past the limit for its type.
      const measured = await measure(reader, head.length, type.maxBytes);
      if (measured.complete) size = measured.bytes;
      else overLimit = type.maxBytes;
    }
    report.size = size;
    if (declaredSize === null) {
      report.problems.push(problem('no_content_length', 'warning', 'The server does not send a Content-Length (a chunked response); some gateways refuse files whose size they cannot see.',
        'Serve the file from storage that sends Content-Length (S3, GCS, a CDN), or let us host it (rehost=always).', true));
    }
    if (head.length === 0 && ended) {
      report.problems.push(problem('empty_file', 'error', 'The file at this URL is empty.', 'Check that the upload finished.'));
      return;
    }
    report.problems.push(...contentProblems(detected, type, baseType(report.content_type), size, head, this.deps.images, this.deps.av));
    if (overLimit !== undefined) report.problems.push(tooLargeUnsized(detected!, type!, overLimit, this.deps.images, this.deps.av));
  }
}

type Reader = ReadableStreamDefaultReader<Uint8Array>;

/** Reads until the sniffer has what it needs (or SNIFF_BYTES, or the end). */
async function readHead(reader: Reader | undefined): Promise<{ head: Uint8Array; ended: boolean }> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  let head: Uint8Array = new Uint8Array(0);
  while (reader && length < Math.min(sampleBytesWanted(head), SNIFF_BYTES)) {
    const r = await reader.read();
    if (r.done) return { head, ended: true };
    chunks.push(r.value);
    length += r.value.length;
    head = concat(chunks);
  }
  return { head, ended: !reader };
}

async function measure(reader: Reader, already: number, limit: number): Promise<{ bytes: number; complete: boolean }> {
  let bytes = already;
  while (bytes <= limit) {
    let r;
    try {
      r = await reader.read();
    } catch (err) {
      if (isAppError(err) && err.code === 'file_too_large') return { bytes, complete: false };
      throw err;
    }
    if (r.done) return { bytes, complete: true };
    bytes += r.value.length;
  }
  return { bytes, complete: false };
}

function tooLargeUnsized(detected: Detected, type: MediaType, limit: number, images: ImageReach, av: AvReach | undefined) {
  const fits = type.kind === 'image' && images.accepts(detected);
  // Video and audio are converted up to the import's own limit, which reading on to find the size would cost.
  const converts = !fits && av?.accepts(detected) === true;
  const fix = fits
    ? 'Resize it, or let us host it: send with rehost=auto (the default), or import it with POST /v1/media {"url": …}; it is resized to fit.'
    : converts
      ? `Re-encode it smaller, ${hostIt(`files up to ${formatBytes(av!.maxInputBytes)} are re-encoded to fit ${formatBytes(images.budgetBytes)}`)}`
      : `Make it smaller than ${formatBytes(limit)}.`;
  return problem('too_large', 'error', `The file is larger than ${formatBytes(limit)}, the limit for ${type.extension} files (the server did not say its size; we stopped reading there).`, fix, fits || converts);
}

function kindOf(detected: Detected): MediaKind | null {
  const top = detected.mime.split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : detected.mime === 'application/pdf' ? 'document' : null;
}

/** `bytes 0-65535/1234567` → 1234567; `bytes 0-65535/*` → null. */
function contentRangeTotal(value: string | null): number | null {
  const m = value && /^\s*bytes\s+(?:\d+-\d+|\*)\/(\d+)\s*$/i.exec(value);
  return m ? Number(m[1]) : null;
}
