import { join } from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { parseHttpUrl } from '../core/http-values.js';
import { CliError, EXIT } from './exit.js';
import { PROGRESS_MODES } from './progress.js';
import type { ServiceTarget } from './service.js';
import type { HostOptions } from './upload.js';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

export const USAGE = `Usage:
  mms-media upload FILE… [--optimize auto|always|off] [--keep-metadata] [--trim]
  mms-media send --campaign ID --to NUMBER (FILE|URL) [--message TEXT] [--optimize …] [--keep-metadata] [--trim]
  mms-media preflight URL

Options for every command:
  --url URL          the service (default: MMS_MEDIA_URL, else ${DEFAULT_URL})
  --api-key KEY      sent as X-API-Key (default: MMS_MEDIA_API_KEY; prefer the variable: arguments show in ps)
  --json             machine-readable output on stdout
  --progress MODE    upload progress on stderr: auto (a bar when stderr is a terminal, else nothing), bar, plain, off
  -h, --help         this text

Exit codes: 0 ok, 2 usage, 3 media refused, 4 API key, 5 service unreachable or failing, 6 send refused,
130 interrupted. See docs/cli.md.
`;

/** What every command shares: where the service is, and how to print. */
export interface Common {
  target: ServiceTarget;
  json: boolean;
  progress: (typeof PROGRESS_MODES)[number];
  /** Where unfinished uploads are remembered, so that running the command again resumes them. */
  resumeFile?: string;
}

export type Command =
  | { name: 'help' }
  | { name: 'upload'; common: Common; files: string[]; host: HostOptions }
  | { name: 'send'; common: Common; campaign: string; to: string; media: { file: string } | { url: string }; message?: string; host: HostOptions }
  | { name: 'preflight'; common: Common; url: string };

const commonOptions = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean', default: false },
  progress: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const hostOptions = {
  optimize: { type: 'string' },
  'keep-metadata': { type: 'boolean', default: false },
  trim: { type: 'boolean', default: false },
} as const;

const sendOptions = {
  campaign: { type: 'string' },
  to: { type: 'string' },
  message: { type: 'string' },
} as const;

/** The command line, checked: every mistake is a usage error (exit 2) with one sentence. */
export function parseCommand(argv: string[], env: Record<string, string | undefined>): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  if (name === 'upload') {
    const { values, positionals } = parse(name, rest, { ...commonOptions, ...hostOptions });
    if (values.help) return { name: 'help' };
    if (positionals.length === 0) throw usage('mms-media upload needs at least one FILE.');
    return { name, common: common(values, env), files: positionals, host: host(values) };
  }
  if (name === 'send') {
    const { values, positionals } = parse(name, rest, { ...commonOptions, ...hostOptions, ...sendOptions });
    if (values.help) return { name: 'help' };
    if (!values.campaign) throw usage('mms-media send needs --campaign ID.');
    if (!values.to) throw usage('mms-media send needs --to NUMBER.');
    if (positionals.length !== 1) throw usage('mms-media send takes exactly one FILE or URL.');
    const what = positionals[0]!;
    const media = isHttpUrl(what) ? { url: what } : { file: what };
    return { name, common: common(values, env), campaign: values.campaign, to: values.to, media, message: values.message, host: host(values) };
  }
  if (name === 'preflight') {
    const { values, positionals } = parse(name, rest, commonOptions);
    if (values.help) return { name: 'help' };
    if (positionals.length !== 1) throw usage('mms-media preflight takes exactly one URL.');
    return { name, common: common(values, env), url: positionals[0]! };
  }
  throw usage(`"${name}" is not a command; the commands are upload, send and preflight.`);
}

function parse<O extends ParseArgsOptionsConfig>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's sentence, first clause only (its advice about "--" does not apply here).
    const said = (err as Error).message.split('. ')[0]!.replace(/\.$/, '');
    throw usage(`mms-media ${command}: ${said}.`);
  }
}

function common(values: { url?: string; 'api-key'?: string; json?: boolean; progress?: string }, env: Record<string, string | undefined>): Common {
  const rawUrl = values.url ?? (env.MMS_MEDIA_URL || DEFAULT_URL);
  if (!isHttpUrl(rawUrl)) throw usage(`The service address must be an http:// or https:// URL (got "${rawUrl}" from ${values.url !== undefined ? '--url' : 'MMS_MEDIA_URL'}).`);
  const apiKey = values['api-key'] ?? (env.MMS_MEDIA_API_KEY || undefined);
  const progress = values.progress ?? (env.MMS_MEDIA_PROGRESS || 'auto');
  if (!isOneOf(progress, PROGRESS_MODES)) throw usage(`${values.progress !== undefined ? '--progress' : 'MMS_MEDIA_PROGRESS'} must be auto, bar, plain or off (got "${progress}").`);
  return { target: { baseUrl: new URL(rawUrl), ...(apiKey && { apiKey }) }, json: values.json ?? false, progress, resumeFile: resumeFile(env) };
}

/** MMS_MEDIA_STATE_DIR, else the XDG state folder ($XDG_STATE_HOME, else ~/.local/state), then mms-media/uploads.json. */
function resumeFile(env: Record<string, string | undefined>): string | undefined {
  const dir = env.MMS_MEDIA_STATE_DIR || (env.XDG_STATE_HOME && join(env.XDG_STATE_HOME, 'mms-media')) || (env.HOME && join(env.HOME, '.local', 'state', 'mms-media'));
  return dir ? join(dir, 'uploads.json') : undefined;
}

const OPTIMIZE = ['auto', 'always', 'off'] as const;

function host(values: { optimize?: string; 'keep-metadata'?: boolean; trim?: boolean }): HostOptions {
  const { optimize } = values;
  if (optimize !== undefined && !isOneOf(optimize, OPTIMIZE)) throw usage(`--optimize must be auto, always or off (got "${optimize}").`);
  return { ...(optimize && { optimize }), keepMetadata: values['keep-metadata'] ?? false, trim: values.trim ?? false };
}

const isOneOf = <T extends string>(value: string, allowed: readonly T[]): value is T => (allowed as readonly string[]).includes(value);

const isHttpUrl = (text: string) => parseHttpUrl(text) !== undefined;

const usage = (sentence: string) => new CliError(EXIT.usage, sentence);
