import type { Pieces } from '../pieces.js';
import { readEsdsAac } from './aac-config.js';
import { plainAvcSample, readAvcConfig } from './h264-sps.js';
import { eachBox, handlerType, readBrands, type Box } from './iso-boxes.js';
import { apart, frameRate, holds, mediaTimescale, one, plainEditList, sampleChunks, timescaleAt, version, type Boxes } from './iso-sample-tables.js';
import { audioEnd, frameAt, isInfoFrame, samplesPerFrame, sameStream, xingOffset } from './mpeg-audio.js';

/**
 * What ffprobe would say of a video or audio file that is already deliverable, read in-process from its container
 * headers: an MP4 with H.264 Baseline/Main and AAC-LC, or a plain MP3. Deliberately narrow, since a wrong answer
 * would let an undeliverable file through: it answers only for files whose every box (or frame) it understands,
 * and leaves everything else (undefined) to ffprobe. Pure: no I/O, never throws, work bounded by the file's size.
 */

export interface DescribedAv {
  /** Seconds, as ffprobe's format.duration reads. */
  duration: number;
  video?: { codec: 'h264'; profile: 'Constrained Baseline' | 'Baseline' | 'Main'; pixFmt: 'yuv420p'; width: number; height: number; fps?: number; rotation: 0 | 90 | 180 | 270 };
  audio?: { codec: 'aac' | 'mp3'; profile?: 'LC'; channels: number; sampleRate: number };
  /** ISO files: the index (moov) comes before the media data (mdat). */
  faststart?: boolean;
}

/** The facts of an MP4 or MP3 this reader fully understands, with no personal metadata in it; undefined otherwise. */
export function describeAv(file: Pieces, format: string): DescribedAv | undefined {
  if (format === 'mp4') return describeMp4(file);
  if (format === 'mp3') return describeMp3(file);
  return undefined;
}

// MP4

/**
 * The boxes each container may hold, and nothing else: what a plain MP4 writer (ffmpeg's mp4 muxer) puts there.
 * Any other box — fragments (`mvex`, `moof`), image items or Apple keys (`meta`), tags, `uuid` extensions, track
 * references — leaves the file to ffprobe.
 */
const ALLOWED: Readonly<Record<string, ReadonlySet<string>>> = {
  file: new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide']),
  moov: new Set(['mvhd', 'trak', 'udta', 'iods']),
  trak: new Set(['tkhd', 'edts', 'mdia']),
  edts: new Set(['elst']),
  mdia: new Set(['mdhd', 'hdlr', 'minf']),
  minf: new Set(['vmhd', 'smhd', 'dinf', 'stbl']),
  dinf: new Set(['dref']),
  stbl: new Set(['stsd', 'stts', 'stss', 'ctts', 'stsc', 'stsz', 'stco', 'co64', 'sgpd', 'sbgp', 'sdtp', 'cslg']),
  avc1: new Set(['avcC', 'pasp', 'btrt', 'colr']),
  mp4a: new Set(['esds', 'btrt']),
  // Metadata: only ffmpeg's own "encoder" tag (©too) in an iTunes-style list (`meta` with handler `mdir`).
  udta: new Set(['meta']),
  meta: new Set(['hdlr', 'ilst']),
  ilst: new Set(['\u00a9too']),
};
/** Boxes a container may hold more than one of. */
const REPEATABLE = new Set(['trak', 'free', 'skip', 'wide']);

/**
 * The boxes in [from, to) by type, when they fit exactly and each is one `allowed` there; undefined otherwise.
 * A size of 0 ("to the end") is taken only for the media data at the top level: ffmpeg refuses it elsewhere.
 */
function contents(b: Pieces, from: number, to: number, allowed: ReadonlySet<string>): Boxes | undefined {
  const found: Boxes = new Map();
  let ok = true;
  const cut = eachBox(b, from, to, (box) => {
    const same = found.get(box.type) ?? [];
    const toTheEnd = b.u32be(box.start) === 0 && !(allowed === ALLOWED.file && box.type === 'mdat');
    if (!allowed.has(box.type) || (same.length > 0 && !REPEATABLE.has(box.type)) || toTheEnd) return (ok = false);
    same.push(box);
    found.set(box.type, same);
    return true;
  });
  return ok && !cut ? found : undefined;
}

