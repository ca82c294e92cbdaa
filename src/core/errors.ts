/**
 * One error type for everything the service refuses on purpose. `message` is the sentence a person reads;
 * `code` is the stable snake_case name programs match on. Anything else that is thrown is a bug or an
 * outage and becomes a 500 without leaking its internals.
 */
export class AppError extends Error {
  readonly extra: Record<string, unknown>;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: { headers?: Record<string, string>; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }
  readonly headers: Record<string, string>;
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export interface ErrorBody {
  success: false;
  error: string;
  code: string;
  [key: string]: unknown;
}

export function errorBody(e: AppError): ErrorBody {
  return { success: false, error: e.message, code: e.code, ...e.extra };
}

/** "5 MB", "1.2 MB", "600 KB", "312 bytes": sizes the way people say them (decimal units, as carriers do). */
export function formatBytes(n: number): string {
  if (n >= 1_000_000) return `${trim(n / 1_000_000)} MB`;
  if (n >= 1_000) return `${trim(n / 1_000)} KB`;
  return `${n} byte${n === 1 ? '' : 's'}`;
}
const trim = (x: number) => (Math.round(x * 10) / 10).toString();

/**
 * `n` as formatBytes writes it, unless that reads the same as `limit` while `n` is not `limit` (200,000,001 bytes
 * is not "200 MB"): a size said to be over a limit must read larger than it.
 */
export function formatBytesBeside(n: number, limit: number): string {
  const plain = formatBytes(n);
  return n !== limit && plain === formatBytes(limit) ? `${n.toLocaleString('en-US')} bytes` : plain;
}
