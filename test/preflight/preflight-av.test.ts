import { describe, expect, it } from 'vitest';
import { mediaTypeForExtension } from '../../src/core/policy.js';
import { avProblems, indexAfterData, type AvReach } from '../../src/core/preflight-av.js';
import * as fx from '../support/fixtures.js';

/** Preflight's video and audio checks as pure functions: with a converter (Node with ffmpeg) and without (Workers). */
const MP4 = { ext: 'mp4', mime: 'video/mp4' };
const mp4 = mediaTypeForExtension('mp4')!;
const converter: AvReach = { accepts: () => true, maxInputBytes: 200_000_000 };
const box = (type: string, size: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(size);
  b.write(type, 4, 'latin1');
  return b;
};
const ftyp = fx.isoMedia('isom', 24).subarray(0, 24);

describe('where the MP4 index is, from the first bytes', () => {
  it('finds the media data before the index, the index first, or neither', () => {
    expect(indexAfterData(Buffer.concat([ftyp, box('free', 8), box('mdat', 1_000_000)]))).toBe(true);
    expect(indexAfterData(Buffer.concat([ftyp, box('moov', 5000)]))).toBe(false);
    expect(indexAfterData(Buffer.concat([ftyp, Buffer.alloc(16)]))).toBe(false); // a zero-size box: give up, say nothing
  });
});

describe('size problems of a video URL', () => {
  it('without a converter: over the budget is an error hosting cannot fix; over the endpoint limit is too_large', () => {
    expect(avProblems(MP4, mp4, 8_000_000, ftyp, 600_000, undefined)).toEqual([
      {
        code: 'over_media_budget',
        severity: 'error',
        message: 'The file is 8 MB; video and audio over 600 KB often "send" but never arrive (carriers deliver about 600 KB).',
        fix: 'Re-encode it under 600 KB (shorter, smaller or at a lower bit rate) before sending it.',
        rehostable: false,
      },
    ]);
    expect(avProblems(MP4, mp4, 12_000_000, ftyp, 600_000, undefined).map((p) => [p.code, p.message, p.rehostable])).toEqual([
      ['too_large', 'The file is 12 MB; the limit for mp4 files is 10 MB.', false],
    ]);
  });

  it('with a converter: anything up to VIDEO_MAX_INPUT_BYTES can be hosted, fitted to the budget', () => {
    expect(avProblems(MP4, mp4, 12_000_000, ftyp, 600_000, converter).map((p) => [p.code, p.rehostable])).toEqual([['over_media_budget', true]]);
    expect(avProblems(MP4, mp4, 250_000_000, ftyp, 600_000, converter).map((p) => [p.code, p.message, p.rehostable])).toEqual([
      ['too_large', 'The file is 250 MB; the limit for video and audio taken for conversion is 200 MB.', false],
    ]);
    expect(avProblems(MP4, mp4, 500_000, ftyp, 600_000, converter)).toEqual([]);
  });
});
