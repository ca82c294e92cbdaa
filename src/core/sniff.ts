import { fileTypeFromBuffer } from 'file-type';
import { fileBrands } from '../lib/isobmff.js';
import { hasPngSignature } from '../lib/png-animation.js';

export interface Detected {
  ext: string;
  mime: string;
}

/** file-type recognises most formats within this many bytes. */
const SAMPLE_BYTES = 4100;
/** An ID3 tag (mp3 cover art) can push the audio frames far in; look that far, but never further than this. */
const MAX_SAMPLE_BYTES = 1_000_000;

/** How many leading bytes to hold before asking what the file is. */
export function sampleBytesWanted(head: Uint8Array): number {
  if (head.length >= 10 && head[0] === 0x49 && head[1] === 0x44 && head[2] === 0x33) {
    // ID3v2 size: four 7-bit bytes ("syncsafe"), after the 10-byte header.
    const tag = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
    return Math.min(10 + tag + SAMPLE_BYTES, MAX_SAMPLE_BYTES);
  }
  return SAMPLE_BYTES;
}

/** What the bytes are, by their signature; undefined when nothing matches (text, HTML, SVG, unknown). */
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
