import { Buffer } from 'node:buffer';

/**
 * Just enough EXIF (a TIFF structure) to keep or rebuild the one tag that matters once metadata is dropped or
 * pixels are turned: Orientation (0x0112). Everything here works on copies; input bytes are never changed.
 */
const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const ORIENTATION = 0x0112;

/** The TIFF part of an EXIF block: JPEG's APP1 carries "Exif\0\0" in front of it, PNG's eXIf and HEIF do not. */
export function exifTiff(exif: Uint8Array): Buffer | undefined {
  let b = Buffer.from(exif);
  if (b.subarray(0, 6).equals(EXIF_HEADER)) b = b.subarray(6);
  const order = b.toString('latin1', 0, 2);
  return (order === 'II' || order === 'MM') && b.length >= 8 ? b : undefined;
}

export const withExifHeader = (tiff: Buffer): Buffer => Buffer.concat([EXIF_HEADER, tiff]);

/** A TIFF block holding only an Orientation tag: what survives when metadata is stripped from unturned pixels. */
export function orientationOnly(orientation: number): Buffer {
  const b = Buffer.alloc(26);
  b.write('II', 0, 'latin1');
  b.writeUInt16LE(42, 2);
  b.writeUInt32LE(8, 4); // IFD0 right after the header
  b.writeUInt16LE(1, 8); // one entry
  b.writeUInt16LE(ORIENTATION, 10);
  b.writeUInt16LE(3, 12); // SHORT
  b.writeUInt32LE(1, 14);
  b.writeUInt16LE(orientation, 18);
  b.writeUInt32LE(0, 22); // no next IFD
  return b;
}

/**
 * A copy whose Orientation says "upright": for keep_metadata after the pixels were turned, so viewers do not
 * turn them a second time. Returns the copy unchanged when there is no such tag or the block is malformed.
 */
export function uprightTiff(tiff: Buffer): Buffer {
  const b = Buffer.from(tiff);
  const le = b.toString('latin1', 0, 2) === 'II';
  for (const entry of orientationEntries(b)) {
    if (le) b.writeUInt16LE(1, entry + 8);
    else b.writeUInt16BE(1, entry + 8);
  }
  return b;
}

/** The Orientation in IFD0 (1–8), read without sharp (Workers); 1 when absent, malformed or out of range. */
export function tiffOrientation(tiff: Buffer): number {
  const le = tiff.toString('latin1', 0, 2) === 'II';
  for (const entry of orientationEntries(tiff)) {
    const type = le ? tiff.readUInt16LE(entry + 2) : tiff.readUInt16BE(entry + 2);
    if (type !== 3) return 1; // a SHORT, as the specification says
    const value = le ? tiff.readUInt16LE(entry + 8) : tiff.readUInt16BE(entry + 8);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/** Where IFD0's Orientation entries start (a TIFF block from exifTiff: byte order checked, at least 8 bytes). */
function orientationEntries(b: Buffer): number[] {
  const le = b.toString('latin1', 0, 2) === 'II';
  const u16 = (p: number) => (le ? b.readUInt16LE(p) : b.readUInt16BE(p));
  const ifd = le ? b.readUInt32LE(4) : b.readUInt32BE(4);
  if (ifd + 2 > b.length) return [];
  const found: number[] = [];
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > b.length) break;
    if (u16(entry) === ORIENTATION) found.push(entry);
  }
  return found;
}

/** XMP can repeat the orientation; a few viewers read it there. */
export function uprightXmp(xmp: Buffer): Buffer {
  const text = xmp.toString('utf8');
  const fixed = text.replace(/(tiff:Orientation\s*=\s*["'])\d(["'])/g, '$11$2').replace(/(<tiff:Orientation>)\s*\d\s*(<)/g, '$11$2');
  return fixed === text ? xmp : Buffer.from(fixed, 'utf8');
}
