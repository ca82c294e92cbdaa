import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { checkPlayable, mediaTypeForExtension } from '../../src/core/policy.js';
import { whyUnplayable } from '../../src/core/policy/playable.js';
import { Pieces } from '../../src/lib/pieces.js';
import * as fx from '../support/fixtures.js';

/**
 * Only playable media is hosted as media: what each container must show before a player can start, checked on
 * real files (the corpus: encoders' and phones' output) and on those files cut short or damaged the ways uploads are.
 */
const corpus = (file: string) => Buffer.from(readFileSync(new URL(`../fixtures/corpus/${file}`, import.meta.url)));
const why = (ext: string, bytes: Uint8Array, pieces = 1) => {
  // Held as the service holds files, in pieces: the readers must not care where one ends.
  const size = Math.ceil(bytes.length / pieces);
  return whyUnplayable(mediaTypeForExtension(ext)!, new Pieces(Array.from({ length: pieces }, (_, i) => bytes.subarray(i * size, (i + 1) * size))));
};
const refusal = (ext: string, bytes: Uint8Array): AppError => {
  try {
    checkPlayable(mediaTypeForExtension(ext)!, Pieces.of(bytes));
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
};
/** The bytes with `find` (its first place at or after `from`) replaced by `by`, of the same length. */
const patched = (bytes: Buffer, find: string, by: string, from = 0) => {
  const out = Buffer.from(bytes);
  let at = out.indexOf(find, from, 'latin1');
  for (; at >= 0; at = out.indexOf(find, at + 1, 'latin1')) out.write(by, at, 'latin1');
  return out;
};

describe('MP4 and 3GP: a whole index with a video or sound track whose samples are in the file', () => {
  const faststart = corpus('video/h264-aac-faststart.mp4'); // ftyp 0–32, moov 32–1715, free, mdat 1723–9051

  it('passes what encoders and phones write, held in one piece or many', () => {
    for (const file of ['video/h264-aac-faststart.mp4', 'video/h264-aac-location.mp4', 'video/hevc.mp4', 'video/fragmented.mp4']) {
      for (const pieces of [1, 7, 300]) expect(why('mp4', corpus(file), pieces), `${file} in ${pieces}`).toBeUndefined();
    }
    expect(why('3gp', corpus('video/h263-aac.3gp'))).toBeUndefined();
    expect(why('mp4', fx.mp4(50_000))).toBeUndefined();
  });

  it('refuses a recording that stopped before its index was written', () => {
    expect(why('mp4', fx.interruptedRecording())).toEqual({ format: 'MP4', problem: 'no-index' });
    expect(why('mp4', corpus('broken/mp4-interrupted-no-moov.mp4'))).toEqual({ format: 'MP4', problem: 'no-index' });
    expect(why('mp4', corpus('broken/mp4-header-only.mp4'))).toEqual({ format: 'MP4', problem: 'no-index' });
    const err = refusal('mp4', corpus('broken/mp4-header-only.mp4'));
    expect({ status: err.status, code: err.code, message: err.message }).toEqual({
      status: 422,
      code: 'unplayable_media',
      message: 'This MP4 has no moov box (the index a player needs): it was probably cut short while recording or uploading. Send the whole file again.',
    });
  });

  it('refuses an index cut off by the end of the file, saying how much is missing', () => {
    expect(why('mp4', faststart.subarray(0, 1000))).toEqual({ format: 'MP4', problem: 'index-cut', missing: 715 });
    expect(refusal('3gp', fx.isoMedia('3gp4').subarray(0, 100)).message).toMatch(
      /^This 3GP is cut off inside its moov box \(the index a player needs\), which needs \d+ bytes more than the file holds: it was cut short while uploading or copying\. Send the whole file again\.$/,
    );
  });

  it('refuses an index whose boxes do not fit in one another, naming them', () => {
    expect(why('mp4', corpus('broken/mp4-fuzzed.mp4'))).toEqual({ format: 'MP4', problem: 'index-damaged', box: 'tkhd', parent: 'trak' });
    // A damaged box type is not quoted.
    const garbled = Buffer.from(faststart);
    garbled.writeUInt32BE(0xffff, faststart.indexOf('mvhd', 0, 'latin1') - 4);
    garbled.write('\x01\x02\x03\x04', faststart.indexOf('mvhd', 0, 'latin1'), 'latin1');
    expect(why('mp4', garbled)).toEqual({ format: 'MP4', problem: 'index-damaged', box: 'unreadable', parent: 'moov' });
  });

  it('refuses an index with no video or sound track, or whose tracks have no samples', () => {
    expect(why('mp4', patched(patched(faststart, 'vide', 'text'), 'soun', 'text'))).toEqual({ format: 'MP4', problem: 'no-tracks' });
    // A fragmented file's index is empty by design: without fragments, there is nothing.
    const fragmented = corpus('video/fragmented.mp4');
    expect(why('mp4', fragmented.subarray(0, fragmented.indexOf('moof', 0, 'latin1') - 4))).toEqual({ format: 'MP4', problem: 'no-tracks' });
  });

  it('refuses tracks that are all encrypted (DRM), and takes a file with one track in the clear', () => {
    const bothEncrypted = patched(patched(faststart, 'avc1', 'encv', 32), 'mp4a', 'enca', 32);
    expect(why('mp4', bothEncrypted)).toEqual({ format: 'MP4', problem: 'encrypted' });
    expect(refusal('mp4', bothEncrypted).message).toBe(
      "This MP4's video and sound are encrypted (DRM-protected, as shop purchases are), so phones cannot play it. Send a copy without DRM.",
    );
    expect(why('mp4', patched(faststart, 'avc1', 'encv', 32))).toBeUndefined();
  });

  it('refuses an index whose samples all lie past the end of the file', () => {
    expect(why('mp4', faststart.subarray(0, 1715))).toEqual({ format: 'MP4', problem: 'data-missing', size: 1715 });
    // Cut part-way through the media data, it plays as far as it goes.
    expect(why('mp4', faststart.subarray(0, 5000))).toBeUndefined();
  });

  it('reads a file of a million tiny boxes, or of boxes nested far deeper than the standard puts them', () => {
    const ftyp = faststart.subarray(0, 32);
    /** A box header announcing `size` bytes in all. */
    const box = (type: string, size: number) => {
      const header = Buffer.alloc(8);
      header.writeUInt32BE(size);
      header.write(type, 4, 'latin1');
      return header;
    };
    const tiny = Buffer.concat([ftyp, ...Array.from({ length: 1_000_000 }, () => box('free', 8))]);
    expect(why('mp4', tiny, 40)).toEqual({ format: 'MP4', problem: 'no-index' });
    const depth = 200_000;
    const nested = Buffer.concat(Array.from({ length: depth }, (_, i) => box('mdia', 8 * (depth - i))));
    const trak = Buffer.concat([box('trak', 8 + nested.length), nested]);
    expect(why('mp4', Buffer.concat([ftyp, box('moov', 8 + trak.length), trak]))).toEqual({ format: 'MP4', problem: 'no-tracks' });
  });

  it('refuses a HEIF still image that a sniffer calls MP4, naming its brands', () => {
    expect(why('mp4', corpus('heif/mif3-brand.avif'))).toEqual({ format: 'MP4', problem: 'still-image', brands: ['mif3', 'avif', 'mif1', 'miaf', 'MA1A'] });
  });
});

describe('MP3: a whole frame of sound, and the next header where it says', () => {
  it('passes what encoders write: CBR, VBR with an info frame, MPEG-2.5, behind cover art', () => {
    for (const file of ['audio/vbr-xing.mp3', 'audio/mpeg25-8khz.mp3', 'audio/id3v2-cover-art.mp3']) {
      for (const pieces of [1, 5]) expect(why('mp3', corpus(file), pieces), file).toBeUndefined();
    }
    expect(why('mp3', fx.mp3(2, 30_000))).toBeUndefined();
    expect(why('mp3', fx.mp3(1))).toBeUndefined(); // one whole frame that ends the file
  });

  it('refuses a file that ends inside its first frame, saying how much of it is there', () => {
    expect(why('mp3', corpus('broken/mp3-72-bytes.mp3'))).toEqual({ format: 'MP3', problem: 'cut-in-first-frame', frame: 208, held: 72 });
    expect(refusal('mp3', corpus('broken/mp3-72-bytes.mp3')).message).toBe(
      'This MP3 ends inside its first frame of audio (the frame is 208 bytes, the file holds 72 bytes of it): it was cut short. Send the whole file again.',
    );
  });

  it('refuses a file with only its encoder’s info frame whole', () => {
    const vbr = corpus('audio/vbr-xing.mp3');
    expect(why('mp3', vbr.subarray(0, 300))).toEqual({ format: 'MP3', problem: 'info-frame-only' });
  });

  it('refuses frames that do not follow one another, and a tag with no frame after it', () => {
    const broken = fx.mp3(5);
    broken.fill(0, 417, 421); // the second header
    expect(why('mp3', broken)).toEqual({ format: 'MP3', problem: 'frames-do-not-follow' });
    expect(why('mp3', Buffer.concat([fx.mp3(0, 100), Buffer.alloc(2000)]))).toEqual({ format: 'MP3', problem: 'no-frames' });
  });
});

describe('WAV: a format chunk a player can use, then samples', () => {
  const u32 = (n: number) => Buffer.from(new Uint32Array([n]).buffer);
  const riff = (...chunks: Buffer[]) => Buffer.concat([Buffer.from('RIFF'), u32(4 + Buffer.concat(chunks).length), Buffer.from('WAVE'), ...chunks]);
  const fmt = (channels: number) => Buffer.concat([Buffer.from('fmt '), u32(16), Buffer.from([1, 0, channels, 0]), u32(8000), u32(8000 * channels), Buffer.from([channels, 0, 8, 0])]);
  const data = (declared: number, present = declared) => Buffer.concat([Buffer.from('data'), u32(declared), Buffer.alloc(present, 0x80)]);

  it('passes what recorders and editors write', () => {
    for (const file of ['audio/pcm16-riff-info.wav', 'audio/pcm24-extensible.wav']) expect(why('wav', corpus(file), 3), file).toBeUndefined();
    expect(why('wav', riff(fmt(1), data(100)))).toBeUndefined();
    expect(why('wav', riff(fmt(2), data(1000, 10)))).toBeUndefined(); // cut short, but samples are there
  });

  it('refuses a WAV without samples, whichever way they are missing', () => {
    expect(why('wav', corpus('broken/wav-no-samples.wav'))).toEqual({ format: 'WAV', problem: 'empty-data' });
    expect(why('wav', riff(fmt(2), data(1000, 1)))).toEqual({ format: 'WAV', problem: 'cut-before-samples' });
    expect(why('wav', riff(fmt(1)))).toEqual({ format: 'WAV', problem: 'no-data' });
  });

  it('refuses samples a player cannot read: no format before them, or an impossible one', () => {
    expect(why('wav', riff(data(100), fmt(1)))).toEqual({ format: 'WAV', problem: 'no-format' });
    expect(why('wav', riff(fmt(0), data(100)))).toEqual({ format: 'WAV', problem: 'impossible-format', detail: '0 channels' });
    expect(refusal('wav', riff(fmt(0), data(100))).message).toBe("This WAV file's format chunk (fmt) declares 0 channels, which no player can read. Export or record it again.");
  });
});

describe('Ogg: Vorbis or Opus, with audio after the headers', () => {
  it('passes Vorbis and Opus', () => {
    for (const file of ['audio/bell.oga', 'audio/opus.ogg']) expect(why('ogg', corpus(file), 4), file).toBeUndefined();
    expect(why('ogg', fx.ogg())).toBeUndefined();
    // A stream of another kind first (a skeleton index, here): the Vorbis stream after it is what plays.
    const ogg = fx.ogg();
    const skeleton = Buffer.from(ogg.subarray(0, ogg.indexOf('OggS', 4, 'latin1')));
    skeleton.writeUInt32LE(2, 14); // its own serial number
    skeleton.write('fishead\0', 28, 'latin1');
    expect(why('ogg', Buffer.concat([skeleton, ogg]))).toBeUndefined();
  });

  it('refuses another codec, naming it', () => {
    const flac = fx.ogg();
    flac.write('\x7fFLAC', 28, 'latin1'); // the first packet, after the 27-byte header and one lacing value
    expect(why('ogg', flac)).toEqual({ format: 'Ogg', problem: 'codec', codec: 'flac' });
    expect(refusal('ogg', flac).message).toBe('This Ogg file holds FLAC audio, not Vorbis or Opus audio, which is what phones play from Ogg. Convert it to MP3 or Ogg Vorbis and send it again.');
  });

  it('refuses headers without audio, and a page chain that breaks before any', () => {
    const ogg = fx.ogg();
    const audioPage = ogg.lastIndexOf('OggS', undefined, 'latin1');
    expect(why('ogg', ogg.subarray(0, audioPage))).toEqual({ format: 'Ogg', problem: 'no-audio', codec: 'vorbis' });
    const broken = Buffer.concat([ogg.subarray(0, audioPage), Buffer.from('junk'), ogg.subarray(audioPage)]);
    expect(why('ogg', broken)).toEqual({ format: 'Ogg', problem: 'damaged', at: audioPage });
    // Junk after the audio does not stop it playing.
    expect(why('ogg', Buffer.concat([ogg, Buffer.from('junk')]))).toBeUndefined();
  });
});

describe('documents', () => {
  it('are not checked here', () => {
    expect(why('pdf', corpus('broken/pdf-truncated.pdf'))).toBeUndefined();
  });
});
