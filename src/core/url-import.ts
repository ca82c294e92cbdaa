import { AppError } from './errors.js';
import { fetchFollowing } from './follow.js';
import { contentLength, parseHttpUrl } from './http-values.js';
import type { Media, MediaService } from './media-service.js';
import type { GuardedFetcher, ImageOptions } from './ports.js';
import { emptyStream } from './streams.js';

export interface UrlImportOptions {
  /** The whole download, every hop included. */
  timeoutMs: number;
  maxRedirects: number;
}

/**
 * Imports a file from a URL through the same pipeline as an upload (sniff, limits, images fitted): the
 * response body streams into MediaService.host with its Content-Length as the declared size, so a file
 * declared too large is refused before it is read and one that turns out too large is cut off at the limit.
 */
export class UrlImporter {
  readonly options: UrlImportOptions;

  constructor(
    private readonly deps: { fetcher: GuardedFetcher; media: MediaService },
    options: Partial<UrlImportOptions> = {},
  ) {
    this.options = { timeoutMs: 30_000, maxRedirects: 5, ...options };
  }

  async import(rawUrl: string, options: { image?: Partial<ImageOptions>; av?: { trim?: boolean }; filename?: string } = {}): Promise<Media> {
    const url = parseImportUrl(rawUrl);
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const { response, url: finalUrl } = await fetchFollowing(
      this.deps.fetcher,
      url,
      { method: 'GET', headers: { accept: '*/*' }, signal, maxBytes: this.deps.media.limits.maxBodyBytes + 1 },
      { maxRedirects: this.options.maxRedirects },
    );
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      const auth = response.status === 401 || response.status === 403 ? ' without credentials (carriers send none either)' : '';
      throw new AppError(422, 'url_not_fetchable', `The URL answered HTTP ${response.status}${auth}; nothing was imported.`, { extra: { upstream_status: response.status } });
    }
    return this.deps.media.host({
      body: response.body ?? emptyStream(),
      declaredSize: contentLength(response.headers),
      filename: options.filename ?? lastSegment(finalUrl),
      declaredContentType: response.headers.get('content-type') ?? undefined,
      image: options.image,
      av: options.av,
    });
  }
}

export function parseImportUrl(raw: string): URL {
  const url = parseHttpUrl(raw);
  if (!url) throw new AppError(400, 'invalid_media_url', 'url must be a valid http:// or https:// URL.');
  return url;
}

function lastSegment(url: URL): string | undefined {
  const name = url.pathname.split('/').pop();
  if (!name) return undefined;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
