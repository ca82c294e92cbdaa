import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mpegAudioSeconds } from '../../src/lib/containers/mpeg-audio.js';
import { Pieces } from '../../src/lib/pieces.js';

/** The length of an MP3 counted from its frames, against ffprobe's for the same file (what the service read before). */
const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mpeg-seconds-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function mp3(name: string, seconds: number, args: string[]): Promise<{ bytes: Buffer; probed: number }> {
  const path = join(dir, name);
  await run('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${seconds}`, '-c:a', 'libmp3lame', ...args, '-f', 'mp3', path]);
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]);
  return { bytes: await readFile(path), probed: Number(stdout.trim()) };
}
const seconds = (bytes: Uint8Array) => mpegAudioSeconds(new Pieces([bytes]));

describe('mpegAudioSeconds', () => {
  it.each([
    ['MPEG-1, 44.1 kHz, 128 kbit/s, no tags', 7.3, ['-b:a', '128k', '-ac', '1', '-ar', '44100', '-id3v2_version', '0', '-write_id3v1', '0']],
    ['MPEG-2, 22.05 kHz, 32 kbit/s, ID3v2 and ID3v1 tags', 12, ['-b:a', '32k', '-ac', '1', '-ar', '22050', '-write_id3v1', '1', '-metadata', 'title=memo']],
    ['MPEG-2, 16 kHz, 24 kbit/s, stereo', 5, ['-b:a', '24k', '-ac', '2', '-ar', '16000']],
  ])('counts %s to ffprobe’s duration', async (_label, length, args) => {
    const { bytes, probed } = await mp3(`${length}.mp3`, length, args as string[]);
    expect(seconds(bytes)).toBeCloseTo(probed, 6);
  });

  it('vouches for nothing when the frames stop short of the end, or something else sits between them', async () => {
    const { bytes } = await mp3('cut.mp3', 3, ['-b:a', '64k', '-ac', '1', '-id3v2_version', '0', '-write_id3v1', '0']);
    expect(seconds(bytes.subarray(0, bytes.length - 50))).toBeUndefined();
    const middle = 20 * 209; // well inside: frames of 208 or 209 bytes at 64 kbit/s, 44.1 kHz
    const spliced = Buffer.concat([bytes.subarray(0, middle), Buffer.from('junk'), bytes.subarray(middle)]);
    expect(seconds(spliced)).toBeUndefined();
    expect(seconds(new Uint8Array(0))).toBeUndefined();
  });
});
