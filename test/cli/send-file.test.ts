import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { AV_CACHE, phoneMov } from '../support/av-fixtures.js';
import { runCli } from '../support/cli.js';
import { expectReceived, startFakeTeli, type FakeTeli } from '../support/fake-teli.js';

const HEIC = fileURLToPath(new URL('../fixtures/iphone-portrait.heic', import.meta.url));
let teli: FakeTeli;
let t: TestApp;
let dir: string;
beforeAll(async () => {
  teli = await startFakeTeli();
  // No FETCH_ALLOW_PRIVATE_HOSTS: the service sends the URL of its own media (on loopback here) without fetching it.
  t = await startTestApp({ TELI_API_BASE_URL: teli.baseUrl, TELI_API_KEY: teli.apiKey });
  dir = await mkdtemp(join(tmpdir(), 'mms-media-cli-send-'));
  // The iPhone-style HEVC QuickTime clip, made with ffmpeg (cached in the temp folder), under the name a person types.
  await phoneMov();
  await copyFile(join(AV_CACHE, 'phone.mov'), join(dir, 'clip.mov'));
}, 120_000);
afterAll(async () => {
  await t.close();
  await teli.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  teli.calls.length = 0;
});

const env = () => ({ MMS_MEDIA_URL: t.baseUrl });
const hostedLine = (ext: string) => `${t.baseUrl}/media/[A-Za-z0-9_-]{22}\\.${ext}`;

describe('mms-media send FILE', () => {
  it('hosts the file, then sends its URL: the endpoint gets exactly one request, with the hosted URL', async () => {
    const run = await runCli(['send', '--campaign', 'c1', '--to', '+15551234567', HEIC, '--message', 'Your photo'], env());
    expect(run.code, run.stderr).toBe(0);
    const url = run.stdout.match(new RegExp(hostedLine('jpg')))![0];
    expectReceived(teli, { campaign_id: 'c1', phone_number: '+15551234567', media_url: url, message: 'Your photo' });
    expect([teli.calls[0]!.download?.status, teli.calls[0]!.download?.contentType]).toEqual([200, 'image/jpeg']);
    expect(run.stdout.split('\n')[0]).toBe(`Sent to +15551234567 (campaign c1): MMS sent successfully. Media: ${url}`);
    expect(run.stdout.split('\n')[1]).toMatch(new RegExp(`^  ${url}  \\d+(\\.\\d)? KB  turned upright, metadata removed \\(location included\\), .*converted from HEIC to JPEG`));
    expect(run.stderr).toBe(''); // stderr is not a terminal: no progress unless asked for
  });

  it('send … ./clip.mov sends the converted video and prints the reply', async () => {
    const run = await runCli(['send', '--campaign', 'c1', '--to', '+15551234567', './clip.mov', '--json'], env(), { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const reply = JSON.parse(run.stdout) as Record<string, any>;
    expect(reply).toMatchObject({ success: true, message: 'MMS sent successfully', phone_number: '+15551234567', campaign_id: 'c1', media: { kind: 'video', content_type: 'video/mp4', extension: 'mp4' } });
    expect(reply.media_url).toBe(reply.media.url);
    expectReceived(teli, { campaign_id: 'c1', phone_number: '+15551234567', media_url: reply.media.url });
    const download = teli.calls[0]!.download!;
    expect([download.status, download.contentType, download.bytes.length, download.bytes.subarray(4, 8).toString('latin1')]).toEqual([200, 'video/mp4', reply.media.size, 'ftyp']);
    expect(reply.media.transformations.slice(0, 3)).toEqual(['convert:mov->mp4', 'transcode:hevc->h264', 'rotate:90']);
    // Upright: the 960×540 landscape frames stored sideways arrive as portrait.
    expect(reply.media.height).toBeGreaterThan(reply.media.width);
  }, 60_000);

  it('Ctrl-C while the service converts: exit code 130 and one sentence', async () => {
    let sentInterrupt = false;
    const running = runCli(['upload', './clip.mov', '--progress', 'plain'], env(), {
      cwd: dir,
      onStderr: (soFar) => {
        // One Ctrl-C: stderr goes on arriving (the error line), and a second one as the process ends may find no
        // handler left and kill it outright.
        if (sentInterrupt || !soFar.includes('clip.mov: processing\n')) return;
        sentInterrupt = true;
        running.child.kill('SIGINT');
      },
    });
    const run = await running;
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('');
    expect(run.stderr.endsWith('clip.mov: processing\nmms-media: Stopped waiting (Ctrl-C); the service has all of clip.mov and may still host it.\n')).toBe(true);
  });
});

describe('mms-media send against a service without TELI_API_KEY', () => {
  it('says it was a dry run', async () => {
    const dry = await startTestApp();
    try {
      const run = await runCli(['send', '--campaign', 'c1', '--to', '5551234567', HEIC], { MMS_MEDIA_URL: dry.baseUrl });
      expect(run.code, run.stderr).toBe(0);
      const url = run.stdout.match(new RegExp(`${dry.baseUrl}/media/[A-Za-z0-9_-]{22}\\.jpg`))![0];
      expect(run.stdout.split('\n')[0]).toBe(`Dry run: nothing was sent to +15551234567 (campaign c1); the service has no TELI_API_KEY. Media: ${url}`);
    } finally {
      await dry.close();
    }
  });
});
