/**
 * Video and audio for the in-process reader of container facts (src/lib/containers/av-describe.ts): one second
 * each, made at test time with the system's ffmpeg and cached like the other AV fixtures, some then changed by a
 * few bytes where ffmpeg cannot write what a phone or another encoder would (plain Baseline, HE-AAC, a flip).
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROBE_ARGS, factsFromProbe, probeInputArgs, type ProbeJson } from '../../src/adapters/ffmpeg/probe.js';
import type { AvFacts, AvFormat } from '../../src/core/policy.js';
import { AV_CACHE, cached, deliverableMp4, deliverableMp4WithLocation, ffmpeg, picture, tone, voiceMemo } from './av-fixtures.js';

const run = promisify(execFile);

export interface DescribeFixture {
  /** What it is, as the tests name it. */
  name: string;
  /** The format the sniffer gives it. */
  format: AvFormat;
  /** Its file in the fixture cache. */
  file: string;
  bytes: () => Promise<Buffer>;
}

const fixture = (name: string, format: AvFormat, make: (out: string) => Promise<void>): DescribeFixture => ({
  name,
  format,
  file: `describe-${name}`,
  bytes: () => cached(`describe-${name}`, make),
});
const h264 = (profile: string) => ['-c:v', 'libx264', '-profile:v', profile, '-preset', 'veryfast', '-b:v', '200k', '-pix_fmt', 'yuv420p'];
const video = (size = '320x240', rate = 15) => picture(size, rate, 1);
const aac = (rate = 44_100, channels = 1) => ['-c:a', 'aac', '-ac', String(channels), '-ar', String(rate), '-b:a', '48k'];
/** Encoded by ffmpeg: inputs first (picture, then tone), then what is made of them. */
const made = (name: string, format: AvFormat, inputs: string[], output: string[]) => fixture(name, format, (out) => ffmpeg([...inputs, ...output, out]).then(() => undefined));
/** A copying remux of another fixture (new tags or a display matrix, the same streams). */
const remuxed = (name: string, format: AvFormat, from: DescribeFixture, args: string[]) =>
  fixture(name, format, async (out) => {
    await from.bytes();
    await ffmpeg(['-i', join(AV_CACHE, from.file), '-map', '0', '-c', 'copy', ...args, out]);
  });
/** A copy of another fixture with some bytes changed in place (no box moves, so no offset does), or more bytes behind. */
const patched = (name: string, format: AvFormat, from: DescribeFixture, patch: (bytes: Buffer) => Buffer | void) =>
  fixture(name, format, async (out) => {
    const bytes = Buffer.from(await from.bytes());
    await writeFile(out, patch(bytes) ?? bytes);
  });

/** An ID3v1 tag: "TAG", title, artist, album (30 bytes each), year, comment, genre: 128 bytes. */
function id3v1Tag(artist: string): Buffer {
  const tag = Buffer.alloc(128);
  tag.write('TAG', 0, 'latin1');
  tag.write(artist, 33, 'latin1');
  tag[127] = 255; // no genre
  return tag;
}

/** An APEv2 tag of one item, without a header: the item (value size, flags, key, NUL, value), then the footer. */
function apeTag(key: string, value: string): Buffer {
  const item = Buffer.concat([Buffer.alloc(8), Buffer.from(`${key}\0${value}`, 'latin1')]);
  item.writeUInt32LE(value.length, 0);
  const footer = Buffer.alloc(32);
  footer.write('APETAGEX', 0, 'latin1');
  footer.writeUInt32LE(2000, 8); // version
  footer.writeUInt32LE(item.length + 32, 12); // the items and the footer
  footer.writeUInt32LE(1, 16); // items
  return Buffer.concat([item, footer]);
}

/** Where a four-character box type first appears, as its payload's start. */
const payloadOf = (bytes: Buffer, type: string) => {
  const at = bytes.indexOf(type, 0, 'latin1');
  if (at < 0) throw new Error(`no ${type} box`);
  return at + 4;
};