/** The boxes inside `box` (its payload starts `skip` bytes in: a full box's version and flags, a sample entry's fields). */
const inside = (b: Pieces, box: Box | undefined, skip = 0) => (box && box.body + skip <= box.end ? contents(b, box.body + skip, box.end, ALLOWED[box.type]!) : undefined);

function describeMp4(b: Pieces): DescribedAv | undefined {
  const top = contents(b, 0, b.length, ALLOWED.file!);
  const ftyp = one(top, 'ftyp');
  const moov = one(top, 'moov');
  const mdat = one(top, 'mdat');
  // A QuickTime major brand makes ffmpeg read the boxes the QuickTime way.
  if (!ftyp || ftyp.start !== 0 || !moov || !mdat || readBrands(b, ftyp.body, ftyp.end)?.major === 'qt  ') return undefined;
  const index = inside(b, moov);
  const mvhd = one(index, 'mvhd');
  const duration = mvhd && movieDuration(b, mvhd);
  if (!index || duration === undefined || !plainTags(b, one(index, 'udta'))) return undefined;
  // Where every chunk of every track lies: a chunk offset moved onto another chunk's bytes would feed the decoder
  // the wrong samples (ffprobe then reports what it makes of them).
  const chunks: Array<[number, number]> = [];
  const tracks = (index.get('trak') ?? []).map((trak) => readTrack(b, trak, mdat, chunks));
  const video = tracks.filter((t) => t?.video);
  const audio = tracks.filter((t) => t?.audio);
  if (tracks.some((t) => !t) || video.length !== 1 || audio.length > 1 || !apart(chunks)) return undefined;
  return { duration, video: video[0]!.video, audio: audio[0]?.audio, faststart: moov.start < mdat.start };
}

/**
 * The movie's duration in seconds (ffmpeg rounds it to microseconds), when its display matrix is the identity
 * (ffmpeg applies it on top of each track's); undefined otherwise.
 */
function movieDuration(b: Pieces, mvhd: Box): number | undefined {
  const v = version(b, mvhd);
  const v1 = v === 1;
  if (v === undefined || !holds(mvhd, v1 ? 112 : 100)) return undefined;
  const timescale = timescaleAt(b, mvhd.body + (v1 ? 20 : 12));
  const duration = v1 ? b.u64be(mvhd.body + 24) : b.u32be(mvhd.body + 16);
  if (timescale === undefined || duration === 0 || duration >= 2 ** 53 || rotationOf(b, mvhd.body + (v1 ? 48 : 36)) !== 0) return undefined;
  return Math.round((duration * 1e6) / timescale) / 1e6;
}

/** 16.16 fixed-point 1 and -1, and 2.30 fixed-point 1 (the matrix's last column). */
const ONE = 0x00010000;
const MINUS_ONE = 0xffff0000;
const W_ONE = 0x40000000;
/** The exact matrices (a, b, c, d) that turn a picture, by the clockwise angle to show it upright. */
const TURNS: ReadonlyArray<[number[], 0 | 90 | 180 | 270]> = [
  [[ONE, 0, 0, ONE], 0],
  [[0, ONE, MINUS_ONE, 0], 90],
  [[MINUS_ONE, 0, 0, MINUS_ONE], 180],
  [[0, MINUS_ONE, ONE, 0], 270],
];

/** The clockwise turn a display matrix at `at` makes (a translation aside); undefined for a flip, a scale, a skew. */
function rotationOf(b: Pieces, at: number): 0 | 90 | 180 | 270 | undefined {
  const m = Array.from({ length: 9 }, (_, i) => b.u32be(at + i * 4));
  if (m[2] !== 0 || m[5] !== 0 || m[8] !== W_ONE) return undefined;
  const turn = TURNS.find(([abcd]) => abcd[0] === m[0] && abcd[1] === m[1] && abcd[2] === m[3] && abcd[3] === m[4]);
  return turn?.[1];
}

