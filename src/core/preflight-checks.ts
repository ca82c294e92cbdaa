import { formatBytes, formatBytesBeside, isAppError } from './errors.js';
import { SUPPORTED_LIST, type MediaKind, type MediaType } from './policy.js';
import { signedUrlExpiry } from './presigned-expiry.js';
import type { Detected } from './sniff.js';
import { avFormatFix, avProblems, isAvKind, type AvReach } from './preflight-av.js';
import { hostIt, problem, type Problem } from './preflight-problem.js';

export { hostIt, problem, type Problem };

export interface PreflightReport {
  /** No error-severity problem: carriers should be able to fetch and deliver this URL as it is. */
  ok: boolean;
  /** We could download it anonymously (so it can be rehosted even when it is not ok). */
  fetchable: boolean;
  media_url: string;
  final_url: string | null;
  redirects: string[];
  status: number | null;
  /** As the server declared it. */
  content_type: string | null;
  /** From the bytes. */
  detected: { content_type: string; kind: MediaKind | null; extension: string } | null;
  size: number | null;
  /** When the URL itself says it stops working (presigned links). */
  expires_at: string | null;
  elapsed_ms: number;
  problems: Problem[];
}

/** What hosting can do with images here (the image processor's reach) and the byte budget for delivery. */
export interface ImageReach {
  accepts(detected: { ext: string; mime: string }): boolean;
  readonly maxInputBytes: number;
  budgetBytes: number;
}



/** Checks on the URL's text: length, credentials and, for signed links, how long it stays valid. */
export function urlProblems(raw: string, url: URL, now: Date, opts: { maxUrlLength: number; minValidityMs: number }): { problems: Problem[]; expiresAt: Date | null } {
  const out: Problem[] = [];
  if (raw.length > opts.maxUrlLength) {
    out.push(problem('url_too_long', 'error', `The URL is ${raw.length} characters; some gateways refuse URLs over ${opts.maxUrlLength}.`, `Use a shorter link, ${hostIt('the hosted URL is short')}`, true));
  }
  if (url.username || url.password) {
    out.push(problem('credentials_in_url', 'error', 'The URL carries a user name or password; carriers will not use them, and the message would expose them.', `Remove them and make the file public, ${hostIt('the copy needs no credentials')}`, true));
  }
  const signed = signedUrlExpiry(url);
  if (signed) {
    const left = signed.expiresAt.getTime() - now.getTime();
    const when = signed.expiresAt.toISOString();
    if (left <= 0) {
      out.push(problem('expired', 'error', `This signed URL expired at ${when}.`, `Sign a new URL valid for at least 24 hours (7 days is the SigV4 maximum), ${hostIt('the hosted URL stays valid for at least 24 hours')}`, true));
    } else if (left < opts.minValidityMs) {
      const hours = Math.max(1, Math.ceil(left / 3_600_000));
      out.push(problem('expires_soon', 'error', `This signed URL expires at ${when}, in under ${hours} hour${hours === 1 ? '' : 's'}; carriers retry failed deliveries for up to 24 hours.`, `Sign it for at least 24 hours (7 days is the SigV4 maximum), ${hostIt('the hosted URL stays valid for at least 24 hours')}`, true));
    }
    if (signed.temporaryCredentials) {
      out.push(problem('temporary_credentials', 'warning', 'The URL was signed with temporary credentials (X-Amz-Security-Token): it stops working when that session ends, which may be well before expires_at.', `Sign with long-lived credentials (not an assumed role or session), ${hostIt('the hosted URL does not depend on your session')}`, true));
    }
  }
  return { problems: out, expiresAt: signed?.expiresAt ?? null };
}

/** A refused or failed fetch, as a problem; none of these can be fixed by hosting (we cannot get the file either). */
export function fetchProblem(err: unknown, hop: string | undefined): Problem {
  const via = hop ? ` (at redirect ${hop})` : '';
  // The hop belongs inside the sentence: "… are never fetched (at redirect http://…)."
  const at = (message: string) => (hop ? message.replace(/\.?$/, `${via}.`) : message);
  if (!isAppError(err)) return problem('fetch_failed', 'error', `The URL could not be fetched${via}.`, 'Check that the link works in a private browser window.');
  switch (err.code) {
    case 'blocked_address':
      return problem('blocked_address', 'error', at(err.message), 'Use a URL on the public internet; files inside a private network cannot be fetched by carriers either.');
    case 'url_timeout':
      return problem('timeout', 'error', at(err.message), 'Serve the file from a faster host or a CDN: carriers give up after about 10–15 seconds.');
    case 'too_many_redirects':
      return problem('too_many_redirects', 'error', err.message, 'Send the final URL of the file instead of a link that redirects.');
    case 'invalid_media_url':
      return problem('not_http', 'error', at(err.message), 'Use an http:// or https:// URL.');
    default:
      // A redirect to something that cannot be fetched is the server's doing, not an unreachable host.
      if (err.extra.redirect !== undefined) return problem('fetch_failed', 'error', at(err.message), 'Fix the redirect on the server, or send the final URL of the file.');
      return problem('fetch_failed', 'error', at(err.message), 'Check that the host name is right and the server is up.');
  }
}

