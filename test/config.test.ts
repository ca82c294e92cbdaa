import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';

const run = promisify(execFile);

describe('parseConfig', () => {
  it('has working defaults: local storage on loopback, dry-run sends', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: 'http://localhost:3000',
      STORAGE_DRIVER: 'local',
      MEDIA_URL_TTL_SECONDS: 604800,
      TELI_API_BASE_URL: 'https://api.teli.ai',
      TELI_TIMEOUT_MS: 15000,
      API_KEYS: [],
    });
    expect(c.TELI_API_KEY).toBeUndefined();
  });

  it('takes one delivery profile for every kind: MEDIA_PROFILE, or IMAGE_PROFILE, its older name', () => {
    expect(parseConfig({}).MEDIA_PROFILE).toBe('safe');
    expect(parseConfig({ MEDIA_PROFILE: 'standard' }).MEDIA_PROFILE).toBe('standard');
    expect(parseConfig({ IMAGE_PROFILE: 'max' }).MEDIA_PROFILE).toBe('max');
    expect(parseConfig({ MEDIA_PROFILE: 'max', IMAGE_PROFILE: 'max' }).MEDIA_PROFILE).toBe('max');
    expect(() => parseConfig({ MEDIA_PROFILE: 'standard', IMAGE_PROFILE: 'safe' })).toThrow(
      new ConfigError('MEDIA_PROFILE (standard) and IMAGE_PROFILE (safe, its older name) disagree: set only MEDIA_PROFILE'),
    );
    expect(() => parseConfig({ MEDIA_PROFILE: 'tiny' })).toThrow(new ConfigError('MEDIA_PROFILE must be safe, standard or max (got "tiny")'));
  });

  it('reads lists, booleans and numbers, and treats empty as unset', () => {
    const c = parseConfig({ API_KEYS: ' a , b,, ', S3_FORCE_PATH_STYLE: 'true', PORT: '8080', TELI_API_KEY: '', HOST: '0.0.0.0' });
    expect(c).toMatchObject({ API_KEYS: ['a', 'b'], S3_FORCE_PATH_STYLE: true, PORT: 8080, PUBLIC_BASE_URL: 'http://localhost:8080' });
    expect(c.TELI_API_KEY).toBeUndefined();
  });

  it('has the video and audio settings’ defaults, and refuses values out of range naming the variable', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ VIDEO_MAX_INPUT_BYTES: 200_000_000, MEDIA_MAX_INPUT_SECONDS: 600, VIDEO_MAX_DIMENSION: 640, MEDIA_PROCESS_TIMEOUT_MS: 120_000, MEDIA_QUEUE_LIMIT: 8 });
    expect([c.MEDIA_CONCURRENCY, c.FFMPEG_PATH, c.FFPROBE_PATH]).toEqual([undefined, undefined, undefined]); // half the cores; ffmpeg on the PATH
    expect(parseConfig({ FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg', MEDIA_CONCURRENCY: '3' })).toMatchObject({ FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg', MEDIA_CONCURRENCY: 3 });
    expect(refusal({ VIDEO_MAX_DIMENSION: '4000' })).toBe('VIDEO_MAX_DIMENSION must be a whole number from 128 to 1920 (got "4000")');
    expect(refusal({ MEDIA_PROCESS_TIMEOUT_MS: '10' })).toBe('MEDIA_PROCESS_TIMEOUT_MS must be a whole number from 1000 to 3600000 (got "10")');
  });

  /** What parseConfig throws for `env`: a ConfigError, and its message. */
  function refusal(env: Record<string, string>): string {
    try {
      parseConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
  }

  const bad: [Record<string, string>, string][] = [
    [{ PORT: 'abc' }, 'PORT must be a whole number from 1 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 1 to 65535 (got "70000")'],
    [{ STORAGE_DRIVER: 'ftp' }, 'STORAGE_DRIVER must be "local" or "s3" (or "r2" on Cloudflare Workers) (got "ftp")'],
    [{ STORAGE_DRIVER: 's3' }, 'S3_BUCKET is required when STORAGE_DRIVER=s3'],
    [{ MEDIA_URL_TTL_SECONDS: '3600' }, 'MEDIA_URL_TTL_SECONDS must be a whole number from 86400 to 604800 (got "3600")'],
    [{ MEDIA_URL_TTL_SECONDS: '700000' }, 'MEDIA_URL_TTL_SECONDS must be a whole number from 86400 to 604800 (got "700000")'],
    [{ TELI_API_BASE_URL: 'api.teli.ai' }, 'TELI_API_BASE_URL must be an http:// or https:// URL (got "api.teli.ai")'],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL must be an http:// or https:// URL (got "ftp://x")'],
    [{ PUBLIC_BASE_URL: 'https://media.example.com/?v=1' }, 'PUBLIC_BASE_URL must have no query (?…) or fragment (#…): URLs are made by adding a path to it (got "https://media.example.com/?v=1")'],
    [{ MEDIA_URL_TTL_SECONDS: '100000', MEDIA_RETENTION_DAYS: '1' }, 'MEDIA_RETENTION_DAYS must be at least the URL lifetime (MEDIA_URL_TTL_SECONDS = 100000 s, 1.16 days): files must outlive their links (got "1")'],
    [{ S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE must be true or false (got "maybe")'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be debug, info, warn or error (got "loud")'],
    [{ FETCH_ALLOW_PRIVATE_HOSTS: 'files.corp' }, 'FETCH_ALLOW_PRIVATE_HOSTS: "files.corp" must be exactly host:port (for example files.corp.example:443)'],
    [{ HOST: '0.0.0.0' }, 'API_KEYS must be set when HOST (0.0.0.0) is not a loopback address: without keys anyone could send MMS'],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)} naming the variable`, () => {
      expect(refusal(env)).toBe(message);
    });
  }

  it('reads CORS_ORIGINS as browsers send Origin, refuses anything else, and * without API_KEYS', () => {
    expect(parseConfig({}).CORS_ORIGINS).toEqual([]);
    expect(parseConfig({ CORS_ORIGINS: 'https://App.example.com/, http://localhost:5173' }).CORS_ORIGINS).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(parseConfig({ CORS_ORIGINS: '*', API_KEYS: 'k' }).CORS_ORIGINS).toEqual(['*']);
    expect(refusal({ CORS_ORIGINS: 'https://app.example.com/login' })).toBe(
      'CORS_ORIGINS must be origins such as https://app.example.com (scheme, host and port only; "https://app.example.com/login" is not one), comma-separated, or * (got "https://app.example.com/login")',
    );
    expect(refusal({ CORS_ORIGINS: '*' })).toBe(
      'CORS_ORIGINS may be * only when API_KEYS is set: without keys, any web page a user opens could use this service through their browser (got "*")',
    );
  });

  it('never echoes a secret in its message', () => {
    expect(refusal({ UPLOAD_SIGNING_SECRET: 'too-short-secret' })).toBe('UPLOAD_SIGNING_SECRET must be at least 32 characters (e.g. openssl rand -base64 32)');
    expect(refusal({ TELI_API_KEY: 'sk-secret', TELI_TIMEOUT_MS: 'x' })).toBe('TELI_TIMEOUT_MS must be a whole number from 100 to 120000 (got "x")');
    expect(refusal({ TELI_API_KEY: 'sk-secret', TELI_API_BASE_URL: 'nope' })).toBe('TELI_API_BASE_URL must be an http:// or https:// URL (got "nope")');
  });
});

describe('the Node entry', () => {
  /** Starts src/node/main.ts with these variables; it must stop: its exit code and the lines it wrote to stderr. */
  async function stopped(env: Record<string, string>): Promise<{ code: number; stderr: string[] }> {
    // Killed after 15 s (code null): an entry that started instead of stopping fails the test rather than hanging it.
    const failed = await run('npx', ['tsx', 'src/node/main.ts'], { env: { ...process.env, ...env }, timeout: 15_000 }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    if (!failed) throw new Error(`the entry started and ended with ${JSON.stringify(env)}`);
    return { code: failed.code, stderr: failed.stderr.trim().split('\n') };
  }

  it('stops with exit code 1 and one line naming the bad variable', async () => {
    expect(await stopped({ PORT: 'abc' })).toEqual({ code: 1, stderr: ['mms-media: invalid configuration: PORT must be a whole number from 1 to 65535 (got "abc")'] });
  });

  it('stops with exit code 1 and one line saying what to change when its port is taken', async () => {
    const other = createServer();
    await new Promise<void>((done) => other.listen(0, '127.0.0.1', done));
    const { port } = other.address() as { port: number };
    const dir = await mkdtemp(join(tmpdir(), 'mms-port-'));
    const result = await stopped({ PORT: String(port), LOCAL_STORAGE_DIR: dir }).finally(() => other.close());
    await rm(dir, { recursive: true, force: true });
    expect(result).toEqual({ code: 1, stderr: [`mms-media: cannot listen on 127.0.0.1:${port}: another process is listening there; stop it, or set PORT to a free port`] });
  });

  it('stops with exit code 1 and one line naming LOCAL_STORAGE_DIR when that folder cannot be written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mms-dir-'));
    await writeFile(join(dir, 'a-file'), 'not a folder');
    const media = join(dir, 'a-file', 'media');
    const result = await stopped({ PORT: '1', LOCAL_STORAGE_DIR: media });
    await rm(dir, { recursive: true, force: true });
    expect(result).toEqual({
      code: 1,
      stderr: [`mms-media: invalid configuration: LOCAL_STORAGE_DIR (${media}) cannot be written (ENOTDIR: not a directory, mkdir '${media}'): set it to a folder this user may write`],
    });
  });
});