/** Whether a `udta` holds no tag but ffmpeg's encoder name (or there is none). */
function plainTags(b: Pieces, udta: Box | undefined): boolean {
  if (!udta) return true;
  const meta = one(inside(b, udta), 'meta');
  const parts = inside(b, meta, 4); // a full box
  const hdlr = one(parts, 'hdlr');
  return !!hdlr && handlerType(b, hdlr) === 'mdir' && (!one(parts, 'ilst') || !!inside(b, one(parts, 'ilst')));
}

type TrackFacts = Pick<DescribedAv, 'video' | 'audio'>;

/**
 * A track's facts: one enabled H.264 or AAC-LC track whose samples all lie in the media data (its chunks added to
 * `chunks`); undefined otherwise.
 */
function readTrack(b: Pieces, trak: Box, mdat: Box, chunks: Array<[number, number]>): TrackFacts | undefined {
  const parts = inside(b, trak);
  const tkhd = one(parts, 'tkhd');
  const mdia = inside(b, one(parts, 'mdia'));
  const minf = inside(b, one(mdia, 'minf'));
  const stbl = inside(b, one(minf, 'stbl'));
  const hdlr = one(mdia, 'hdlr');
  const mdhd = one(mdia, 'mdhd');
  if (!tkhd || !hdlr || !mdhd || !stbl || !selfContained(b, one(inside(b, one(minf, 'dinf')), 'dref'))) return undefined;
  const edts = one(parts, 'edts');
  const elst = one(inside(b, edts), 'elst');
  if (edts && !(elst && plainEditList(b, elst))) return undefined;
  // tkhd: flag 1, the track is enabled.
  const tkhdVersion = version(b, tkhd);
  const handler = handlerType(b, hdlr);
  // Each H.264 sample's NAL units are checked too: ffprobe would report what an in-band parameter set says.
  const video = handler === 'vide' ? (at: number, size: number) => plainAvcSample(size, (n) => b.u32be(at + n), (n) => b.byte(at + n)) : undefined;
  const spans = tkhdVersion !== undefined && (b.byte(tkhd.body + 3) & 1) === 1 ? sampleChunks(b, stbl, mdat, video) : undefined;
  if (!spans) return undefined;
  for (const span of spans) chunks.push(span);
  if (handler === 'vide' && one(minf, 'vmhd')) {
    const entry = sampleEntry(b, one(stbl, 'stsd'), 'avc1', 78);
    const config = entry && one(entry.parts, 'avcC');
    const sps = config && readAvcConfig(b.slice(config.body, config.end));
    // Sample entry: reserved, data reference index, pre-defined and reserved words, then width and height.
    if (!entry || !sps || sps.width !== b.u16be(entry.box.body + 24) || sps.height !== b.u16be(entry.box.body + 26)) return undefined;
    const v1 = tkhdVersion === 1;
    const rotation = holds(tkhd, v1 ? 96 : 84) ? rotationOf(b, tkhd.body + (v1 ? 52 : 40)) : undefined;
    const fps = frameRate(b, mdhd, one(stbl, 'stts')!);
    if (rotation === undefined || fps === undefined) return undefined;
    return { video: { codec: 'h264', profile: sps.profile, pixFmt: 'yuv420p', width: sps.width, height: sps.height, fps, rotation } };
  }
  if (handler === 'soun' && one(minf, 'smhd') && mediaTimescale(b, mdhd) !== undefined) {
    const entry = sampleEntry(b, one(stbl, 'stsd'), 'mp4a', 28);
    const esds = entry && one(entry.parts, 'esds');
    const aac = esds && readEsdsAac(b.slice(esds.body, esds.end));
    // A version-0 sound entry (QuickTime's versions 1 and 2 add fields ffmpeg reads differently) with the
    // configuration's rate (16.16). Its channel count is not compared: ffmpeg writes 2 there for mono, as ISO says.
    const fields = entry?.box.body ?? 0;
    if (!aac || b.u16be(fields + 8) !== 0 || b.u32be(fields + 24) !== aac.sampleRate * 0x10000) return undefined;
    return { audio: { codec: 'aac', profile: 'LC', ...aac } };
  }
  return undefined;
}

