import { fileTypeFromBuffer, fileTypeFromStream } from 'file-type';
import { fileBrands } from '../lib/isobmff.js';
import { hasPngSignature } from '../lib/png.js';
import { findFrameChain, id3v2End } from '../lib/containers/mpeg-audio.js';
import { PDF_HEADER_WINDOW, pdfHeaderAt } from '../lib/containers/pdf.js';
import { Pieces } from '../lib/pieces.js';
import type { MediaKind } from './policy.js';

export interface Detected {
  ext: string;
  mime: string;
  /**
   * Bytes inside the file that are not its format's own, which readers skip (a gateway's status line before a PDF's
   * header, junk between an MP3's ID3 tag and its first frame). The policy decides what becomes of them.
   */
  stray?: { at: number; length: number };
}

/** A file as it arrives: detection reads on through it only as far as it needs. */
export interface Arriving {
  /** Bytes held so far. */
  readonly size: number;
  /** Takes in the next piece of the file; false once there is no more (its end, or as far as the caller reads). */
  more(): Promise<boolean>;
  /** Held bytes [from, to). */
  bytes(from: number, to: number): Uint8Array;
}

/**
 * What a file is, from its bytes as they arrive. file-type reads the file as a stream, as far as each of its
 * detectors needs (a TIFF's directory may sit after its pixels, an MP3's first frame behind a large ID3 tag), and
 * a stream is read the same way however its bytes were cut into pieces on the way: so the answer is one for the
 * file, never for its first chunk. Nothing past `maxBytes` is read (the most the file may have: the limit for the
 * kind its first bytes show, or for any file), so a file that needs more to be recognised is too large anyway.
 */
export async function detectArriving(file: Arriving, maxBytes: number): Promise<Detected | undefined> {
  const image = imageInIsoBox(await leading(file, SAMPLE_BYTES, maxBytes));
  if (image) return image;
  const found = await fileTypeOf(file, maxBytes);
  if (found) return { ext: found.ext, mime: found.mime };
  // What players and viewers accept that file-type, reading at fixed offsets, does not name.
  return (
    (await mp3AfterStrayBytes(file, maxBytes)) ??
    (await pdfAfterLeadingBytes(file, maxBytes)) ??
    damagedPng(await leading(file, 8, maxBytes))
  );
}

/** What a file's first bytes already show it to be, before detection has read far enough to be sure. */
export interface Shown {
  kind: MediaKind;
  format: 'mp3' | 'tif';
}

/**
 * Where detection may have to read far to name the format: after an ID3 tag (its frames come after the tag, which
 * can hold megabytes of cover art) and TIFF's byte-order mark (its directory may sit after the pixels). Detection
 * never needs to read past the limit for the kind they show.
 */
export function shownBy(first4: Uint8Array): Shown | undefined {
  const sig = String.fromCharCode(...first4.subarray(0, 4));
  if (sig.startsWith('ID3')) return { kind: 'audio', format: 'mp3' };
  return sig === 'II*\0' || sig === 'MM\0*' ? { kind: 'image', format: 'tif' } : undefined;
}

/** How many bytes of a file file-type is given at a time. */
const PIECE = 64 * 1024;

async function fileTypeOf(file: Arriving, maxBytes: number) {
  let at = 0;
  let failure: { error: unknown } | undefined;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (at >= maxBytes) return controller.close();
          while (at >= file.size) if (!(await file.more())) return controller.close();
          const to = Math.min(file.size, at + PIECE, maxBytes);
          controller.enqueue(file.bytes(at, to));
          at = to;
        } catch (error) {
          // The body failed (cut off, too slow): detection ends here, and the upload fails with the body's own error.
          failure = { error };
          controller.close();
        }
      },
    },
    { highWaterMark: 0 }, // read only what the detector asks for
  );
  try {
    const found = await fileTypeFromStream(stream);
    if (failure) throw failure.error;
    return found;
  } catch (err) {
    if (failure) throw failure.error;
    // A detector that fails on these bytes has not recognised them.
    return undefined;
  }
}

/** The first `n` bytes (fewer when the file is shorter, never past `maxBytes`), reading on as needed. */
async function first(file: Arriving, n: number, maxBytes: number): Promise<Pieces> {
  const want = Math.min(n, maxBytes);
  while (file.size < want && (await file.more()));
  return Pieces.of(file.bytes(0, Math.min(want, file.size)));
}

/** The first `n` bytes as one array (a copy only when they span pieces). */
async function leading(file: Arriving, n: number, maxBytes: number): Promise<Uint8Array> {
  await first(file, n, maxBytes);
  return file.bytes(0, Math.min(n, maxBytes, file.size));
}