/** The AudioSpecificConfig ffmpeg writes for 48 kHz stereo AAC-LC (5 bytes), where it is in the file. */
function ascOf(bytes: Buffer): Buffer {
  const at = bytes.indexOf(Buffer.from([0x11, 0x90, 0x56, 0xe5, 0x00]));
  if (at < 0) throw new Error('no AAC-LC 48 kHz stereo configuration');
  return bytes.subarray(at, at + 5);
}

export const deliverable: DescribeFixture = { name: 'deliverable.mp4', format: 'mp4', file: 'deliverable.mp4', bytes: deliverableMp4 };
const cbrInfo = made('cbr-info.mp3', 'mp3', tone(1), ['-c:a', 'libmp3lame', '-b:a', '128k', '-id3v2_version', '0', '-f', 'mp3']);
const main = made('main-stereo-48k.mp4', 'mp4', [...video('320x240', 25), ...tone(1, 48_000)], [...h264('main'), ...aac(48_000, 2), '-movflags', '+faststart', '-f', 'mp4']);

/** Files the reader answers for: each is checked against ffprobe. */
export const ANSWERED: DescribeFixture[] = [
  deliverable,
  main,
  made('encoder-tag-index-last.mp4', 'mp4', [...video(), ...tone(1)], [...h264('baseline'), ...aac(), '-f', 'mp4']),
  made('cropped-322x180.mp4', 'mp4', [...video('322x180'), ...tone(1)], [...h264('baseline'), ...aac(), '-movflags', '+faststart', '-f', 'mp4']),
  made('video-only.mp4', 'mp4', video('176x144', 30), [...h264('main'), '-movflags', '+faststart', '-f', 'mp4']),
  // x264 always sets constraint_set1 for Baseline; a plain Baseline stream (other encoders) has it clear in both
  // the avcC header and its SPS.
  patched('plain-baseline.mp4', 'mp4', deliverable, (bytes) => {
    const avcC = payloadOf(bytes, 'avcC');
    bytes[avcC + 2] = bytes[avcC + 2]! & ~0x40;
    bytes[avcC + 10] = bytes[avcC + 10]! & ~0x40; // the SPS: its NAL header, profile, then the same byte
  }),
  // ffmpeg 5.1 writes `rotate=R` as a matrix ffprobe reads as R counter-clockwise: clockwise 360 - R.
  ...[90, 180, 270].map((clockwise) => remuxed(`rotated-${clockwise}.mp4`, 'mp4', deliverable, ['-metadata:s:v', `rotate=${(360 - clockwise) % 360}`, '-movflags', '+faststart', '-f', 'mp4'])),
  cbrInfo,
  made('cbr-no-info.mp3', 'mp3', tone(1), ['-c:a', 'libmp3lame', '-b:a', '64k', '-ac', '2', '-id3v2_version', '0', '-write_xing', '0', '-f', 'mp3']),
  made('vbr-xing.mp3', 'mp3', tone(1), ['-c:a', 'libmp3lame', '-q:a', '4', '-id3v2_version', '0', '-f', 'mp3']),
  made('mpeg2-22k-stereo.mp3', 'mp3', tone(1, 22_050), ['-c:a', 'libmp3lame', '-b:a', '32k', '-ac', '2', '-id3v2_version', '0', '-f', 'mp3']),
];

