import type { Pieces } from '../pieces.js';

/**
 * MPEG audio (MP3, and MPEG-1/2/2.5 layers I–III in general) read for what a player needs: the ID3v2 tag in
 * front, then a chain of frames, each header saying how long its frame is and so where the next one starts.
 */

/** Where the audio starts after an ID3v2 tag at the start of the file (its header, body and footer); 0 without one. */
export function id3v2End(b: Pieces): number {
  if (b.length < 10 || !b.startsWith('ID3')) return 0;
  // The size: four 7-bit bytes ("syncsafe") after the 10-byte header; a footer (flag 0x10) adds 10 more.
  const size = ((b.byte(6) & 0x7f) << 21) | ((b.byte(7) & 0x7f) << 14) | ((b.byte(8) & 0x7f) << 7) | (b.byte(9) & 0x7f);
  return 10 + size + (b.byte(5) & 0x10 ? 10 : 0);
}

export interface FrameHeader {
  /** 1 (MPEG-1), 2 (MPEG-2) or 2.5 (MPEG-2.5). */
  version: 1 | 2 | 2.5;
  layer: 1 | 2 | 3;
  sampleRate: number;
  mono: boolean;
  /** Bits per second. */
  bitrate: number;
  /** The whole frame, header included. */
  length: number;
}

// kbit/s by bitrate index 1..14: MPEG-1 layers I, II, III; MPEG-2/2.5 layer I; MPEG-2/2.5 layers II and III.
const BITRATES = {
  '1-1': [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
} as const;
const SAMPLE_RATES = { 1: [44100, 48000, 32000], 2: [22050, 24000, 16000], 2.5: [11025, 12000, 8000] } as const;

/** The frame header at `p`, or undefined when the four bytes there are not a valid one (free-format bitrates included). */
export function frameAt(b: Pieces, p: number): FrameHeader | undefined {
  if (p < 0 || p + 4 > b.length || b.byte(p) !== 0xff || (b.byte(p + 1) & 0xe0) !== 0xe0) return undefined;
  const v = (b.byte(p + 1) >> 3) & 3;
  const l = (b.byte(p + 1) >> 1) & 3;
  const bitrateIndex = b.byte(p + 2) >> 4;
  const rateIndex = (b.byte(p + 2) >> 2) & 3;
  if (v === 1 || l === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const version = v === 3 ? 1 : v === 2 ? 2 : 2.5;
  const layer = (4 - l) as 1 | 2 | 3;
  const padding = (b.byte(p + 2) >> 1) & 1;
  const bitrate = BITRATES[`${version === 1 ? 1 : 2}-${layer}`][bitrateIndex - 1]! * 1000;
  const sampleRate = SAMPLE_RATES[version][rateIndex]!;
  const length =
    layer === 1
      ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4
      : Math.floor(((layer === 3 && version !== 1 ? 72 : 144) * bitrate) / sampleRate) + padding;
  return { version, layer, sampleRate, mono: b.byte(p + 3) >> 6 === 3, bitrate, length };
}

/** Whether the frame at `p` is an encoder's info frame (Xing, Info or VBRI at 36): a header for the stream, no sound. */
export function isInfoFrame(b: Pieces, p: number, frame: FrameHeader): boolean {
  const xing = p + xingOffset(frame);
  return b.startsWith('Xing', xing) || b.startsWith('Info', xing) || b.startsWith('VBRI', p + 36);
}

/** Where a Xing/Info header sits in a frame: right after the side information, whose size depends on the version and channels. */
export function xingOffset(frame: FrameHeader): number {
  return 4 + (frame.version === 1 ? (frame.mono ? 17 : 32) : frame.mono ? 9 : 17);
}

export interface FrameChain {
  start: number;
  /** Whole frames in the chain (at most as many as were asked for). */
  frames: number;
  /** Of those, frames of sound (not info frames). */
  audioFrames: number;
}

/**
 * The audio's end: the file's, or the start of an ID3v1 tag ("TAG", the last 128 bytes) behind the frames.
 */
export function audioEnd(b: Pieces): number {
  return id3v1EndsAt(b, b.length) ? b.length - 128 : b.length;
}

/** Whether an ID3v1 tag (`TAG`, 128 bytes) ends at `end`. */
export const id3v1EndsAt = (b: Pieces, end: number): boolean => end >= 128 && b.startsWith('TAG', end - 128);

/**
 * The first chain of frames that starts in [from, from + within]: `confirm` headers back to back, each where the
 * one before says and agreeing with the first on version, layer and sample rate, with at least the first frame
 * whole — or fewer whole frames that end exactly where the audio ends. Players find their place in a stream this
 * way after bytes that are not audio (Chromium and Firefox ask for three headers in a row); a lone pair of bytes
 * that looks like a header is not enough.
 */
export function findFrameChain(b: Pieces, from: number, within: number, confirm: number): FrameChain | undefined {
  const end = audioEnd(b);
  for (let start = from; start <= from + within && start + 4 <= end; start++) {
    const first = frameAt(b, start);
    if (!first) continue;
    let headers = 0;
    let frames = 0;
    let audioFrames = 0;
    let p = start;
    for (let f: FrameHeader | undefined = first; f && headers < confirm && sameStream(f, first); f = frameAt(b, p)) {
      headers++;
      if (p + f.length > end) break; // cut off by the end of the file
      frames++;
      if (!isInfoFrame(b, p, f)) audioFrames++;
      p += f.length;
      if (p === end) break;
    }
    if (frames > 0 && (headers >= confirm || p === end)) return { start, frames, audioFrames };
  }
  return undefined;
}

export const sameStream = (a: FrameHeader, b: FrameHeader) => a.version === b.version && a.layer === b.layer && a.sampleRate === b.sampleRate;

/** The first frame header in [from, from + within], whole or not: what a cut-off file still shows. */
export function firstFrameHeader(b: Pieces, from: number, within: number): { at: number; frame: FrameHeader } | undefined {
  for (let p = from; p <= from + within && p + 4 <= b.length; p++) {
    const frame = frameAt(b, p);
    if (frame) return { at: p, frame };
  }
  return undefined;
}

/** How many samples (per channel) one frame holds: Layer I 384, Layer III of MPEG-2/2.5 576, else 1152. */
export const samplesPerFrame = (frame: FrameHeader): number => (frame.layer === 1 ? 384 : frame.layer === 3 && frame.version !== 1 ? 576 : 1152);

/**
 * How long the sound lasts, in seconds: every frame from the first to the end of the audio, counted (an encoder's
 * info frame holds no sound), each `samples per frame / sample rate` long. Undefined when the frames do not run
 * unbroken to the end, or change sample rate: a file this cannot vouch for.
 */
export function mpegAudioSeconds(b: Pieces): number | undefined {
  const end = audioEnd(b);
  let p = id3v2End(b);
  const first = frameAt(b, p);
  if (!first) return undefined;
  let samples = 0;
  while (p < end) {
    const frame = frameAt(b, p);
    if (!frame || !sameStream(frame, first) || p + frame.length > end) return undefined;
    if (!isInfoFrame(b, p, frame)) samples += samplesPerFrame(frame);
    p += frame.length;
  }
  return samples / first.sampleRate;
}