/** The one entry of an `stsd` (version and flags, a count of 1), of type `codec`, with the boxes after its fields. */
function sampleEntry(b: Pieces, stsd: Box | undefined, codec: string, fields: number): { box: Box; parts: Boxes } | undefined {
  if (!stsd || !holds(stsd, 8) || b.u32be(stsd.body + 4) !== 1) return undefined;
  const box = one(contents(b, stsd.body + 8, stsd.end, new Set([codec])), codec);
  const parts = inside(b, box, fields);
  return box && parts && { box, parts };
}

/** Whether the track's data is in this file: one data reference, `url ` with the self-contained flag. */
function selfContained(b: Pieces, dref: Box | undefined): boolean {
  if (!dref || !holds(dref, 8 + 12) || b.u32be(dref.body + 4) !== 1) return false;
  const url = dref.body + 8;
  return b.u32be(url) === 12 && b.startsWith('url ', url + 4) && b.u32be(url + 8) === 1 && dref.end === url + 12;
}

// MP3

/**
 * The header bits ffmpeg's MP3 reader wants the same in consecutive frames (its MP3_MASK): all but the bit rate,
 * padding, CRC, private and mode-extension bits.
 */
const SAME_STREAM_BITS = 0xfffe0ccf;

/**
 * An MPEG-1 or MPEG-2 Layer III stream with no tag (no ID3v2 in front, no ID3v1 or APE behind), its frames whole
 * from the first byte to the last, all alike but for their bit rate. The duration is ffprobe's: with a Xing/Info
 * header, its frame count, which must be the frames counted; without one, ffmpeg estimates it from the size and
 * the bit rate, exact only for a constant bit rate, so a variable one without a header is left to ffprobe.
 */
function describeMp3(b: Pieces): DescribedAv | undefined {
  const first = frameAt(b, 0);
  if (!first || first.layer !== 3 || first.version === 2.5 || b.startsWith('ID3') || audioEnd(b) !== b.length) return undefined;
  const info = isInfoFrame(b, 0, first);
  let audioFrames = 0;
  let constant = true;
  let sound: number | undefined;
  for (let p = 0; p < b.length; ) {
    const frame = frameAt(b, p);
    if (!frame || !sameStream(frame, first) || frame.mono !== first.mono || p + frame.length > b.length) return undefined;
    if (p > 0 && isInfoFrame(b, p, frame)) return undefined;
    if (p > 0 || !info) {
      // ffmpeg takes a first frame unlike the next (in mode, copyright, original, emphasis) for junk and skips it.
      sound ??= b.u32be(p) & SAME_STREAM_BITS;
      if ((b.u32be(p) & SAME_STREAM_BITS) !== sound) return undefined;
      audioFrames++;
    }
    if (frame.bitrate !== first.bitrate) constant = false;
    p += frame.length;
  }
  const audio = { codec: 'mp3' as const, channels: first.mono ? 1 : 2, sampleRate: first.sampleRate };
  if (!info) return constant ? { duration: Math.round((b.length * 8 * 1e6) / first.bitrate) / 1e6, audio } : undefined;
  // Xing/Info: flags, then the frame count when flag 1 is set. VBRI headers are left to ffprobe.
  const xing = xingOffset(first);
  if (xing + 12 > first.length || audioFrames === 0 || !(b.startsWith('Xing', xing) || b.startsWith('Info', xing))) return undefined;
  if ((b.u32be(xing + 4) & 1) === 0 || b.u32be(xing + 8) !== audioFrames) return undefined;
  // Every frame is of the first's stream (checked above), so the frames counted give the duration at once.
  const seconds = (audioFrames * samplesPerFrame(first)) / first.sampleRate;
  return { duration: Math.round(seconds * 1e6) / 1e6, audio };
}
