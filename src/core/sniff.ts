import { fileTypeFromBuffer } from 'file-type';

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
  const found = await fileTypeFromBuffer(head);
  return found && { ext: found.ext, mime: found.mime };
}
