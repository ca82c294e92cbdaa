import { z } from 'zod';
import { UrlGuard } from './core/url-guard.js';

/**
 * Every setting, parsed once at start-up from a plain record (process.env on Node, vars and secrets on
 * Workers). Pure: it reads nothing itself, so both entries and the tests share it.
 */
const optional = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();
const int = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const profile = z.enum(['safe', 'standard', 'max'], { error: 'must be safe, standard or max' });
const url = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
/** A URL that others are built on by adding a path: a query or a fragment would end up in the middle of them. */
const baseUrl = url.refine((s) => !/[?#]/.test(s), 'must have no query (?…) or fragment (#…): URLs are made by adding a path to it');
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((s) => s === 'true' || s === '1' || s === 'yes');
const list = optional.transform((s) =>
  s
    ? s
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean)
    : [],
);

const schema = z
  .object({
    PORT: int(1, 65535).default(3000),
    HOST: z.string().trim().min(1).default('127.0.0.1'),
    PUBLIC_BASE_URL: baseUrl.optional(),
    API_KEYS: list,
    STORAGE_DRIVER: z.enum(['local', 's3', 'r2'], { error: 'must be "local" or "s3" (or "r2" on Cloudflare Workers)' }).default('local'),
    LOCAL_STORAGE_DIR: z.string().trim().min(1).default('./data/media'),
    S3_BUCKET: optional,
    S3_REGION: z.string().trim().min(1).default('us-east-1'),
    S3_ENDPOINT: url.optional(),
    S3_FORCE_PATH_STYLE: bool.optional(),
    S3_PUBLIC_BASE_URL: baseUrl.optional(),
    /** Workers, STORAGE_DRIVER=r2: the bucket's public origin (custom domain or r2.dev); unset, the worker serves /media/<key>. */
    R2_PUBLIC_BASE_URL: baseUrl.optional(),
    MEDIA_URL_TTL_SECONDS: int(86_400, 604_800).default(604_800),
    TELI_API_BASE_URL: url.default('https://api.teli.ai'),
    TELI_API_KEY: optional,
    TELI_TIMEOUT_MS: int(100, 120_000).default(15_000),
    /** The delivery budget for every kind (images, video, audio); IMAGE_PROFILE is its older name, still read. */
    MEDIA_PROFILE: profile.optional(),
    IMAGE_PROFILE: profile.optional(),
    IMAGE_TARGET_BYTES: int(10_000, 5_000_000).optional(),
    IMAGE_MAX_DIMENSION: int(64, 8192).default(2048),
    IMAGE_MAX_INPUT_BYTES: int(1_000_000, 200_000_000).default(25_000_000),
    IMAGE_MAX_PIXELS: int(1_000_000, 500_000_000).default(50_000_000),
    IMAGE_CONCURRENCY: int(1, 64).optional(),
    IMAGE_QUEUE_LIMIT: int(0, 10_000).default(32),
    /** Video and audio (Node): ffmpeg and ffprobe to use; unset, they are looked for on the PATH. */
    FFMPEG_PATH: optional,
    FFPROBE_PATH: optional,
    /** The largest video or audio file read for conversion (delivered files stay within the budget). */
    VIDEO_MAX_INPUT_BYTES: int(1_000_000, 2_000_000_000).default(200_000_000),
    /** Longer video or audio is refused from its probe, before anything is decoded. */
    MEDIA_MAX_INPUT_SECONDS: int(1, 86_400).default(600),
    /** The long edge of a re-encoded video, in pixels (smaller videos are never enlarged). */
    VIDEO_MAX_DIMENSION: int(128, 1920).default(640),
    /** A conversion (probe and encodes) still running after this is killed and answered 422. */
    MEDIA_PROCESS_TIMEOUT_MS: int(1_000, 3_600_000).default(120_000),
    /** Conversions at once; default half the cores, at least 1 (each ffmpeg uses the other cores' share in threads). */
    MEDIA_CONCURRENCY: int(1, 64).optional(),
    /** Conversions that may wait for a turn; beyond that, 503 server_busy with Retry-After. */
    MEDIA_QUEUE_LIMIT: int(0, 1_000).default(8),
    FETCH_ALLOW_PRIVATE_HOSTS: list,
    FETCH_TIMEOUT_MS: int(1_000, 60_000).default(10_000),
    MEDIA_RETENTION_DAYS: int(1, 3650).default(30),
    /** Resumable (tus) uploads not finished within this many hours are removed; their URL then answers 404 or 410. */
    UPLOAD_EXPIRY_HOURS: int(1, 720).default(24),
    BODY_TIMEOUT_MS: int(1_000, 600_000).default(30_000),
    HEADERS_TIMEOUT_MS: int(1_000, 120_000).default(10_000),
    MAX_CONCURRENT_UPLOADS: int(1, 10_000).default(64),
    RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).optional(),
    SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
    /**
     * Signs the direct-upload URLs this service takes itself (local driver, R2 binding). Unset: a random one per
     * process, enough for one instance; instances that share uploads (Workers isolates, processes sharing a disk)
     * need one shared value (see signingSecret in src/core/upload-signing.ts).
     */
    UPLOAD_SIGNING_SECRET: z.string().trim().min(32, { error: 'must be at least 32 characters (e.g. openssl rand -base64 32)' }).optional(),
    /**
     * Origins whose pages may call /v1 from a browser (CORS), comma-separated, e.g. https://app.example.com; `*`
     * for any (only with API_KEYS: keys travel in a header, never as cookies). Unset: none.
     */
    CORS_ORIGINS: list.pipe(z.array(z.string().transform((o, ctx) => corsOrigin(o, ctx)))),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error'], { error: 'must be debug, info, warn or error' }).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.STORAGE_DRIVER === 's3' && !c.S3_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'is required when STORAGE_DRIVER=s3' });
    }
    if (c.MEDIA_RETENTION_DAYS * 86_400 < c.MEDIA_URL_TTL_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['MEDIA_RETENTION_DAYS'],
        message: `must be at least the URL lifetime (MEDIA_URL_TTL_SECONDS = ${c.MEDIA_URL_TTL_SECONDS} s, ${Math.round((c.MEDIA_URL_TTL_SECONDS / 86_400) * 100) / 100} days): files must outlive their links`,
      });
    }
    if (c.CORS_ORIGINS.includes('*') && c.API_KEYS.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['CORS_ORIGINS'],
        message: 'may be * only when API_KEYS is set: without keys, any web page a user opens could use this service through their browser',
      });
    }
    if (c.API_KEYS.length === 0 && !isLoopback(c.HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['API_KEYS'],
        message: `must be set when HOST (${c.HOST}) is not a loopback address: without keys anyone could send MMS`,
      });
    }
  });