/**
 * How far past the ID3 tag players look for the first frame, and the longest a frame can be (MPEG-2.5 layer II at
 * 160 kbit/s and 8 kHz): what must be held to see three frames in a row there.
 */
export const MP3_RESYNC_BYTES = 4096;
const MAX_FRAME_BYTES = 2881;

/** An MP3 with bytes between its ID3 tag and its first frame: players find the frames, file-type does not. */
async function mp3AfterStrayBytes(file: Arriving, maxBytes: number): Promise<Detected | undefined> {
  const tagEnd = id3v2End(await first(file, 10, maxBytes));
  if (tagEnd === 0) return undefined;
  const head = await first(file, tagEnd + MP3_RESYNC_BYTES + 3 * MAX_FRAME_BYTES, maxBytes);
  const chain = findFrameChain(head, tagEnd, MP3_RESYNC_BYTES, 3);
  if (!chain) return undefined;
  const stray = chain.start > tagEnd ? { stray: { at: tagEnd, length: chain.start - tagEnd } } : {};
  return { ext: 'mp3', mime: 'audio/mpeg', ...stray };
}

/** A PDF whose header comes after a few other bytes, within the window viewers search. */
async function pdfAfterLeadingBytes(file: Arriving, maxBytes: number): Promise<Detected | undefined> {
  const head = await first(file, PDF_HEADER_WINDOW + 8, maxBytes);
  const at = pdfHeaderAt(head);
  // The version too ("%PDF-1.4"): two words of a text that mentions PDFs are not a header.
  if (at < 0 || !/^%PDF-\d\.\d/.test(head.latin1(at, at + 8))) return undefined;
  return { ext: 'pdf', mime: 'application/pdf', ...(at > 0 ? { stray: { at: 0, length: at } } : {}) };
}

/** file-type recognises most formats within this many bytes. */
const SAMPLE_BYTES = 4100;
/** An ID3 tag (mp3 cover art) can push the audio frames far in; look that far, but never further than this. */
const MAX_SAMPLE_BYTES = 1_000_000;

/** For a sample read ahead of time (preflight's): how many leading bytes to hold before asking what the file is. */
export function sampleBytesWanted(head: Uint8Array): number {
  const tagEnd = id3v2End(Pieces.of(head));
  return tagEnd > 0 ? Math.min(tagEnd + SAMPLE_BYTES, MAX_SAMPLE_BYTES) : SAMPLE_BYTES;
}

/** What a sample is, by its signature; undefined when nothing matches (text, HTML, SVG, unknown). */
export async function detectType(head: Uint8Array): Promise<Detected | undefined> {
  if (head.length === 0) return undefined;
  const image = imageInIsoBox(head);
  if (image) return image;
  const found = await fileTypeFromBuffer(head);
  return found ? { ext: found.ext, mime: found.mime } : damagedPng(head);
}

/**
 * HEIF brands (ISO/IEC 23008-12) by what they say the file holds. file-type knows only some of them, and calls
 * the rest (JPEG-coded HEIF, the newer mif3…) MP4: an image in an ISO-BMFF box is an image, whatever else its
 * box says it is compatible with.
 */
const AVIF_BRANDS = ['avif', 'avis', 'MA1A', 'MA1B'];
const HEIC_BRANDS = ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs'];
const HEIF_BRANDS = ['mif1', 'mif2', 'mif3', 'msf1', 'miaf', 'jpeg', 'avci', 'avcs', 'vvic', 'vvis', 'j2ki', 'j2is'];
const SEQUENCE_BRANDS = ['avis', 'hevc', 'hevx', 'hevm', 'hevs', 'msf1', 'avcs', 'vvis', 'j2is'];

function imageInIsoBox(head: Uint8Array): Detected | undefined {
  const brands = fileBrands(head);
  if (!brands) return undefined;
  const all = [brands.major, ...brands.compatible];
  const has = (list: string[]) => all.some((b) => list.includes(b));
  const sequence = SEQUENCE_BRANDS.includes(brands.major) ? '-sequence' : '';
  if (has(AVIF_BRANDS)) return { ext: 'avif', mime: 'image/avif' };
  if (has(HEIC_BRANDS)) return { ext: 'heic', mime: `image/heic${sequence}` };
  if (has(HEIF_BRANDS)) return { ext: 'heif', mime: `image/heif${sequence}` };
  return undefined;
}

/** A file that starts with the PNG signature and that file-type does not recognise is a PNG, damaged. */
const damagedPng = (head: Uint8Array): Detected | undefined => (hasPngSignature(head) ? { ext: 'png', mime: 'image/png' } : undefined);
