import { basename } from 'node:path';
import type { Media } from '../core/media-record.js';
import type { Command } from './args.js';
import { CliError, EXIT, errorLine, isEnvelope, serviceError, unreadableReply, type ExitCode } from './exit.js';
import { progressFor, progressMode } from './progress.js';
import { describePreflight, describeSend, type SendReply } from './replies.js';
import { isInterrupted, Service } from './service.js';
import type { PreflightReport } from '../core/preflight-checks.js';
import { hostFile } from './upload.js';
import { describeMedia } from './words.js';

/** Where a command writes: results on stdout, progress and error sentences on stderr. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  stderrIsTty: boolean;
}

type Run<N extends Command['name']> = (command: Extract<Command, { name: N }>, io: Io, signal: AbortSignal) => Promise<ExitCode>;

/** Every FILE in turn; one that is refused does not stop the others, but an auth or service failure does. */
export const upload: Run<'upload'> = async (command, io, signal) => {
  const service = new Service(command.common.target, signal);
  const results: Record<string, unknown>[] = [];
  let exit: ExitCode = EXIT.ok;
  for (const file of command.files) {
    try {
      const media = await withProgress(command.common, io, file, (onStage) => hostFile(service, file, command.host, onStage, command.common.resumeFile));
      results.push({ file, media });
      if (!command.common.json) io.out(`${describeMedia(media)}\n`);
    } catch (err) {
      if (!(err instanceof CliError) || isInterrupted(err)) throw err;
      io.err(errorLine(err));
      results.push({ file, ...failureJson(err) });
      if (exit === EXIT.ok) exit = err.exitCode;
      if (err.exitCode === EXIT.auth || err.exitCode === EXIT.service) break;
    }
  }
  if (command.common.json) io.out(`${JSON.stringify({ success: exit === EXIT.ok, files: results })}\n`);
  return exit;
};

/** A FILE is hosted first (as upload does) and its URL sent; a URL goes to the send route as it is. */
export const send: Run<'send'> = async (command, io, signal) => {
  const service = new Service(command.common.target, signal);
  let media: Media | undefined;
  let mediaUrl: string;
  if ('file' in command.media) {
    const file = command.media.file;
    media = await withProgress(command.common, io, file, (onStage) => hostFile(service, file, command.host, onStage, command.common.resumeFile));
    mediaUrl = media.url;
  } else {
    mediaUrl = command.media.url;
  }
  const query = new URLSearchParams();
  // For a URL: how the service processes a copy it hosts (rehost). A file is already hosted with these.
  if (!media && command.host.optimize) query.set('optimize', command.host.optimize);
  if (!media && command.host.keepMetadata) query.set('keep_metadata', 'true');
  const url = `${service.url('v1/mms/send')}${query.size ? `?${query}` : ''}`;
  const json = { campaign_id: command.campaign, phone_number: command.to, media_url: mediaUrl, ...(command.message !== undefined && { message: command.message }) };
  const reply = await service.request('POST', url, { json }).catch((err: unknown) => {
    if (isInterrupted(err)) {
      throw new CliError(EXIT.interrupted, 'Stopped (Ctrl-C) while the send was under way; the message may or may not have been sent.');
    }
    throw err;
  });
  const body = sendReply(reply.status, reply.body, url);
  const shown = media ? { ...body, media } : body;
  io.out(command.common.json ? `${JSON.stringify(shown)}\n` : `${describeSend(body)}\n${media ? `  ${describeMedia(media)}\n` : ''}`);
  return EXIT.ok;
};

/**
 * The send route answers with the endpoint's own reply, its 4xx included, passed through as they came; the
 * service's refusals carry its envelope (with `code`). A reply without one is the endpoint speaking. The service
 * always answers this route with a JSON object (it wraps an endpoint's text in one), so anything else came from
 * another server at that address, or from a gateway in front of the service, which may have passed the send on.
 */
function sendReply(status: number, body: unknown, url: string): SendReply {
  if (isEnvelope(body)) throw serviceError(status, body);
  if (typeof body !== 'object' || body === null) throw unreadableReply(status, url, status >= 500 ? ' The message may or may not have been sent.' : '');
  const reply = body as SendReply & { error?: unknown };
  if (status >= 200 && status < 300 && reply.success !== false) return reply;
  const said = typeof reply.error === 'string' ? reply.error : typeof reply.message === 'string' ? reply.message : `HTTP ${status}`;
  throw new CliError(EXIT.send, `The send endpoint refused the message (HTTP ${status}): ${said.replace(/\.?$/, '.')}`, { status, body });
}

/** The report, in words or as JSON; a URL with an error exits 3 (refused) so scripts can stop before sending. */
export const preflight: Run<'preflight'> = async (command, io, signal) => {
  const service = new Service(command.common.target, signal);
  const report = await service.call<PreflightReport & { success: true }>('POST', 'v1/media/preflight', { media_url: command.url });
  io.out(command.common.json ? `${JSON.stringify(report)}\n` : `${describePreflight(report)}\n`);
  return report.ok ? EXIT.ok : EXIT.refused;
};

/** Runs an upload with its progress on stderr, cleared before anything else is written; its failures name the file. */
async function withProgress<T>(common: Extract<Command, { name: 'upload' }>['common'], io: Io, file: string, work: (onStage: Parameters<typeof hostFile>[3]) => Promise<T>): Promise<T> {
  const progress = progressFor(progressMode(common.progress, io.stderrIsTty), basename(file), io.err);
  try {
    return await work((stage) => progress.update(stage));
  } catch (err) {
    if (!(err instanceof CliError) || isInterrupted(err)) throw err;
    throw new CliError(err.exitCode, err.message, { ...err.details, file });
  } finally {
    progress.done();
  }
}

/** A failure as --json shows it: the sentence, the service's code and status when it gave them, the exit code. */
export function failureJson(err: CliError): Record<string, unknown> {
  return { success: false, error: err.message, code: err.details.code ?? null, status: err.details.status ?? null, exit_code: err.exitCode };
}

