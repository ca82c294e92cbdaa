import type { Pieces } from '../pieces.js';
import type { Box } from './iso-boxes.js';

/**
 * An MP4 track's timing and sample tables (ISO/IEC 14496-12 8.6–8.7), checked whole the way ffmpeg's demuxer
 * checks them (a table that claims more entries than its box holds makes it refuse the file), and read for the
 * two facts a probe reports from them: where the samples lie, and the average frame rate.
 */

/** Boxes found in a container, by type, in file order. */
export type Boxes = Map<string, Box[]>;
export const one = (boxes: Boxes | undefined, type: string): Box | undefined => boxes?.get(type)?.[0];
/** Whether `box`'s payload holds `bytes` bytes: every field read is checked this way first. */
export const holds = (box: Box, bytes: number): boolean => box.body + bytes <= box.end;

/** Tables laid out as version and flags, an entry count, then entries of this many bytes. */
const ENTRY_BYTES: Readonly<Record<string, number>> = { stts: 8, ctts: 8, stss: 4, stsc: 12, stco: 4, co64: 8 };

/** The table's entry count, when its box holds that many entries; undefined otherwise. */
function entries(b: Pieces, table: Box): number | undefined {
  const n = holds(table, 8) ? b.u32be(table.body + 4) : undefined;
  return n !== undefined && holds(table, 8 + n * ENTRY_BYTES[table.type]!) ? n : undefined;
}

/**
 * Whether a sample table (`stbl`'s boxes) is whole and plain: every table fits its box, the size table (`stsz`)
 * and the time table (`stts`) count the same samples (at least one), there is one chunk-offset table, and every
 * chunk it lists starts inside the file's media data (`mdat`).
 */
export function samplesInMedia(b: Pieces, stbl: Boxes, mdat: Box): boolean {
  const stsz = one(stbl, 'stsz');
  const stts = one(stbl, 'stts');
  const offsets = one(stbl, 'stco') ?? one(stbl, 'co64');
  if (!stsz || !stts || !offsets || !one(stbl, 'stsc') || (one(stbl, 'stco') && one(stbl, 'co64'))) return false;
  for (const type of Object.keys(ENTRY_BYTES)) if (one(stbl, type) && entries(b, one(stbl, type)!) === undefined) return false;
  // stsz: version and flags, one size for all samples (0: each has its own, listed), the sample count.
  if (!holds(stsz, 12)) return false;
  const samples = b.u32be(stsz.body + 8);
  if (samples === 0 || (b.u32be(stsz.body + 4) === 0 && !holds(stsz, 12 + samples * 4))) return false;
  if (timeTable(b, stts)?.samples !== samples) return false;
  const wide = offsets.type === 'co64';
  const chunks = entries(b, offsets)!;
  if (chunks === 0) return false;
  for (let i = 0, at = offsets.body + 8; i < chunks; i++, at += wide ? 8 : 4) {
    const offset = wide ? b.u64be(at) : b.u32be(at);
    if (offset < mdat.body || offset >= mdat.end) return false;
  }
  return true;
}

/** An `stts` table's entries (sample count, duration each), when whole. */
function timeTable(b: Pieces, stts: Box): { samples: number; entries: Array<[number, number]> } | undefined {
  const n = entries(b, stts);
  if (n === undefined) return undefined;
  const list = Array.from({ length: n }, (_, i): [number, number] => [b.u32be(stts.body + 8 + i * 8), b.u32be(stts.body + 12 + i * 8)]);
  return { samples: list.reduce((sum, [count]) => sum + count, 0), entries: list };
}

/**
 * Frames per second as ffprobe's avg_frame_rate: samples × the media timescale (`mdhd`) / their total duration,
 * where ffmpeg shortens a lone last sample far longer than the rest to their average.
 */
export function frameRate(b: Pieces, mdhd: Box, stts: Box): number | undefined {
  const v1 = b.byte(mdhd.body) === 1;
  const timescale = holds(mdhd, v1 ? 24 : 16) ? b.u32be(mdhd.body + (v1 ? 20 : 12)) : 0;
  const table = timeTable(b, stts);
  if (!table || timescale === 0) return undefined;
  let samples = 0;
  let duration = 0;
  table.entries.forEach(([count, each], i) => {
    const last = i + 1 === table.entries.length && i > 0 && count === 1 && samples > 100 && Math.floor(each / 10) > Math.floor(duration / samples);
    duration += (last ? Math.floor(duration / samples) : each) * count;
    samples += count;
  });
  return duration > 0 ? (samples * timescale) / duration : undefined;
}

/**
 * Whether an edit list (`elst`) only says where the media starts, as muxers write it: one entry, at normal speed,
 * not an empty edit. Several entries or an empty one would change what plays when, which ffmpeg follows.
 */
export function plainEditList(b: Pieces, elst: Box): boolean {
  const v1 = b.byte(elst.body) === 1;
  if (!holds(elst, 8 + (v1 ? 20 : 12)) || b.u32be(elst.body + 4) !== 1 || elst.end !== elst.body + 8 + (v1 ? 20 : 12)) return false;
  // Segment duration, media time (-1: an empty edit), then the rate 1.0 (16.16).
  const mediaTime = v1 ? b.u32be(elst.body + 16) : b.u32be(elst.body + 12);
  return mediaTime < 0x80000000 && b.u32be(elst.body + (v1 ? 24 : 16)) === 0x00010000;
}
