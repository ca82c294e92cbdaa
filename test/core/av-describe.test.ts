import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { moovFirst } from '../../src/adapters/ffmpeg/probe.js';
import { avWork, resolveAvOptions, type AvFacts } from '../../src/core/policy.js';
import { describeAv, type DescribedAv } from '../../src/lib/containers/av-describe.js';
import { Pieces } from '../../src/lib/pieces.js';
import { AV_CACHE, WARM_TIMEOUT_MS } from '../support/av-fixtures.js';
import { ANSWERED, LEFT_TO_FFPROBE, deliverable, ffprobeFacts, type DescribeFixture } from '../support/av-describe-fixtures.js';

/**
 * The in-process reader of container facts against ffprobe, as the service runs it: for every file it answers
 * for, the same codec, profile, size, turn, channels, rate and duration; for every file it is unsure of, no answer.
 */
const describeFile = async (fixture: DescribeFixture) => describeAv(Pieces.of(await fixture.bytes()), fixture.format);
const fixtureNamed = (name: string) => ANSWERED.find((f) => f.name === name)!;

beforeAll(async () => {
  for (const fixture of [...ANSWERED, ...LEFT_TO_FFPROBE]) await fixture.bytes();
}, WARM_TIMEOUT_MS);

describe('describeAv answers as ffprobe does', () => {
  it.each(ANSWERED.map((f) => [f.name, f] as const))('%s', async (_name, fixture) => {
    const described = await describeFile(fixture);
    const probed = await ffprobeFacts(fixture);
    expect(described).toBeDefined();
    const { video, audio } = described!;
    expect(probed.metadata).toEqual([]);
    expect(described!.duration).toBe(probed.duration);
    if (probed.video) {
      expect(video).toEqual({ ...probed.video, pixFmt: 'yuv420p', fps: video!.fps });
      expect(['yuv420p', 'yuvj420p']).toContain(probed.video.pixFmt);
      expect(Math.abs(video!.fps! - probed.video.fps!)).toBeLessThanOrEqual(0.01);
    } else expect(video).toBeUndefined();
    if (probed.audio) expect(audio).toEqual(probed.audio);
    else expect(audio).toBeUndefined();
    if (fixture.format === 'mp4') expect(described!.faststart).toBe(await moovFirst(join(AV_CACHE, fixture.file)));
  });

  it('reads the deliverable MP4 to the exact facts, which the policy passes as they are', async () => {
    const described = await describeFile(deliverable);
    expect(described).toEqual({
      duration: 2,
      video: { codec: 'h264', profile: 'Constrained Baseline', pixFmt: 'yuv420p', width: 320, height: 240, fps: 15, rotation: 0 },
      audio: { codec: 'aac', profile: 'LC', channels: 1, sampleRate: 44_100 },
      faststart: true,
    } satisfies DescribedAv);
    const facts: AvFacts = { format: 'mp4', size: (await deliverable.bytes()).length, metadata: [], ...described! };
    expect(avWork(facts, resolveAvOptions(), 600_000)).toEqual({ action: 'keep' });
  });

  it('tells Main, plain Baseline, cropping, turns, the index last and a file without sound apart', async () => {
    const facts = async (name: string) => (await describeFile(fixtureNamed(name)))!;
    expect((await facts('main-stereo-48k.mp4')).video).toMatchObject({ profile: 'Main', fps: 25 });
    expect((await facts('main-stereo-48k.mp4')).audio).toEqual({ codec: 'aac', profile: 'LC', channels: 2, sampleRate: 48_000 });
    expect((await facts('plain-baseline.mp4')).video?.profile).toBe('Baseline');
    expect((await facts('cropped-322x180.mp4')).video).toMatchObject({ width: 322, height: 180 });
    for (const turn of [90, 180, 270]) expect((await facts(`rotated-${turn}.mp4`)).video?.rotation).toBe(turn);
    expect((await facts('encoder-tag-index-last.mp4')).faststart).toBe(false);
    expect(await facts('video-only.mp4')).toMatchObject({ audio: undefined, video: { width: 176, height: 144, fps: 30 } });
    expect(await facts('cbr-no-info.mp3')).toEqual({ duration: expect.any(Number), audio: { codec: 'mp3', channels: 2, sampleRate: 48_000 } });
    expect((await facts('mpeg2-22k-stereo.mp3')).audio).toEqual({ codec: 'mp3', channels: 2, sampleRate: 22_050 });
  });
});

describe('describeAv leaves to ffprobe', () => {
  it.each(LEFT_TO_FFPROBE.map((f) => [f.name, f.why, f] as const))('%s (%s)', async (_name, _why, fixture) => {
    expect(await describeFile(fixture)).toBeUndefined();
  });

  it('what ffprobe tells apart in those files: High, HEVC, SBR, tags', async () => {
    const probed = async (name: string) => ffprobeFacts(LEFT_TO_FFPROBE.find((f) => f.name === name)!);
    expect((await probed('high.mp4')).video?.profile).toBe('High');
    expect((await probed('hevc.mp4')).video?.codec).toBe('hevc');
    // SBR doubles the output rate; ffprobe names the profile HE-AAC only once it decodes SBR data, which these lack.
    expect((await probed('he-aac.mp4')).audio?.sampleRate).toBe(96_000);
    expect((await probed('he-aac-sbr.mp4')).audio?.sampleRate).toBe(96_000);
    expect((await probed('id3v1.mp3')).metadata).toEqual(['artist']);
    // ffprobe does not report an APEv2 tag behind MP3 frames at all: the frames not running to the end is what tells.
    expect((await probed('ape.mp3')).metadata).toEqual([]);
    expect((await probed('title.mp4')).metadata).toEqual(['title']);
    expect((await probed('location.mp4')).metadata).toEqual(['location-eng', 'location']);
  });

  it('the same bytes as any format but MP4 and MP3', async () => {
    const bytes = Pieces.of(await deliverable.bytes());
    for (const format of ['mov', 'm4a', '3gp', 'm4v', 'webm', '']) expect(describeAv(bytes, format)).toBeUndefined();
  });
});

