/**
 * What a failed command tells a script: one exit code per kind of failure (docs/cli.md has the table), and one
 * sentence for the person. Each code is decided here, from the service's reply, and nowhere else.
 */
export const EXIT = {
  ok: 0,
  /** Something the CLI did not expect (a bug, or a reply it cannot read). */
  unexpected: 1,
  /** Wrong arguments or options, a file that cannot be read, or fields the service refused (phone number…). */
  usage: 2,
  /** The media was refused: the service refused the file or URL, its processing failed, or preflight found an error. */
  refused: 3,
  /** No API key, or one the service does not accept. */
  auth: 4,
  /** The service could not be reached, timed out, was busy or failed (5xx). */
  service: 5,
  /** The send endpoint refused or failed: the message was not sent (or may not have been). */
  send: 6,
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports: the exit code, the sentence, and the service's code and status when it gave them. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** The service's code and status, its reply, and the local file the failure is about. */
    readonly details: { code?: string; status?: number; body?: unknown; file?: string } = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The line on stderr: the file it is about, if any, then the sentence. */
export const errorLine = (err: CliError) => `mms-media: ${err.details.file ? `${err.details.file}: ` : ''}${err.message}\n`;

/** The service's codes for a request's fields rather than its media: the caller's arguments were wrong. */
const ARGUMENT_CODES = new Set(['missing_field', 'invalid_field', 'invalid_phone_number', 'invalid_media_url', 'invalid_json']);

/** The service's codes for the send endpoint failing (its 3xx/5xx, no answer in time). */
const SEND_ENDPOINT_CODES = new Set(['upstream_unavailable', 'upstream_timeout']);

/** The service's own error envelope: {"success": false, "error": "<sentence>", "code": "<code>"}. */
export interface ErrorEnvelope {
  success: false;
  error: string;
  code: string;
  [key: string]: unknown;
}

export const isEnvelope = (body: unknown): body is ErrorEnvelope =>
  typeof body === 'object' && body !== null && (body as ErrorEnvelope).success === false &&
  typeof (body as ErrorEnvelope).error === 'string' && typeof (body as ErrorEnvelope).code === 'string';

/**
 * The exit code and sentence for a reply the service refused with its envelope. Auth errors get a sentence that
 * names the CLI's own settings, since the header the service mentions is set by the CLI.
 */
export function serviceError(status: number, body: ErrorEnvelope): CliError {
  const details = { code: body.code, status, body };
  if (status === 401 || status === 403) {
    const sentence =
      body.code === 'missing_api_key'
        ? 'The service needs an API key: set MMS_MEDIA_API_KEY or pass --api-key.'
        : 'The service did not accept the API key given in MMS_MEDIA_API_KEY or --api-key.';
    return new CliError(EXIT.auth, sentence, details);
  }
  // No such route: the address is wrong (a path the service is not served under), not the media.
  if (status === 404 && body.code === 'not_found') return new CliError(EXIT.unexpected, `${body.error.replace(/;[^;]*$/, '')}: check MMS_MEDIA_URL or --url.`, details);
  if (SEND_ENDPOINT_CODES.has(body.code)) return new CliError(EXIT.send, body.error, details);
  if (ARGUMENT_CODES.has(body.code)) return new CliError(EXIT.usage, body.error, details);
  if (status === 408 || status === 429 || status >= 500) return new CliError(EXIT.service, body.error, details);
  return new CliError(EXIT.refused, body.error, details);
}

/** A reply that is not the envelope: a proxy's page, or a service that is not mms-media at that address. */
export function unreadableReply(status: number, url: string, more = ''): CliError {
  const code = status >= 500 ? EXIT.service : EXIT.unexpected;
  return new CliError(code, `${url} answered HTTP ${status} with something other than mms-media's JSON; check MMS_MEDIA_URL or --url.${more}`, { status });
}
