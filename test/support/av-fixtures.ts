/**
 * Video and audio made at test time with the system's ffmpeg (lavfi `testsrc2`/`sine` sources, 1–3 s, small),
 * kept in the temp folder between test files and runs, and checked with ffprobe: what a phone, a browser or an
 * editor would send, and what carriers get back.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const AV_CACHE = join(tmpdir(), 'mms-media-av-fixtures-v1');

export async function cached(name: string, make: (path: string) => Promise<void>): Promise<Buffer> {
  const path = join(AV_CACHE, name);
  const existing = await readFile(path).catch(() => undefined);
  if (existing) return existing;
  await mkdir(AV_CACHE, { recursive: true });
  const partial = `${path}.${process.pid}.part`;
  await make(partial);
  await rename(partial, path);
  return readFile(path);
}

export const ffmpeg = (args: string[]) => run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
/** A picture that does not compress to nothing: the test pattern with moving grain, like a phone's sensor noise. */
export const picture = (size: string, rate: number, seconds: number) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds},noise=alls=25:allf=t`];
export const tone = (seconds: number, rate = 48_000) => ['-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=${rate}:duration=${seconds}`];

export const LOCATION = '+40.7128-074.0060+010.000/';

/**
 * An iPhone video: QuickTime, HEVC 960×540 (kept small for the tests' sake) at 30 frames a second stored sideways with a display matrix that
 * turns it 90° clockwise (ffprobe: rotation -90), stereo AAC, and where and on what it was shot. ffmpeg 5.1 drops
 * a rotation given while encoding, so it is added by a second, copying remux.
 */
export const phoneMov = () =>
  cached('phone.mov', async (out) => {
    const plain = `${out}.plain.mov`;
    await ffmpeg([...picture('960x540', 30, 2), ...tone(2), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-b:v', '6M', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1',
      '-c:a', 'aac', '-ac', '2', '-b:a', '128k', '-metadata', `com.apple.quicktime.location.ISO6709=${LOCATION}`, '-metadata', `location=${LOCATION}`,
      '-metadata', 'make=Apple', '-metadata', 'model=iPhone 15', '-movflags', 'use_metadata_tags', '-f', 'mov', plain]);
    // 5.1 writes `rotate=270` as a matrix ffprobe reads as -90: an upright phone's portrait video.
    await ffmpeg(['-i', plain, '-map', '0', '-c', 'copy', '-metadata:s:v', 'rotate=270', '-movflags', 'use_metadata_tags', '-f', 'mov', out]);
  });

/** An Android-style H.264 High MP4 at 2.5 Mbit/s for 3 s: about 1.1 MB, over the 600 KB budget. */
export const bigMp4 = () =>
  cached('big.mp4', (out) =>
    ffmpeg([...picture('960x540', 30, 3), ...tone(3), '-c:v', 'libx264', '-profile:v', 'high', '-preset', 'veryfast', '-b:v', '2500k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', '-f', 'mp4', out]).then(() => undefined),
  );

/** Already deliverable: H.264 Constrained Baseline, AAC-LC mono, index first, no tags; ~100 KB. */
export const deliverableMp4 = () =>
  cached('deliverable.mp4', (out) =>
    ffmpeg([...picture('320x240', 15, 2), ...tone(2, 44_100), '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'veryfast', '-b:v', '300k', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-ac', '1', '-b:a', '32k', '-map_metadata', '-1', '-fflags', '+bitexact', '-movflags', '+faststart', '-f', 'mp4', out]).then(() => undefined),
  );

/** The same streams with the index last and a location tag: remuxed, not re-encoded. */
export const deliverableMp4WithLocation = () =>
  cached('deliverable-location.mp4', async (out) => {
    const src = join(AV_CACHE, 'deliverable.mp4');
    await deliverableMp4();
    await ffmpeg(['-i', src, '-map', '0', '-c', 'copy', '-metadata', `location=${LOCATION}`, '-f', 'mp4', out]);
  });

