/**
 * A strict reading of a GIF's pixel data, as the specification has it: every frame's LZW codes valid, and every
 * pixel's colour index inside the colour table that frame uses. libvips shows such damage as some colour and reads
 * on; a strict decoder refuses the file, so a GIF passed through as it is must pass this. Returns why it fails, or
 * undefined.
 */
export function gifProblem(bytes: Uint8Array): string | undefined {
  const b = bytes;
  if (b.length < 13 || String.fromCharCode(b[0]!, b[1]!, b[2]!) !== 'GIF') return 'not a GIF';
  const tableSize = (packed: number) => (packed & 0x80 ? 2 ** ((packed & 7) + 1) : 0);
  const globalColours = tableSize(b[10]!);
  let p = 13 + 3 * globalColours;
  /** The data sub-blocks from `from`, joined, and where they end. */
  const subBlocks = (from: number): { data: Uint8Array; end: number } | undefined => {
    const parts: Uint8Array[] = [];
    let q = from;
    while (q < b.length && b[q] !== 0) {
      if (q + 1 + b[q]! > b.length) return undefined;
      parts.push(b.subarray(q + 1, q + 1 + b[q]!));
      q += 1 + b[q]!;
    }
    if (q >= b.length) return undefined;
    const data = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of parts) {
      data.set(x, at);
      at += x.length;
    }
    return { data, end: q + 1 };
  };
  for (let frame = 1; p < b.length; ) {
    if (b[p] === 0x3b) return undefined;
    if (b[p] === 0x21) {
      const blocks = subBlocks(p + 2);
      if (!blocks) return `extension at byte ${p} is cut off`;
      p = blocks.end;
      continue;
    }
    if (b[p] !== 0x2c || p + 11 > b.length) return `unexpected byte ${b[p]} at ${p}`;
    const localColours = tableSize(b[p + 9]!);
    const colours = localColours || globalColours;
    p += 10 + 3 * localColours;
    const minCodeSize = b[p]!;
    if (minCodeSize < 2 || minCodeSize > 8) return `frame ${frame}: LZW minimum code size ${minCodeSize}`;
    const blocks = subBlocks(p + 1);
    if (!blocks) return `frame ${frame}: image data is cut off`;
    const problem = lzwProblem(blocks.data, minCodeSize, colours);
    if (problem) return `frame ${frame}: ${problem}`;
    p = blocks.end;
    frame++;
  }
  return 'no trailer';
}

function lzwProblem(data: Uint8Array, minCodeSize: number, colours: number): string | undefined {
  if (colours === 0) return 'no colour table';
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  for (let i = 0; i < clear; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
  }
  let size = minCodeSize + 1;
  let next = end + 1;
  let previous = -1;
  let maxIndex = -1;
  let bit = 0;
  const totalBits = data.length * 8;
  while (bit + size <= totalBits) {
    let code = 0;
    for (let i = 0; i < size; i++, bit++) code |= ((data[bit >> 3]! >> (bit & 7)) & 1) << i;
    if (code === clear) {
      size = minCodeSize + 1;
      next = end + 1;
      previous = -1;
      continue;
    }
    if (code === end) break;
    if (previous === -1) {
      if (code > clear) return `LZW code ${code} before any string`;
      maxIndex = Math.max(maxIndex, code);
      previous = code;
      continue;
    }
    if (code > next) return `LZW code ${code} past the next free code ${next}`;
    const entry = code === next ? previous : code;
    for (let c = entry; c !== -1; c = prefix[c]!) maxIndex = Math.max(maxIndex, suffix[c]!);
    if (code === next) maxIndex = Math.max(maxIndex, first[previous]!);
    if (next < 4096) {
      prefix[next] = previous;
      suffix[next] = code === next ? first[previous]! : first[code]!;
      first[next] = first[previous]!;
      next++;
      if (next === 1 << size && size < 12) size++;
    }
    previous = code;
  }
  return maxIndex >= colours ? `colour index ${maxIndex} past the end of its ${colours}-colour table` : undefined;
}