/** A final answer that is not the file. */
export function statusProblem(status: number, expired: boolean): Problem {
  if (status === 401 || status === 403) {
    const why = expired ? ' (the signed URL has expired)' : '';
    return problem('auth_required', 'error', `The server refused an anonymous request with HTTP ${status}${why}; carriers send no credentials or cookies.`, 'Make the file public, or use a signed URL valid for at least 24 hours.');
  }
  if (status === 404 || status === 410) {
    return problem('http_status', 'error', `The server answered HTTP ${status}: there is no file at this URL.`, 'Check the link; the file may have been moved or deleted.');
  }
  return problem('http_status', 'error', `The server answered HTTP ${status} instead of the file.`, 'The URL must answer a plain GET with 200 and the file.');
}

/** Content-Type names that mean the same type as the canonical one a carrier expects. */
const ALIASES: Record<string, string[]> = {
  'image/jpeg': ['image/jpg', 'image/pjpeg'],
  'image/png': ['image/apng'],
  'video/mp4': ['video/x-m4v'],
  'audio/mpeg': ['audio/mp3', 'audio/mpeg3', 'audio/x-mpeg-3'],
  'audio/wav': ['audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
  'video/3gpp': ['video/3gp'],
};

/** What a hosted copy is served as: an APNG whose animation is kept becomes an animated GIF (see reworkNeeded). */
const copyType = (detected: Detected, type: MediaType) => (detected.ext === 'apng' ? `${type.contentType} (or image/gif, when its animation is kept)` : type.contentType);

export function baseType(header: string | null): string | null {
  const t = header?.split(';')[0]?.trim().toLowerCase();
  return t ? t : null;
}

/** Format, Content-Type and size checks on what the bytes turned out to be. */
export function contentProblems(
  detected: Detected | undefined,
  type: MediaType | undefined,
  declared: string | null,
  size: number | null,
  head: Uint8Array,
  images: ImageReach,
  av?: AvReach,
): Problem[] {
  if (!detected) {
    const text = new TextDecoder().decode(head.subarray(0, 512)).trimStart().toLowerCase();
    return /^(<!doctype html|<html|<head|<body|<\?xml|<svg)/.test(text) || declared?.startsWith('text/')
      ? [problem('not_media', 'error', 'The URL returns a web page or text, not a media file (a share page, a login page or an error page?).', 'Link to the file itself: open it, then copy the address of the image or video, not of the page.')]
      : [problem('unknown_format', 'error', `The bytes are not a format the send endpoint takes. Supported: ${SUPPORTED_LIST}.`, 'Convert the file to jpg, png, gif, mp4, 3gp, mp3, wav, ogg or pdf.')];
  }
  const out: Problem[] = [];
  const convertible = !type && images.accepts(detected);
  const avFix = !type ? avFormatFix(detected, av) : undefined;
  // Compared with the bytes: only a carrier format has a right Content-Type to compare with.
  if (!type) {
    const served = declared && declared !== detected.mime ? `, served as ${declared}` : '';
    out.push(problem('not_carrier_format', 'error', `The file is ${detected.ext} (${detected.mime}${served}), which carriers do not accept. Supported: ${SUPPORTED_LIST}.`,
      convertible ? `Convert it to jpg, ${hostIt('it is converted to jpg')}` : avFix?.fix ?? `Convert it first (${detected.ext === 'mov' ? 'mov to mp4, H.264' : `to one of: ${SUPPORTED_LIST}`}).`, convertible || (avFix?.rehostable ?? false)));
  } else if (declared && (ALIASES[type.contentType] ?? []).includes(declared)) {
    out.push(problem('content_type_alias', 'warning', `Content-Type is ${declared}; some gateways only know ${type.contentType}.`, `Serve it as ${type.contentType}, ${hostIt(`the copy is served as ${copyType(detected, type)}`)}`, true));
  } else if (declared !== type.contentType && declared !== detected.mime) {
    const said = declared ? `declared as ${declared}` : 'served without a Content-Type';
    out.push(problem('content_type_mismatch', 'error', `The file is ${detected.ext} (${type.contentType}) but is ${said}; carriers compare the two and drop the message.`,
      `Set Content-Type to ${type.contentType} on the file (S3: --content-type when uploading, or copy the object onto itself with new metadata), ${hostIt(`the copy is served as ${copyType(detected, type)}`)}`, true));
  }
  if (isAvKind(detected, type)) return [...out, ...avProblems(detected, type, size, head, images.budgetBytes, av)];
  if (size === null) return out;
  const isImage = type?.kind === 'image' || convertible;
  const fits = isImage && images.accepts(detected) && size <= images.maxInputBytes;
  const limit = type?.maxBytes ?? (convertible ? images.maxInputBytes : undefined);
  if (limit !== undefined && size > limit) {
    out.push(problem('too_large', 'error', `The file is ${formatBytesBeside(size, limit)}; the limit for ${detected.ext} files is ${formatBytes(limit)}.`,
      fits ? `Resize it, ${hostIt(`it is resized to fit ${formatBytes(images.budgetBytes)}`)}` : `Make it smaller than ${formatBytes(limit)} (shorter, lower resolution or bitrate).`, fits));
  } else if (isImage && size > images.budgetBytes) {
    // Hosting is offered only where it can fit the image (a Worker without the Images binding cannot).
    const fixable = images.accepts(detected);
    const budget = formatBytes(images.budgetBytes);
    out.push(problem('over_image_budget', 'error', `The image is ${formatBytes(size)}; images over ${budget} often "send" but never arrive on some carriers.`,
      fixable ? `Resize it under ${budget}, ${hostIt(`it is fitted to ${budget}`)}` : `Resize it under ${budget} before sending it.`, fixable));
  }
  return out;
}