export type Config = Omit<z.output<typeof schema>, 'MEDIA_PROFILE' | 'IMAGE_PROFILE'> & {
  /** MEDIA_PROFILE, or IMAGE_PROFILE where only the older name is set; safe by default. */
  MEDIA_PROFILE: z.output<typeof profile>;
  PUBLIC_BASE_URL: string;
  /** Whether the operator set PUBLIC_BASE_URL (else it is http://localhost:PORT, and /openapi.json names the request's origin). */
  PUBLIC_BASE_URL_SET: boolean;
};

export class ConfigError extends Error {}

/** Which entry is asking: storage drivers differ (no disk on Workers, no R2 binding on Node). */
export type Runtime = 'node' | 'workers';

/** Parses the settings or throws a ConfigError whose message is one line naming the variable and the problem. */
export function parseConfig(env: Record<string, string | undefined>, options: { runtime?: Runtime } = {}): Config {
  const runtime = options.runtime ?? 'node';
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  if (runtime === 'workers') cleaned.STORAGE_DRIVER ??= 'r2';
  checkDriverForRuntime(cleaned.STORAGE_DRIVER, runtime);
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'config');
    const value = cleaned[name];
    const shown = value === undefined || /KEY|SECRET/.test(name) ? '' : ` (got "${value}")`;
    throw new ConfigError(`${name} ${issue.message}${shown}`);
  }
  const { MEDIA_PROFILE, IMAGE_PROFILE, ...c } = result.data;
  if (MEDIA_PROFILE && IMAGE_PROFILE && MEDIA_PROFILE !== IMAGE_PROFILE) {
    throw new ConfigError(`MEDIA_PROFILE (${MEDIA_PROFILE}) and IMAGE_PROFILE (${IMAGE_PROFILE}, its older name) disagree: set only MEDIA_PROFILE`);
  }
  checkAllowList(c.FETCH_ALLOW_PRIVATE_HOSTS);
  return {
    ...c,
    MEDIA_PROFILE: MEDIA_PROFILE ?? IMAGE_PROFILE ?? 'safe',
    PUBLIC_BASE_URL: (c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
    PUBLIC_BASE_URL_SET: c.PUBLIC_BASE_URL !== undefined,
  };
}

/** FETCH_ALLOW_PRIVATE_HOSTS read by the guard that uses it, here, so a malformed entry stops the start as every bad setting does. */
function checkAllowList(entries: readonly string[]): void {
  try {
    new UrlGuard(entries);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function checkDriverForRuntime(driver: string | undefined, runtime: Runtime): void {
  if (runtime === 'node' && driver === 'r2') {
    throw new ConfigError('STORAGE_DRIVER r2 (an R2 binding) exists only on Cloudflare Workers; on Node use s3 with S3_ENDPOINT=https://<account>.r2.cloudflarestorage.com');
  }
  if (runtime === 'workers' && driver === 'local') {
    throw new ConfigError('STORAGE_DRIVER local needs a disk, which Workers do not have; use r2 (the MEDIA_BUCKET binding) or s3');
  }
}

/** One CORS origin as browsers send it in Origin (`https://app.example.com`, lower case, no path), or `*`. */
function corsOrigin(value: string, ctx: z.RefinementCtx): string {
  if (value === '*') return value;
  const parsed = URL.canParse(value) ? new URL(value) : null;
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== value.toLowerCase().replace(/\/$/, '')) {
    ctx.addIssue({ code: 'custom', message: `must be origins such as https://app.example.com (scheme, host and port only; "${value}" is not one), comma-separated, or *` });
    return z.NEVER;
  }
  return parsed.origin;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * How long a background upload (Prefer: respond-async) may stay `processing` before it is reported failed: its
 * body's time to arrive, its conversion's own limit, as many more as the queue can make it wait (the queue holds
 * MEDIA_QUEUE_LIMIT behind `avSlots` conversions, each killed at MEDIA_PROCESS_TIMEOUT_MS), and a minute for
 * storing. Without a converter (Workers), the conversion's limit once. Past it, the instance that had the job is
 * taken to have stopped.
 */
export function jobDeadlineMs(config: Pick<Config, 'BODY_TIMEOUT_MS' | 'MEDIA_PROCESS_TIMEOUT_MS' | 'MEDIA_QUEUE_LIMIT'>, avSlots?: number): number {
  const waits = avSlots ? Math.ceil(config.MEDIA_QUEUE_LIMIT / avSlots) : 0;
  return config.BODY_TIMEOUT_MS + config.MEDIA_PROCESS_TIMEOUT_MS * (1 + waits) + 60_000;
}
