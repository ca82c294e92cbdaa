import type { ByteRange } from './ports.js';

/** A single `bytes=` range from a Range header; undefined for none or for forms we answer with the whole file. */
export function parseRangeHeader(header: string | null | undefined): ByteRange | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') return { suffix: Number(m[2]) };
  const offset = Number(m[1]);
  if (m[2] === '') return { offset };
  const end = Number(m[2]);
  return end < offset ? undefined : { offset, length: end - offset + 1 };
}

/** Inclusive byte positions for a range; start >= size when it cannot be satisfied. */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  if ('suffix' in range) return { start: Math.max(0, size - range.suffix), end: size - 1 };
  const end = range.length === undefined ? size - 1 : Math.min(size - 1, range.offset + range.length - 1);
  return { start: range.offset, end };
}
