import { gifWalk, type GifImage } from './gif-blocks.js';

/**
 * Whether every image of a GIF is data a strict decoder reads: LZW codes that are defined when they come, colour
 * indexes inside the colour table the image uses, and as many pixels as the image has. Lenient decoders (libvips
 * among them) show such damage as some colour, or leave the rest blank, and read on; browsers and phones may
 * refuse the file or show it differently. Returns what is wrong, in words, or undefined.
 *
 * The work is one step per LZW code, never per pixel: every colour index in the output first appears as a code
 * for a single index (longer codes only repeat strings already seen), so checking those codes checks every
 * pixel, and string lengths count the pixels. Each image stops at its own pixel count, so the work is bounded by
 * the smaller of the file's size and its pixels (which the header check holds under the pixel cap): about 40 ms
 * per megabyte of GIF data on a busy two-core machine, so a few milliseconds for what passes within the budget.
 */
export function gifDataProblem(bytes: Uint8Array): string | undefined {
  const walked = gifWalk(bytes);
  if (!walked) return 'its blocks are cut short or damaged';
  for (const [i, image] of walked.images.entries()) {
    const problem = imageProblem(bytes, image);
    if (problem) return walked.images.length > 1 ? `frame ${i + 1} ${problem}` : `it ${problem}`;
  }
  return undefined;
}

const MAX_CODES = 4096;

function imageProblem(b: Uint8Array, image: GifImage): string | undefined {
  if (image.colours === 0) return 'has no colour table';
  if (image.codeSize < 2 || image.codeSize > 8) return `has an LZW code size of ${image.codeSize}, outside 2–8`;
  const pixels = image.width * image.height;
  const clear = 1 << image.codeSize;
  const endOfData = clear + 1;
  // The length of each code's string: 1 for single indexes, one more than its prefix for the others.
  const lengths = new Uint16Array(MAX_CODES).fill(1, 0, clear);
  let size = image.codeSize + 1;
  let next = clear + 2;
  let previous = -1;
  let seen = 0;

  // Codes are packed least significant bit first across the data sub-blocks, joined first so that the loop
  // below reads plain bytes (it runs once per code: a few million times for a GIF of a few megabytes).
  const data = joinSubBlocks(b, image.data);
  let at = 0;
  let bits = 0;
  let held = 0;
  let mask = (1 << size) - 1;
  while (seen < pixels) {
    while (held < size && at < data.length) {
      bits |= data[at++]! << held;
      held += 8;
    }
    if (held < size) break; // the data ends
    const code = bits & mask;
    bits >>>= size;
    held -= size;
    if (code === endOfData) break;
    if (code === clear) {
      size = image.codeSize + 1;
      mask = (1 << size) - 1;
      next = clear + 2;
      previous = -1;
      continue;
    }
    if (code > next || (previous === -1 && code > clear)) return `has LZW code ${code} before it is defined`;
    if (code < clear && code >= image.colours) return `uses colour ${code}, past the end of its ${image.colours}-colour table`;
    seen += code === next ? lengths[previous]! + 1 : lengths[code]!;
    if (previous !== -1 && next < MAX_CODES) {
      lengths[next] = lengths[previous]! + 1;
      next++;
      if (next === 1 << size && size < 12) mask = (1 << ++size) - 1;
    }
    previous = code;
  }
  return seen < pixels ? `has data for ${seen} of its ${pixels} pixels` : undefined;
}

/** The data sub-blocks from `from` (each a length byte and that many bytes, a 0 ending them; gifWalk checked them) in one array. */
function joinSubBlocks(b: Uint8Array, from: number): Uint8Array {
  let length = 0;
  for (let p = from; b[p]! !== 0; p += 1 + b[p]!) length += b[p]!;
  const data = new Uint8Array(length);
  for (let p = from, at = 0; b[p]! !== 0; p += 1 + b[p]!) {
    data.set(b.subarray(p + 1, p + 1 + b[p]!), at);
    at += b[p]!;
  }
  return data;
}
