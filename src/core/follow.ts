import { AppError } from './errors.js';
import type { GuardedFetcher, OutboundRequest, OutboundResponse } from './ports.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface Followed {
  url: URL;
  response: OutboundResponse;
}

/**
 * Follows redirects one hop at a time through the guarded fetcher, so each hop's host is checked again
 * (a public URL that redirects to 169.254.169.254 is refused at that hop). `redirects` collects every
 * Location followed, also when a later hop fails, so a report can show the way there.
 */
export async function fetchFollowing(
  fetcher: GuardedFetcher,
  start: URL,
  request: OutboundRequest,
  options: { maxRedirects: number; redirects?: string[] },
): Promise<Followed> {
  const redirects = options.redirects ?? [];
  let url = start;
  for (;;) {
    const response = await fetcher.fetch(url, request);
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || location === null) return { url, response };
    await response.body?.cancel().catch(() => undefined);
    if (redirects.length >= options.maxRedirects) {
      throw new AppError(422, 'too_many_redirects', `The URL redirects more than ${options.maxRedirects} times; carriers give up long before that.`);
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new AppError(422, 'url_not_fetchable', `${url.host} redirects to "${location.slice(0, 200)}", which is not a valid URL.`, { extra: { redirect: location.slice(0, 200) } });
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new AppError(422, 'url_not_fetchable', `${url.host} redirects to "${next.href.slice(0, 200)}"; only http:// and https:// URLs can be fetched.`, {
        extra: { redirect: next.href.slice(0, 200) },
      });
    }
    next.hash = '';
    redirects.push(next.href);
    url = next;
  }
}
