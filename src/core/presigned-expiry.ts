/**
 * When a signed URL stops working, read from the URL itself: AWS SigV4 (X-Amz-Date + X-Amz-Expires), AWS
 * SigV2 and GCS V2 (Expires=<epoch>), GCS V4 (X-Goog-Date + X-Goog-Expires), Azure SAS (se=, with sig=) and
 * CloudFront (Expires=<epoch>, or a custom Policy's DateLessThan). Nothing here fetches anything.
 */
export interface SignedUrlInfo {
  expiresAt: Date;
  /** Which scheme said so, for the report's message. */
  scheme: 'aws-sigv4' | 'gcs-v4' | 'azure-sas' | 'cloudfront' | 'expires';
  /** Signed with temporary credentials (X-Amz-Security-Token): it also dies when that session ends. */
  temporaryCredentials: boolean;
}

export function signedUrlExpiry(url: URL): SignedUrlInfo | undefined {
  const q = lowerCaseParams(url.searchParams);
  const temporaryCredentials = q.has('x-amz-security-token');
  const at = (expiresAt: Date | undefined, scheme: SignedUrlInfo['scheme']) =>
    expiresAt && !Number.isNaN(expiresAt.getTime()) ? { expiresAt, scheme, temporaryCredentials } : undefined;

  if (q.has('x-amz-date') && q.has('x-amz-expires')) return at(plusSeconds(compactDate(q.get('x-amz-date')!), q.get('x-amz-expires')!), 'aws-sigv4');
  if (q.has('x-goog-date') && q.has('x-goog-expires')) return at(plusSeconds(compactDate(q.get('x-goog-date')!), q.get('x-goog-expires')!), 'gcs-v4');
  if (q.has('se') && q.has('sig')) return at(isoDate(q.get('se')!), 'azure-sas');
  if (q.has('policy') && q.has('signature')) return at(cloudFrontPolicyExpiry(q.get('policy')!), 'cloudfront');
  if (q.has('expires') && /^\d{9,11}$/.test(q.get('expires')!)) {
    const scheme = q.has('key-pair-id') ? 'cloudfront' : 'expires';
    return at(new Date(Number(q.get('expires')) * 1000), scheme);
  }
  return undefined;
}

function lowerCaseParams(params: URLSearchParams): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of params) if (!out.has(k.toLowerCase())) out.set(k.toLowerCase(), v);
  return out;
}

/** 20240501T120000Z, as SigV4 and GCS V4 write it. */
function compactDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s.trim());
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

function plusSeconds(start: Date | undefined, seconds: string): Date | undefined {
  if (!start || !/^\d{1,9}$/.test(seconds.trim())) return undefined;
  return new Date(start.getTime() + Number(seconds) * 1000);
}

/** Azure writes `se` as ISO 8601 in UTC: 2024-05-01T12:00:00Z, 2024-05-01T12:00Z or 2024-05-01. */
function isoDate(s: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?Z?)?$/.exec(s.trim());
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0))) : undefined;
}

/** CloudFront's custom policy: URL-safe base64 ('-' for '+', '_' for '=', '~' for '/') of a JSON statement. */
function cloudFrontPolicyExpiry(policy: string): Date | undefined {
  try {
    const json = JSON.parse(atob(policy.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'))) as {
      Statement?: Array<{ Condition?: { DateLessThan?: { 'AWS:EpochTime'?: number } } }>;
    };
    const epoch = json.Statement?.[0]?.Condition?.DateLessThan?.['AWS:EpochTime'];
    return typeof epoch === 'number' ? new Date(epoch * 1000) : undefined;
  } catch {
    return undefined;
  }
}