/** A repeatable stream of pseudo-random bytes (mulberry32). */
function randomBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

describe('describeAv on hostile input: no answer, no exception', () => {
  /** Where the first box of a type starts, after the `ftyp` box (whose brands may spell `avc1`). */
  const boxAt = (bytes: Buffer, type: string) => bytes.indexOf(type, bytes.readUInt32BE(0), 'latin1') - 4;

  it('files cut short at any of several points', async () => {
    for (const fixture of [deliverable, fixtureNamed('encoder-tag-index-last.mp4'), fixtureNamed('cbr-info.mp3'), fixtureNamed('cbr-no-info.mp3')]) {
      const bytes = await fixture.bytes();
      const moov = boxAt(bytes, 'moov');
      for (const end of [0, 1, 7, 8, 31, 32, 33, moov + 100, moov + 1000, Math.floor(bytes.length / 2), bytes.length - 1]) {
        expect(describeAv(Pieces.of(bytes.subarray(0, end)), fixture.format), `${fixture.name} cut at ${end}`).toBeUndefined();
      }
    }
  });

  it('random bytes, alone and behind a real ftyp box or MP3 frame header', async () => {
    const ftyp = (await deliverable.bytes()).subarray(0, 32);
    for (let seed = 1; seed <= 50; seed++) {
      const noise = randomBytes(seed, 4096);
      for (const format of ['mp4', 'mp3']) expect(describeAv(Pieces.of(noise), format)).toBeUndefined();
      expect(describeAv(new Pieces([ftyp, noise]), 'mp4')).toBeUndefined();
      expect(describeAv(new Pieces([Uint8Array.of(0xff, 0xfb, 0x90, 0xc4), noise]), 'mp3')).toBeUndefined();
    }
  });

  it('a box, a table or a parameter set claiming far more than the file holds', async () => {
    const original = await deliverable.bytes();
    // Box sizes (at the box's start), too large or too small to be one; entry counts (in the payload), too large.
    const sizes = ['moov', 'mdat', 'trak', 'stbl', 'avc1', 'esds'].map((type) => [type, 0, [0xffffffff, 0x7fffffff, 2, 1]] as const);
    const counts = [['stsd', 12], ['stts', 12], ['stco', 12], ['stsz', 16], ['elst', 12]].map(([type, at]) => [type, at, [0xffffffff, 0x7fffffff, 0x10000]] as const);
    for (const [type, at, values] of [...sizes, ...counts]) {
      for (const value of values) {
        const bytes = Buffer.from(original);
        bytes.writeUInt32BE(value, boxAt(bytes, type as string) + (at as number));
        expect(describeAv(Pieces.of(bytes), 'mp4'), `${type} at ${at} = ${value}`).toBeUndefined();
      }
    }
    const bytes = Buffer.from(original);
    bytes.writeUInt16BE(0xffff, boxAt(bytes, 'avcC') + 8 + 6); // the SPS's length
    expect(describeAv(Pieces.of(bytes), 'mp4')).toBeUndefined();
  });

  it('a chunk offset moved onto another chunk: both inside the media data, one read as the other', async () => {
    const bytes = Buffer.from(await deliverable.bytes());
    const videoChunks = boxAt(bytes, 'stco');
    const audioChunks = bytes.indexOf('stco', videoChunks + 8, 'latin1') - 4;
    bytes.writeUInt32BE(bytes.readUInt32BE(videoChunks + 16), audioChunks + 16); // first entries: after version, flags, count
    expect(describeAv(Pieces.of(bytes), 'mp4')).toBeUndefined();
  });

  it('an avcC whose SPS is garbage', async () => {
    const original = await deliverable.bytes();
    const sps = boxAt(original, 'avcC') + 8 + 8;
    for (let seed = 1; seed <= 50; seed++) {
      const bytes = Buffer.from(original);
      bytes.set(randomBytes(seed, 12), sps + 4); // after the NAL header, profile, constraints and level
      expect(describeAv(Pieces.of(bytes), 'mp4')).toBeUndefined();
    }
  });

  it('every byte of the headers changed, one at a time: answers or not, never an exception', async () => {
    for (const fixture of [deliverable, fixtureNamed('cbr-info.mp3')]) {
      const original = await fixture.bytes();
      const headers = fixture.format === 'mp4' ? boxAt(original, 'mdat') : 1024;
      for (let at = 0; at < headers; at++) {
        for (const change of [0x00, 0xff, original[at]! ^ 0x01]) {
          const bytes = Buffer.from(original);
          bytes[at] = change;
          expect(() => describeAv(Pieces.of(bytes), fixture.format)).not.toThrow();
        }
      }
    }
  });
});
