import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import * as fx from '../support/fixtures.js';

const KEY = 'cli-upload-key';
const HEIC = fileURLToPath(new URL('../fixtures/iphone-portrait.heic', import.meta.url));
let t: TestApp;
let dir: string;
beforeAll(async () => {
  t = await startTestApp({ API_KEYS: KEY });
  dir = await mkdtemp(join(tmpdir(), 'mms-media-cli-'));
});
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ MMS_MEDIA_URL: t.baseUrl, MMS_MEDIA_API_KEY: KEY });
const HEIC_WORDS = 'turned upright, metadata removed \\(location included\\), colours converted to sRGB, converted from HEIC to JPEG, compressed \\(quality \\d+\\)';

/** What the hosted URL serves, as a carrier downloads it. */
async function download(url: string) {
  const res = await fetch(url);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type'), bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The service's own sentence for these bytes, asked directly. */
async function refusalOf(bytes: Buffer, filename: string) {
  const res = await t.app.request(`/v1/media?filename=${filename}`, { method: 'POST', body: bytes, headers: { 'x-api-key': KEY } });
  return { status: res.status, body: (await res.json()) as { error: string; code: string } };
}

describe('mms-media upload', () => {
  it('hosts an iPhone HEIC as JPEG, prints its URL, size and what was done, with progress lines on stderr', async () => {
    const run = await runCli(['upload', HEIC, '--progress', 'plain'], env());
    expect(run.code, run.stderr).toBe(0);
    const line = new RegExp(`^(${t.baseUrl}/media/[A-Za-z0-9_-]{22}\\.jpg)  (\\d+(?:\\.\\d)? KB)  ${HEIC_WORDS}\\n$`);
    expect(run.stdout).toMatch(line);
    const served = await download(run.stdout.match(line)![1]!);
    expect([served.status, served.type, served.bytes.subarray(0, 3).toString('hex')]).toEqual([200, 'image/jpeg', 'ffd8ff']);
    expect(run.stdout.match(line)![2]).toBe(`${Math.round(served.bytes.length / 100) / 10} KB`);
    // Every tenth of the bytes is reported once at most, ending with all of them, then the processing.
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines.at(-2)).toBe('iphone-portrait.heic: 100% of 268.6 KB sent');
    expect(lines.at(-1)).toBe('iphone-portrait.heic: processing');
    expect(lines.slice(0, -1).every((l) => /^iphone-portrait\.heic: \d{1,3}0?% of 268\.6 KB sent$/.test(l))).toBe(true);
  });

  it('--json gives the media object for scripts; the bar reaches 100 %', async () => {
    const run = await runCli(['upload', HEIC, '--json', '--progress', 'bar'], env());
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { success: boolean; files: { file: string; media: Record<string, any> }[] };
    expect(out.success).toBe(true);
    expect(out.files.map((f) => f.file)).toEqual([HEIC]);
    const media = out.files[0]!.media;
    expect([media.kind, media.content_type, media.width, media.height, media.original.filename, media.original.size]).toEqual(['image', 'image/jpeg', 1080, 1440, 'iphone-portrait.heic', 268_586]);
    const served = await download(media.url);
    expect([served.bytes.length, served.sha256]).toEqual([media.size, media.sha256]);
    expect(run.stderr).toContain('\r\x1b[2Kiphone-portrait.heic  [########################] 100%  268.6 KB of 268.6 KB');
    expect(run.stderr.endsWith('\r\x1b[2K')).toBe(true); // the bar is cleared before the process ends
    // It went through tus: the media is named after the upload, whose outcome the service reports.
    const upload = await fetch(`${t.baseUrl}/v1/uploads/${media.id.replace(/\.jpg$/, '')}/media`, { headers: { 'x-api-key': KEY } });
    expect(await upload.json()).toEqual({ success: true, status: 'ready', media: { ...media, url: expect.any(String) } });
  });

  it('a service without tus (Workers answer 501): the file goes in one request to POST /v1/media, same result', async () => {
    const resumable = t.deps.resumable;
    t.deps.resumable = undefined; // what a Workers deployment has: /v1/uploads answers 501 resumable_uploads_unavailable
    try {
      const run = await runCli(['upload', HEIC, '--json', '--optimize', 'always', '--keep-metadata', '--progress', 'plain'], env());
      expect(run.code, run.stderr).toBe(0);
      const media = JSON.parse(run.stdout).files[0].media;
      expect([media.content_type, media.original.filename, media.transformations.includes('strip_metadata')]).toEqual(['image/jpeg', 'iphone-portrait.heic', false]);
      expect(media.transformations).toContain('keep_metadata:exif');
      expect(run.stderr.split('\n').slice(-3)).toEqual(['iphone-portrait.heic: 100% of 268.6 KB sent', 'iphone-portrait.heic: processing', '']);
    } finally {
      t.deps.resumable = resumable;
    }
  });

  it('reports a refused file with the service’s sentence and exit code 3, and still hosts the others', async () => {
    const page = join(dir, 'share-page.jpg');
    await writeFile(page, fx.html());
    const refusal = await refusalOf(fx.html(), 'share-page.jpg');
    expect(refusal.status).toBe(415);
    const run = await runCli(['upload', page, HEIC], env());
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`mms-media: ${page}: ${refusal.body.error}\n`);
    expect(run.stdout).toMatch(new RegExp(`^${t.baseUrl}/media/[A-Za-z0-9_-]{22}\\.jpg  \\d+(\\.\\d)? KB  ${HEIC_WORDS}\\n$`));
  });

  it('--json lists the refusal with its code and exit code', async () => {
    const page = join(dir, 'notes.txt');
    await writeFile(page, 'just some text, not a picture\n');
    const refusal = await refusalOf(Buffer.from('just some text, not a picture\n'), 'notes.txt');
    const run = await runCli(['upload', page, '--json'], env());
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual({
      success: false,
      files: [{ file: page, success: false, error: refusal.body.error, code: refusal.body.code, status: refusal.status, exit_code: 3 }],
    });
  });

  it('without an API key: exit code 4 and what to set', async () => {
    const run = await runCli(['upload', HEIC], { MMS_MEDIA_URL: t.baseUrl });
    expect(run).toEqual({ code: 4, stdout: '', stderr: `mms-media: ${HEIC}: The service needs an API key: set MMS_MEDIA_API_KEY or pass --api-key.\n` });
  });

  it('with a wrong key (--api-key overrides the environment): exit code 4, and the key is never printed', async () => {
    const run = await runCli(['upload', HEIC, '--api-key', 'not-the-key-123', '--json'], env());
    expect(run.code).toBe(4);
    expect(run.stderr).toBe(`mms-media: ${HEIC}: The service did not accept the API key given in MMS_MEDIA_API_KEY or --api-key.\n`);
    expect(JSON.parse(run.stdout).files[0]).toMatchObject({ code: 'invalid_api_key', status: 401, exit_code: 4 });
    expect(run.stdout + run.stderr).not.toContain('not-the-key-123');
  });

  it('a list of unfinished uploads that cannot be read (not JSON) only stops resuming: the file is still hosted', async () => {
    const state = join(dir, 'damaged-state');
    await mkdir(state, { recursive: true });
    await writeFile(join(state, 'uploads.json'), '{"tus::node-file/x": {"uploadUrl": "ht');
    const page = join(dir, 'notes.pdf');
    await writeFile(page, fx.pdf());
    const run = await runCli(['upload', page], { ...env(), MMS_MEDIA_STATE_DIR: state });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`^${t.baseUrl}/media/[A-Za-z0-9_-]{22}\\.pdf  `));
  });

  it('a file that is not there is a usage error (2), and nothing is sent', async () => {
    const run = await runCli(['upload', join(dir, 'missing.jpg')], env());
    expect(run).toEqual({ code: 2, stdout: '', stderr: `mms-media: ${join(dir, 'missing.jpg')}: no such file.\n` });
  });
});
