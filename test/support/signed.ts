/** SigV4-style query strings that expire `validForMs` from now (negative: already expired). */
export function sigV4Query(validForMs: number, expiresSeconds = 604_800): string {
  const signedAt = new Date(Date.now() + validForMs - expiresSeconds * 1000);
  const date = signedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240501%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=${date}&X-Amz-Expires=${expiresSeconds}&X-Amz-SignedHeaders=host&X-Amz-Signature=abc123`;
}

export const HOUR = 3_600_000;
