import type { Pieces } from '../pieces.js';

/**
 * WAVE files (RIFF): the format chunk (`fmt `) that says how to read the samples, and the `data` chunk that holds
 * them, read from the chunk headers alone.
 */

export interface WaveFormat {
  /** 1 PCM, 3 IEEE float, 6 A-law, 7 µ-law, 0xFFFE extensible, … */
  formatTag: number;
  channels: number;
  sampleRate: number;
  /** Bytes per sample frame (every channel once). */
  blockAlign: number;
  bitsPerSample: number;
}

export interface WaveFile {
  /** Starts with RIFF….WAVE. */
  riff: boolean;
  /** The format chunk, when there is one before the data and it is long enough to hold the basic fields. */
  format?: WaveFormat;
  /** The data chunk came before any format chunk. */
  dataBeforeFormat: boolean;
  /** The data chunk: the bytes its header declares, and how many of them the file holds. */
  data?: { declared: number; present: number };
}

export function readWave(b: Pieces): WaveFile {
  const file: WaveFile = { riff: b.startsWith('RIFF') && b.startsWith('WAVE', 8), dataBeforeFormat: false };
  if (!file.riff) return file;
  // Chunks: a four-character id, a 32-bit little-endian size, the payload, a pad byte when the size is odd.
  for (let p = 12; p + 8 <= b.length; ) {
    const id = b.latin1(p, p + 4);
    const size = b.u32le(p + 4);
    if (id === 'fmt ' && !file.format && size >= 16 && p + 24 <= b.length) {
      file.format = {
        formatTag: b.u16le(p + 8),
        channels: b.u16le(p + 10),
        sampleRate: b.u32le(p + 12),
        blockAlign: b.u16le(p + 20),
        bitsPerSample: b.u16le(p + 22),
      };
    } else if (id === 'data') {
      file.dataBeforeFormat = !file.format;
      file.data = { declared: size, present: Math.max(0, Math.min(size, b.length - p - 8)) };
      return file;
    }
    p += 8 + size + (size & 1);
  }
  return file;
}
