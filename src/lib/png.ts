/**
 * PNG's structure (ISO/IEC 15948): an eight-byte signature, then chunks, each a 32-bit big-endian data length, a
 * four-character type, the data and a CRC, up to IEND. The one walker of them that the animation reader, the
 * metadata stripper and the adapters use. Runtime-neutral, never throws.
 */

export interface PngChunk {
  type: string;
  start: number;
  /** Where the data starts and ends (the CRC follows). */
  data: number;
  end: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const hasPngSignature = (b: Uint8Array): boolean => b.length >= 8 && SIGNATURE.every((v, i) => b[i] === v);

/** Past a chunk's CRC: where the next one starts. */
export const chunkEnd = (c: PngChunk): number => c.end + 4;

/** The chunks up to IEND, or as far as they are whole; undefined without the PNG signature. */
export function pngChunks(b: Uint8Array): PngChunk[] | undefined {
  if (!hasPngSignature(b)) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: PngChunk[] = [];
  for (let at = 8; at + 12 <= b.length; ) {
    const end = at + 12 + v.getUint32(at);
    if (end > b.length) break;
    const type = String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    out.push({ type, start: at, data: at + 8, end: end - 4 });
    if (type === 'IEND') break;
    at = end;
  }
  return out;
}

/** Every chunk, when all are whole and IEND ends them; undefined for a file cut short (decoders may not say so). */
export function completePngChunks(b: Uint8Array): PngChunk[] | undefined {
  const chunks = pngChunks(b);
  return chunks?.at(-1)?.type === 'IEND' ? chunks : undefined;
}