/** Files the reader leaves to ffprobe, with why. */
export const LEFT_TO_FFPROBE: Array<DescribeFixture & { why: string }> = [
  { ...made('high.mp4', 'mp4', [...video(), ...tone(1)], [...h264('high'), ...aac(), '-f', 'mp4']), why: 'H.264 High' },
  {
    ...made('hevc.mp4', 'mp4', [...video(), ...tone(1)], ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', ...aac(), '-f', 'mp4']),
    why: 'HEVC',
  },
  { name: 'location.mp4', format: 'mp4', file: 'deliverable-location.mp4', bytes: deliverableMp4WithLocation, why: 'a location tag' },
  { ...remuxed('title.mp4', 'mp4', deliverable, ['-metadata', 'title=Birthday at home', '-f', 'mp4']), why: 'a title tag' },
  {
    ...remuxed('apple-keys.mp4', 'mp4', deliverable, ['-metadata', 'com.apple.quicktime.make=Apple', '-movflags', 'use_metadata_tags', '-f', 'mp4']),
    why: 'Apple metadata keys',
  },
  // HE-AAC as encoders signal it (ffmpeg cannot encode it): ffmpeg's AAC-LC configuration (48 kHz, stereo, then
  // "no SBR") with SBR present instead, at 96 kHz, or as object type SBR over AAC-LC (the rest zero padding).
  { ...patched('he-aac.mp4', 'mp4', main, (bytes) => void ascOf(bytes).set([0x11, 0x90, 0x56, 0xe5, 0x80])), why: 'HE-AAC, SBR signalled after AAC-LC' },
  { ...patched('he-aac-sbr.mp4', 'mp4', main, (bytes) => void ascOf(bytes).set([0x29, 0x90, 0x08, 0x00, 0x00])), why: 'HE-AAC, object type SBR' },
  {
    ...made('in-band-parameter-sets.mp4', 'mp4', [...video(), ...tone(1)], [...h264('baseline'), '-x264-params', 'repeat-headers=1', ...aac(), '-movflags', '+faststart', '-f', 'mp4']),
    why: 'SPS and PPS inside the samples',
  },
  { ...made('aac-22k-mono.mp4', 'mp4', [...video(), ...tone(1, 22_050)], [...h264('baseline'), ...aac(22_050, 1), '-f', 'mp4']), why: 'AAC at 22.05 kHz' },
  {
    ...patched('flipped.mp4', 'mp4', deliverable, (bytes) => {
      const matrix = payloadOf(bytes, 'tkhd') + 40;
      bytes.writeUInt32BE(0xffff0000, matrix); // a = -1: a mirror image, not a turn
    }),
    why: 'a mirroring display matrix',
  },
  { ...made('fragmented.mp4', 'mp4', [...video(), ...tone(1)], [...h264('baseline'), ...aac(), '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4']), why: 'fragments' },
  { ...made('clip.mov', 'mov', [...video(), ...tone(1)], [...h264('baseline'), ...aac(), '-f', 'mov']), why: 'MOV' },
  { ...made('clip.3gp', '3gp', [...video('176x144'), ...tone(1, 48_000)], [...h264('baseline'), ...aac(48_000), '-f', '3gp']), why: '3GP' },
  { name: 'memo.m4a', format: 'm4a', file: 'memo-2s.m4a', bytes: () => voiceMemo(2), why: 'M4A' },
  { ...made('clip-as-mp4.mov', 'mp4', [...video(), ...tone(1)], [...h264('baseline'), ...aac(), '-f', 'mov']), why: 'a QuickTime file named MP4' },
  { ...made('vbr-no-header.mp3', 'mp3', tone(1), ['-c:a', 'libmp3lame', '-q:a', '4', '-id3v2_version', '0', '-write_xing', '0', '-f', 'mp3']), why: 'VBR with no Xing header' },
  { ...made('id3v2.mp3', 'mp3', tone(1), ['-c:a', 'libmp3lame', '-b:a', '64k', '-metadata', 'artist=Ana', '-f', 'mp3']), why: 'an ID3v2 tag' },
  { ...patched('id3v1.mp3', 'mp3', cbrInfo, (bytes) => Buffer.concat([bytes, id3v1Tag('Ana')])), why: 'an ID3v1 tag' },
  { ...patched('ape.mp3', 'mp3', cbrInfo, (bytes) => Buffer.concat([bytes, apeTag('Artist', 'Ana')])), why: 'an APEv2 tag' },
];

/** The facts the service reads with ffprobe, exactly as it runs it (forced demuxer, PROBE_ARGS). */
export async function ffprobeFacts(fixture: DescribeFixture): Promise<AvFacts> {
  const bytes = await fixture.bytes();
  const args = ['-hide_banner', '-loglevel', 'error', ...PROBE_ARGS, ...probeInputArgs(fixture.format, join(AV_CACHE, fixture.file))];
  const { stdout } = await run('ffprobe', args, { maxBuffer: 16 * 1024 * 1024 });
  return factsFromProbe(JSON.parse(stdout) as ProbeJson, fixture.format, bytes.length);
}