/**
 * An MP4 with an XMP packet holding a location in a top-level `uuid` box (XMP's UUID), appended after its other
 * boxes as exiftool and Adobe's tools write it: ffprobe shows it only when asked to (`-export_xmp 1`).
 */
export function withXmpLocation(mp4: Uint8Array): Buffer {
  const xmp = Buffer.from(
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="40,42.768N" exif:GPSLongitude="74,0.36W"/></rdf:RDF></x:xmpmeta>',
  );
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + 16 + xmp.length);
  header.write('uuid', 4, 'latin1');
  return Buffer.concat([mp4, header, Buffer.from('be7acfcb97a942e89c71999491e3afac', 'hex'), xmp]);
}

/** What a browser's MediaRecorder makes: WebM, VP9 and Opus. */
export const browserWebm = () =>
  cached('browser.webm', (out) =>
    ffmpeg([...picture('320x240', 30, 2), ...tone(2), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-c:a', 'libopus', '-b:a', '48k', '-f', 'webm', out]).then(() => undefined),
  );

/** As MediaRecorder streams it: a live WebM whose header states no duration (ffprobe: N/A). */
export const liveWebm = (seconds = 2) =>
  cached(`live-${seconds}s.webm`, (out) =>
    ffmpeg([...picture('160x120', 15, seconds), ...tone(seconds), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '200k', '-c:a', 'libopus', '-live', '1', '-f', 'webm', out]).then(() => undefined),
  );

/** A voice memo: M4A (AAC-LC mono, 64 kbit/s). */
export const voiceMemo = (seconds = 2) =>
  cached(`memo-${seconds}s.m4a`, (out) => ffmpeg([...tone(seconds), '-c:a', 'aac', '-ac', '1', '-b:a', '64k', '-f', 'ipod', out]).then(() => undefined));

/** An MP3 with nothing but its frames: no ID3 tag, no Xing/Info frame. */
export const plainMp3 = () =>
  cached('plain.mp3', (out) => ffmpeg([...tone(2, 44_100), '-c:a', 'libmp3lame', '-b:a', '64k', '-map_metadata', '-1', '-id3v2_version', '0', '-write_xing', '0', '-f', 'mp3', out]).then(() => undefined));

/** A deliverable H.264 Baseline MP4 (video only) over 1 MB: 2 s of 640×360 noise at 6 Mbit/s. */
export const largeBaselineMp4 = () =>
  cached('large-baseline.mp4', (out) =>
    ffmpeg([...picture('640x360', 30, 2), '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-b:v', '6000k', '-map_metadata', '-1', '-fflags', '+bitexact', '-movflags', '+faststart', '-f', 'mp4', out]).then(() => undefined),
  );

export const wavClip = () => cached('clip.wav', (out) => ffmpeg([...tone(1, 22_050), '-ac', '1', '-c:a', 'pcm_s16le', '-f', 'wav', out]).then(() => undefined));

/** A feature phone's 3GP: H.263 QCIF and AAC. */
export const featurePhone3gp = () =>
  cached('feature-phone.3gp', (out) =>
    ffmpeg([...picture('176x144', 15, 2), ...tone(2, 8_000), '-c:v', 'h263', '-b:v', '128k', '-c:a', 'aac', '-ac', '1', '-ar', '8000', '-b:a', '12k', '-f', '3gp', out]).then(() => undefined),
  );

/** 8K at 240 frames a second (a few frames of one colour: tiny, but its header says what it is). */
export const fast8k = () =>
  cached('8k-240fps.mp4', (out) =>
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=gray:size=7680x4320:rate=240:duration=0.02', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-f', 'mp4', out]).then(() => undefined),
  );

/**
 * Makes every fixture not yet in the cache, one after another: for a test file's beforeAll, with a long timeout,
 * so that a first run on a busy machine spends its encoding time there and not inside a test's own time limit.
 */
