/**
 * A JPEG's frame header (SOFn), read from the marker segments before the first scan: which of the JPEG
 * processes (ITU T.81) codes it and at what sample precision. Runtime-neutral, never throws.
 */

export interface JpegFrame {
  /** The SOF marker's second byte: 0xC0 baseline, 0xC1 extended, 0xC2 progressive, 0xC3 lossless, … */
  marker: number;
  /** Bits per sample: 8 in nearly every JPEG; 12 (or 16 for lossless) in some camera and medical files. */
  precision: number;
  width: number;
  height: number;
}

/** SOF markers of the lossless process (predictive coding, no DCT), Huffman or arithmetic, sequential or hierarchical. */
export const isLosslessJpeg = (marker: number): boolean => marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf;

/** SOF markers of the hierarchical process (a pyramid of frames at growing resolutions). */
export const isHierarchicalJpeg = (marker: number): boolean => (marker >= 0xc5 && marker <= 0xc7) || (marker >= 0xcd && marker <= 0xcf);

/** SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
const isFrameMarker = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * Visits the marker segments before the first scan (or the end) of a JPEG, past fill bytes, until `visit` returns
 * true; stops where something other than a marker stands where one must.
 */
function eachHeaderSegment(b: Uint8Array, visit: (marker: number, at: number) => boolean | void): void {
  if (b[0] !== 0xff || b[1] !== 0xd8) return;
  for (let at = 2; at + 4 <= b.length && b[at] === 0xff; ) {
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9 || visit(marker, at) === true) return;
    at += 2 + ((b[at + 2]! << 8) | b[at + 3]!);
  }
}

/** The frame header, or undefined when the bytes are not a JPEG whose segments lead to one. */
export function jpegFrame(b: Uint8Array): JpegFrame | undefined {
  const u16 = (at: number) => (b[at]! << 8) | b[at + 1]!;
  let frame: JpegFrame | undefined;
  eachHeaderSegment(b, (marker, at) => {
    if (!isFrameMarker(marker)) return false;
    if (at + 9 <= b.length) frame = { marker, precision: b[at + 4]!, height: u16(at + 5), width: u16(at + 7) };
    return true;
  });
  return frame;
}

/** Whether an APPn segment with this identifier ("ICC_PROFILE", "Exif") comes before the first scan. */
export function hasAppSegment(b: Uint8Array, marker: number, id: string): boolean {
  let found = false;
  eachHeaderSegment(b, (m, at) => (found = m === marker && String.fromCharCode(...b.subarray(at + 4, at + 4 + id.length)) === id));
  return found;
}
