import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ArrivingBody } from '../../src/core/arriving.js';
import { BlockPool, PooledBytes } from '../../src/core/block-pool.js';
import { detectArriving, shownBy } from '../../src/core/sniff.js';
import * as fx from '../support/fixtures.js';
import { inPieces } from '../support/http.js';

/** Detection reads a file as it arrives, as far as it needs: the same answer however the body is cut into pieces. */
const corpus = (file: string) => new Uint8Array(readFileSync(new URL(`../fixtures/corpus/${file}`, import.meta.url)));
const MB = 1_000_000;

/** Detects `bytes` arriving in pieces of `piece` bytes (whole: one piece); reports what was read of them too. */
async function detect(bytes: Uint8Array, piece = bytes.length, limit = 25 * MB, source = inPieces(bytes, Math.max(1, piece))) {
  const file = new PooledBytes(new BlockPool({ keepBytes: 0, blockSize: 64 * 1024 }));
  const detected = await detectArriving(new ArrivingBody(source.getReader(), file), limit);
  return { detected, read: file.size };
}

const PIECES = [1, 7, 1400, 4096, 65_536, Infinity];

describe('detection, whatever the pieces', () => {
  it.each([
    ['tiff/big-endian-far-ifd.tif', { ext: 'tif', mime: 'image/tiff' }],
    ['tiff/little-endian-lzw.tif', { ext: 'tif', mime: 'image/tiff' }],
    ['broken/tiff-fuzzed.tif', { ext: 'tif', mime: 'image/tiff' }],
    ['jpeg/clean-baseline.jpg', { ext: 'jpg', mime: 'image/jpeg' }],
    ['audio/id3v2-cover-art.mp3', { ext: 'mp3', mime: 'audio/mpeg' }],
    ['audio/junk-after-id3.mp3', { ext: 'mp3', mime: 'audio/mpeg', stray: { at: 102, length: 4 } }],
    ['pdf/leading-bytes.pdf', { ext: 'pdf', mime: 'application/pdf', stray: { at: 0, length: 19 } }],
    ['video/itunes-style.m4v', { ext: 'm4v', mime: 'video/x-m4v' }],
  ])('%s is named the same in pieces of 1, 7, 1,400, 4,096 and 65,536 bytes, and whole', async (name, expected) => {
    const bytes = corpus(name);
    // TIFF's directory sits after its pixels: the answer needs bytes far past the first piece.
    for (const piece of PIECES) expect((await detect(bytes, piece)).detected, `${piece}-byte pieces`).toEqual(expected);
  });

  it('reads a TIFF as far as its directory, and an ordinary file no further than its first pieces', async () => {
    const tiff = corpus('tiff/big-endian-far-ifd.tif');
    const ifd = new DataView(tiff.buffer, tiff.byteOffset).getUint32(4); // big-endian offset of the directory
    expect((await detect(tiff, 1400)).read).toBeGreaterThan(ifd);
    const mp4 = fx.mp4(2 * MB);
    expect((await detect(mp4, 1400)).read).toBeLessThan(10_000);
  });

  it('reads no further than the limit it is given, whatever the file asks for', async () => {
    // A TIFF whose directory is said to sit 900 KB in, sent with nothing there: no answer, and at most the limit read.
    const header = Uint8Array.from([0x49, 0x49, 0x2a, 0, ...new Uint8Array(new Uint32Array([900_000]).buffer)]);
    const tiff = new Uint8Array(2 * MB);
    tiff.set(header);
    for (const piece of [1400, 65_536]) {
      const { detected, read } = await detect(tiff, piece, 500_000);
      expect(detected).toBeUndefined();
      expect(read).toBeGreaterThanOrEqual(500_000);
      expect(read).toBeLessThan(500_000 + piece);
    }
  });

  it('finds an MP3 whose frames start a little after its ID3 tag, as players do, but not far after it', async () => {
    const tag = fx.mp3(0, 100);
    const frames = fx.mp3(10);
    const junk = (n: number) => new Uint8Array(n).fill(0x20);
    expect((await detect(Buffer.concat([tag, junk(3000), frames]), 1400)).detected).toEqual({ ext: 'mp3', mime: 'audio/mpeg', stray: { at: 110, length: 3000 } });
    expect((await detect(Buffer.concat([tag, junk(5000), frames]), 1400)).detected).toBeUndefined();
    // One header-like pair of bytes in the junk is not a stream of frames.
    expect((await detect(Buffer.concat([tag, junk(10), frames.subarray(0, 4), junk(3000)]), 1400)).detected).toBeUndefined();
  });

  it('finds a PDF header within the first 1,024 bytes, with its version, and nowhere else', async () => {
    const pdf = fx.pdf(100);
    const after = (n: number) => Buffer.concat([Buffer.alloc(n, 0x41), pdf]);
    expect((await detect(after(1000), 7)).detected).toEqual({ ext: 'pdf', mime: 'application/pdf', stray: { at: 0, length: 1000 } });
    expect((await detect(after(1100), 7)).detected).toBeUndefined();
    expect((await detect(Buffer.from('<p>Our files start with %PDF- like every PDF.</p>'))).detected).toBeUndefined();
  });

  it('fails with the body’s own error when the body fails before the type is known', async () => {
    const cutOff = new Error('the client went away');
    let sent = false;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(cutOff);
        controller.enqueue(corpus('tiff/big-endian-far-ifd.tif').subarray(0, 1400));
        sent = true;
      },
    });
    await expect(detect(new Uint8Array(0), 1, 25 * MB, source)).rejects.toBe(cutOff);
  });

  it('says which kind a file’s first bytes show, where detection may read far', () => {
    expect(shownBy(Buffer.from('ID3\x04'))).toEqual({ kind: 'audio', format: 'mp3' });
    expect(shownBy(Buffer.from('II*\0'))).toEqual({ kind: 'image', format: 'tif' });
    expect(shownBy(Buffer.from('MM\0*'))).toEqual({ kind: 'image', format: 'tif' });
    expect(shownBy(Buffer.from('%PDF'))).toBeUndefined();
  });
});
