/** Small readings of HTTP values that several parts of the service share. */

/** The declared Content-Length, when it is a plain number. */
export function contentLength(headers: Headers): number | undefined {
  const value = headers.get('content-length');
  return value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

/** An absolute http(s) URL without its fragment (never sent to a server anyway), or undefined. */
export function parseHttpUrl(raw: string): URL | undefined {
  if (!/^https?:\/\//i.test(raw.trim())) return undefined;
  try {
    const url = new URL(raw.trim());
    url.hash = '';
    return url;
  } catch {
    return undefined;
  }
}
