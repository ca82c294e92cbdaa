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
 * Whether a sample table (`stbl`'s boxes) is whole and plain, so that ffmpeg reads every sample of it: every table
 * fits its box, each sample has its own size (none 0) and a time (`stts`), and the chunk map (`stsc`) and chunk
 * offsets (`stco`/`co64`) place every sample, one after another in its chunk, inside the media data (`mdat`), with
 * the one sample description; and each sample as `sample` wants it, when given. Returns where each chunk lies
 * ([start, end) in the file), or undefined. Work: one step per chunk and per sample, each a table entry the box
 * holds (and what `sample` does).
 */
export function sampleChunks(b: Pieces, stbl: Boxes, mdat: Box, sample?: (offset: number, size: number) => boolean): Array<[number, number]> | undefined {
  const stsz = one(stbl, 'stsz');
  const stts = one(stbl, 'stts');
  const stsc = one(stbl, 'stsc');
  const offsets = one(stbl, 'stco') ?? one(stbl, 'co64');
  if (!stsz || !stts || !stsc || !offsets || (one(stbl, 'stco') && one(stbl, 'co64'))) return undefined;
  for (const type of Object.keys(ENTRY_BYTES)) if (one(stbl, type) && entries(b, one(stbl, type)!) === undefined) return undefined;
  // stsz: version and flags, one size for all samples (0: each has its own, listed), the sample count.
  if (!holds(stsz, 12) || b.u32be(stsz.body + 4) !== 0) return undefined;
  const samples = b.u32be(stsz.body + 8);
  if (samples === 0 || !holds(stsz, 12 + samples * 4) || timeTable(b, stts)?.samples !== samples) return undefined;
  const chunks = entries(b, offsets)!;
  const runs = entries(b, stsc)!;
  const wide = offsets.type === 'co64';
  const spans: Array<[number, number]> = [];
  let n = 0;
  // stsc: runs of chunks (first chunk, numbered from 1; samples in each; sample description), in order.
  for (let run = 0; run < runs; run++) {
    const at = stsc.body + 8 + run * 12;
    const first = b.u32be(at);
    const next = run + 1 < runs ? b.u32be(at + 12) : chunks + 1;
    const perChunk = b.u32be(at + 4);
    if ((run === 0 && first !== 1) || next <= first || next > chunks + 1 || perChunk === 0 || b.u32be(at + 8) !== 1) return undefined;
    for (let chunk = first; chunk < next; chunk++) {
      const start = wide ? b.u64be(offsets.body + 8 + (chunk - 1) * 8) : b.u32be(offsets.body + 8 + (chunk - 1) * 4);
      let offset = start;
      for (let k = 0; k < perChunk; k++, n++) {
        const size = n < samples ? b.u32be(stsz.body + 12 + n * 4) : 0;
        if (size === 0 || offset < mdat.body || offset + size > mdat.end || (sample && !sample(offset, size))) return undefined;
        offset += size;
      }
      spans.push([start, offset]);
    }
  }
  return runs > 0 && n === samples ? spans : undefined;
}

/** Whether byte ranges [start, end) are apart: no two chunks, of one track or of two, share a byte. */
export function apart(spans: Array<[number, number]>): boolean {
  spans.sort((x, y) => x[0] - y[0]);
  return spans.every(([start], i) => i === 0 || start >= spans[i - 1]![1]);
}

/** An `stts` table's entries (sample count, duration each), when whole. */
function timeTable(b: Pieces, stts: Box): { samples: number; entries: Array<[number, number]> } | undefined {
  const n = entries(b, stts);
  if (n === undefined) return undefined;
  const list = Array.from({ length: n }, (_, i): [number, number] => [b.u32be(stts.body + 8 + i * 8), b.u32be(stts.body + 12 + i * 8)]);
  // ffmpeg reads a duration of 2^31 or more as negative, and corrects it: such a table is left to it.
  if (list.some(([, each]) => each >= 2 ** 31)) return undefined;
  return { samples: list.reduce((sum, [count]) => sum + count, 0), entries: list };
}

/**
 * Frames per second as ffprobe's avg_frame_rate: samples × the media timescale (`mdhd`) / their total duration,
 * where ffmpeg shortens a lone last sample far longer than the rest to their average.
 */
export function frameRate(b: Pieces, mdhd: Box, stts: Box): number | undefined {
  const timescale = mediaTimescale(b, mdhd);
  const table = timeTable(b, stts);
  if (!table || timescale === undefined) return undefined;
  let samples = 0;
  let duration = 0;
  table.entries.forEach(([count, each], i) => {
    const last = i + 1 === table.entries.length && i > 0 && count === 1 && samples > 100 && Math.floor(each / 10) > Math.floor(duration / samples);
    duration += (last ? Math.floor(duration / samples) : each) * count;
    samples += count;
  });
  return duration > 0 ? (samples * timescale) / duration : undefined;
}

/** A full box's version, when it is one of the two the standard defines (ffmpeg refuses others in these boxes). */
export const version = (b: Pieces, box: Box): 0 | 1 | undefined => (holds(box, 4) && b.byte(box.body) <= 1 ? (b.byte(box.body) as 0 | 1) : undefined);

/** A timescale field: ffmpeg reads it signed and takes 0 or a negative one as 1, so only 1 to 2^31 - 1 are plain. */
export const timescaleAt = (b: Pieces, at: number): number | undefined => {
  const value = b.u32be(at);
  return value > 0 && value < 2 ** 31 ? value : undefined;
};

/** The media's timescale, from `mdhd` (after its creation and modification times, 4 or 8 bytes each). */
export function mediaTimescale(b: Pieces, mdhd: Box): number | undefined {
  const v = version(b, mdhd);
  return v !== undefined && holds(mdhd, v === 1 ? 32 : 20) ? timescaleAt(b, mdhd.body + (v === 1 ? 20 : 12)) : undefined;
}

/**
 * Whether an edit list (`elst`) only says where the media starts, as muxers write it: one entry, at normal speed,
 * not an empty edit. Several entries or an empty one would change what plays when, which ffmpeg follows.
 */
export function plainEditList(b: Pieces, elst: Box): boolean {
  const v = version(b, elst);
  const v1 = v === 1;
  if (v === undefined || !holds(elst, 8 + (v1 ? 20 : 12)) || b.u32be(elst.body + 4) !== 1 || elst.end !== elst.body + 8 + (v1 ? 20 : 12)) return false;
  // Segment duration, media time (-1: an empty edit), then the rate 1.0 (16.16).
  const mediaTime = v1 ? b.u32be(elst.body + 16) : b.u32be(elst.body + 12);
  return mediaTime < 0x80000000 && b.u32be(elst.body + (v1 ? 24 : 16)) === 0x00010000;
}