export async function warmAvFixtures(): Promise<void> {
  for (const make of [phoneMov, bigMp4, deliverableMp4, deliverableMp4WithLocation, browserWebm, liveWebm, () => voiceMemo(2), () => voiceMemo(120), wavClip, featurePhone3gp, fast8k, threeHourMp3]) {
    await make();
  }
}
/** Generous: the 8K and HEVC fixtures take several seconds each on two busy cores. */
export const WARM_TIMEOUT_MS = 180_000;

/** An MP4 with an index but no track: nothing to play. */
export function mp4WithoutStreams(): Buffer {
  const box = (type: string, ...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + body.length);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body]);
  };
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale
  mvhd.writeUInt32BE(0x00010000, 20); // rate 1.0
  mvhd.writeUInt16BE(0x0100, 24); // volume 1.0
  for (const [i, v] of [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].entries()) mvhd.writeUInt32BE(v, 36 + 4 * i);
  mvhd.writeUInt32BE(1, 96); // next track id
  return Buffer.concat([box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2mp41', 'latin1')), box('moov', box('mvhd', mvhd))]);
}

/**
 * An MP3 whose header says it lasts three hours: one second of 8 kbit/s audio whose Info header (written by LAME)
 * counts 3 h of frames, which is what ffprobe reports as its duration.
 */
export const threeHourMp3 = () =>
  cached('three-hours.mp3', async (out) => {
    const plain = `${out}.plain.mp3`;
    await ffmpeg([...tone(1, 8_000), '-c:a', 'libmp3lame', '-b:a', '8k', '-ac', '1', '-id3v2_version', '0', '-f', 'mp3', plain]);
    const bytes = await readFile(plain);
    const info = bytes.indexOf('Info', 0, 'latin1');
    bytes.writeUInt32BE((3 * 3600 * 8000) / 576, info + 8); // frames of 576 samples at 8 kHz
    await writeFile(out, bytes);
  });

// ffprobe, to check what the service made.

export interface Probed {
  streams: Array<{
    codec_type: string;
    codec_name: string;
    profile?: string;
    pix_fmt?: string;
    width?: number;
    height?: number;
    channels?: number;
    avg_frame_rate?: string;
    bit_rate?: string;
    tags?: Record<string, string>;
    side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
  }>;
  format: { format_name: string; duration: string; bit_rate?: string; tags?: Record<string, string> };
}

async function onDisk<T>(bytes: Uint8Array, use: (path: string) => Promise<T>): Promise<T> {
  await mkdir(AV_CACHE, { recursive: true });
  const path = join(AV_CACHE, `probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await writeFile(path, bytes);
  try {
    return await use(path);
  } finally {
    await import('node:fs/promises').then((fs) => fs.rm(path, { force: true }));
  }
}

/** ffprobe's view of the bytes: streams, codecs, profile, dimensions, side data, tags. */
export const ffprobe = (bytes: Uint8Array): Promise<Probed> =>
  onDisk(bytes, async (path) => JSON.parse((await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path])).stdout) as Probed);

/** The top-level boxes of an MP4 in file order, as ffprobe's trace log lists them ("ftyp", "moov", "mdat"…). */
export const topLevelBoxes = (bytes: Uint8Array): Promise<string[]> =>
  onDisk(bytes, async (path) => {
    const { stderr } = await run('ffprobe', ['-v', 'trace', '-show_entries', 'format=duration', '-of', 'json', path], { maxBuffer: 64 * 1024 * 1024 });
    return [...stderr.matchAll(/type:'(\w{4})' parent:'root'/g)].map((m) => m[1]!);
  });

/** Every tag ffprobe sees, on the file and on each stream, by name. */
export const allTags = (p: Probed): string[] => [p.format.tags, ...p.streams.map((s) => s.tags)].flatMap((t) => Object.keys(t ?? {}));
