import { open } from 'node:fs/promises';
import { apeFooterEndsAt } from '../../lib/containers/av-tags.js';
import { id3v1EndsAt } from '../../lib/containers/mpeg-audio.js';
import { Pieces } from '../../lib/pieces.js';
import { DEMUXERS, inputArgs } from './demuxers.js';
import { isPersonalTag, type AvFacts, type AvFormat, type AudioStreamFacts, type VideoStreamFacts } from '../../core/policy.js';

/** The parts of `ffprobe -show_streams -show_format -of json` read here. */
interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  channels?: number;
  sample_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}
export interface ProbeJson {
  streams?: ProbeStream[];
  format?: { duration?: string; tags?: Record<string, string> };
}

export const PROBE_ARGS = ['-show_streams', '-show_format', '-of', 'json'];

/**
 * The input of a probe: the forced demuxer, and for ISO media its XMP packet (a `uuid` box, which can hold a
 * location) reported as the tag `xmp`, which ffmpeg does only when asked (`-export_xmp`): a file holding one is
 * then remuxed without it rather than kept as sent.
 */
export const probeInputArgs = (format: AvFormat, path: string): string[] => [...(DEMUXERS[format] === 'mov' ? ['-export_xmp', '1'] : []), ...inputArgs(format, path)];

const ratio = (r: string | undefined): number | undefined => {
  const [n, d] = (r ?? '').split('/').map(Number);
  return n && d ? n / d : undefined;
};

/**
 * Clockwise degrees to show the picture upright. ffprobe reports the display matrix's angle counter-clockwise
 * (an iPhone held upright: -90), which is what ffmpeg turns the picture by when it re-encodes.
 */
function rotation(stream: ProbeStream): number {
  const matrix = stream.side_data_list?.find((s) => s.side_data_type === 'Display Matrix');
  const angle = matrix?.rotation ?? Number(stream.tags?.rotate ?? 0) * -1;
  const clockwise = (((-Math.round(angle / 90) * 90) % 360) + 360) % 360;
  return Number.isFinite(clockwise) ? clockwise : 0;
}

/** The facts the policy asks for, from ffprobe's JSON, the sniffed format and the file's size. */
export function factsFromProbe(json: ProbeJson, format: AvFormat, size: number): AvFacts {
  const streams = json.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && (s.width ?? 0) > 0);
  const a = streams.find((s) => s.codec_type === 'audio');
  const video: VideoStreamFacts | undefined = v && {
    codec: v.codec_name ?? 'unknown',
    profile: v.profile,
    pixFmt: v.pix_fmt,
    width: v.width!,
    height: v.height!,
    fps: ratio(v.avg_frame_rate) ?? ratio(v.r_frame_rate),
    rotation: rotation(v),
  };
  const audio: AudioStreamFacts | undefined = a && {
    codec: a.codec_name ?? 'unknown',
    profile: a.profile,
    channels: a.channels,
    sampleRate: a.sample_rate ? Number(a.sample_rate) : undefined,
  };
  const tags = [json.format?.tags, ...streams.map((s) => s.tags)].flatMap((t) => Object.keys(t ?? {}));
  // Cover art is metadata too: it is not played, and may show where or who.
  const covers = streams.some((s) => s.disposition?.attached_pic) ? ['cover_art'] : [];
  const durations = [json.format?.duration, v?.duration, a?.duration].map(Number).filter((d) => Number.isFinite(d) && d > 0);
  return {
    format,
    size,
    duration: durations[0] ?? 0,
    video,
    audio,
    metadata: [...new Set([...tags.filter((t) => isPersonalTag(t) && t !== 'rotate'), ...covers])],
  };
}

/**
 * Whether an MP3 ends with an APEv2 tag (its `APETAGEX` footer last, or just before an ID3v1 tag), which ffprobe
 * does not report: read from the last 160 bytes. It may hold an artist, a title, a comment, like any tag.
 */
export async function endsWithApeTag(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const bytes = Buffer.alloc(Math.min(160, size));
    await file.read(bytes, 0, bytes.length, size - bytes.length);
    const tail = Pieces.of(bytes);
    return apeFooterEndsAt(tail, tail.length) || (id3v1EndsAt(tail, tail.length) && apeFooterEndsAt(tail, tail.length - 128));
  } finally {
    await file.close();
  }
}

/** Brands of HEIF and AVIF still images: ISO files that are pictures, not video. */
const IMAGE_BRANDS = new Set(['mif1', 'mif2', 'mif3', 'msf1', 'heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'avif', 'avis', 'avci', 'jpeg']);

/** The ftyp brands of an ISO file (major first), when they are an image's; undefined for anything else. */
export async function imageBrands(path: string): Promise<string[] | undefined> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await file.read(head, 0, 64, 0);
    if (bytesRead < 16 || head.toString('latin1', 4, 8) !== 'ftyp') return undefined;
    const end = Math.min(bytesRead, head.readUInt32BE(0));
    const brands = [head.toString('latin1', 8, 12)];
    for (let at = 16; at + 4 <= end; at += 4) brands.push(head.toString('latin1', at, at + 4));
    const named = [...new Set(brands.map((b) => b.trim()).filter((b) => /^[\x21-\x7e]+$/.test(b)))];
    return named.some((b) => IMAGE_BRANDS.has(b)) && !named.some((b) => /^(mp4[12]|avc1|qt|M4V|3gp\d)$/.test(b)) ? named : undefined;
  } finally {
    await file.close();
  }
}

/**
 * ISO media: whether the index (moov) comes before the media data (mdat), from the top-level box headers alone
 * (a few reads of 16 bytes). Undefined for a file with neither.
 */
export async function moovFirst(path: string): Promise<boolean | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const header = Buffer.alloc(16);
    for (let at = 0, boxes = 0; at + 8 <= size && boxes < 1000; boxes++) {
      const { bytesRead } = await file.read(header, 0, 16, at);
      if (bytesRead < 8) return undefined;
      const type = header.toString('latin1', 4, 8);
      if (type === 'moov') return true;
      if (type === 'mdat') return false;
      let length = header.readUInt32BE(0);
      if (length === 1 && bytesRead >= 16) length = Number(header.readBigUInt64BE(8));
      if (length < 8) return undefined; // 0 ("to the end") before either, or broken
      at += length;
    }
    return undefined;
  } finally {
    await file.close();
  }
}
