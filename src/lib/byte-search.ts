/** Finding a byte pattern in a buffer that may end part-way through it: the multipart parser's delimiter search. */

/**
 * Where `pattern` first starts in `buf` at or after `from`: a complete match, or a partial one running off the end
 * that more input may complete. A complete match always starts before any partial one, so they are searched apart.
 *
 * Complete matches: Boyer–Moore–Horspool. It reads the byte under the pattern's last position and, unless that is
 * the pattern's last byte, jumps ahead by the table's distance, so on random-looking content (compressed media) it
 * reads about one byte in every pattern-length instead of stopping at every CR.
 * Partial matches: only the last pattern.length - 1 positions can hold one, each checked directly.
 */
export function find(buf: Uint8Array, pattern: Uint8Array, skip: Uint32Array, from: number): { at: number; complete: boolean } | null {
  const n = buf.length, m = pattern.length, last = m - 1, lastByte = pattern[last]!;
  for (let at = from; at <= n - m; ) {
    const b = buf[at + last]!;
    if (b === lastByte) {
      let i = 0;
      while (i < last && buf[at + i] === pattern[i]) i++;
      if (i === last) return { at, complete: true };
    }
    at += skip[b]!;
  }
  for (let at = Math.max(from, n - last); at < n; at++) {
    let i = 0;
    while (at + i < n && buf[at + i] === pattern[i]) i++;
    if (at + i === n) return { at, complete: false };
  }
  return null;
}

/** Horspool's table, built once per pattern: how far the pattern may move when byte b is under its last position. */
export function skipTable(pattern: Uint8Array): Uint32Array {
  const skip = new Uint32Array(256).fill(pattern.length);
  for (let i = 0; i < pattern.length - 1; i++) skip[pattern[i]!] = pattern.length - 1 - i;
  return skip;
}
