/**
 * Finds location and device metadata in a file, whatever its format: what must not leave with a hosted file unless
 * keep_metadata=true. Each finding names the tag and where it sits, e.g. "EXIF GPSInfo (IFD at 12)". Reads the
 * bytes only; every structure is bounds-checked, so damaged files give findings or none, never an exception.
 */
const latin1 = (b: Uint8Array, from = 0, to = b.length) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1', from, to);

/** Text that only metadata writes: XMP properties, QuickTime keys and user-data atoms, thumbnail and editor tags. */
const TEXT_MARKERS: readonly [string, string][] = [
  ['exif:GPS', 'XMP exif:GPS… property'],
  ['GPSLatitude', 'GPSLatitude (XMP or text)'],
  ['GPSLongitude', 'GPSLongitude (XMP or text)'],
  ['tiff:Make', 'XMP tiff:Make'],
  ['tiff:Model', 'XMP tiff:Model'],
  ['photoshop:', 'XMP photoshop: property'],
  ['Thumb::URI', 'Thumb::URI (a local file path)'],
  ['com.apple.quicktime.location', 'QuickTime key com.apple.quicktime.location'],
  ['com.apple.quicktime.make', 'QuickTime key com.apple.quicktime.make'],
  ['com.apple.quicktime.model', 'QuickTime key com.apple.quicktime.model'],
  ['\xa9xyz', 'QuickTime user data ©xyz (location)'],
  ['\xa9mak', 'QuickTime user data ©mak (make)'],
  ['\xa9mod', 'QuickTime user data ©mod (model)'],
];

/** EXIF tags that say where or with what: in IFD0 (Make, Model, the GPS pointer) or the Exif IFD (serials, lens, maker notes). */
const EXIF_TAGS: Readonly<Record<number, string>> = {
  0x010f: 'Make',
  0x0110: 'Model',
  0x8825: 'GPSInfo',
  0xa431: 'BodySerialNumber',
  0xa434: 'LensModel',
  0x927c: 'MakerNote',
};

export function locationOrDeviceTags(bytes: Uint8Array): string[] {
  const found = new Set<string>();
  const text = latin1(bytes);
  for (const [marker, name] of TEXT_MARKERS) if (text.includes(marker)) found.add(name);
  for (const tag of exifTags(bytes)) found.add(tag);
  if (isPng(bytes)) for (const c of pngMetadataChunks(bytes)) found.add(c);
  if (text.startsWith('GIF8')) for (const e of gifMetadataExtensions(bytes)) found.add(e);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) for (const s of jpegMetadataSegments(bytes)) found.add(s);
  return [...found];
}

/**
 * EXIF tags from every TIFF structure in the file ("II*\0" or "MM\0*" followed by a plausible IFD): the whole file
 * for a TIFF, an APP1 segment, an eXIf chunk, a WebP EXIF chunk, an HEIF Exif item, cover art inside an ID3 tag.
 */
export function exifTags(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const found: string[] = [];
  for (let at = 0; at + 8 <= b.length; at++) {
    const little = b[at] === 0x49 && b[at + 1] === 0x49 && b[at + 2] === 0x2a && b[at + 3] === 0;
    const big = b[at] === 0x4d && b[at + 1] === 0x4d && b[at + 2] === 0 && b[at + 3] === 0x2a;
    if (!little && !big) continue;
    const u16 = (p: number) => (little ? b.readUInt16LE(p) : b.readUInt16BE(p));
    const u32 = (p: number) => (little ? b.readUInt32LE(p) : b.readUInt32BE(p));
    /** The IFD's entries as [tag, value], or undefined when it is not a plausible IFD. */
    const ifd = (offset: number): [number, number][] | undefined => {
      const p = at + offset;
      if (offset < 8 || p + 2 > b.length) return undefined;
      const n = u16(p);
      if (n === 0 || n > 500 || p + 2 + n * 12 > b.length) return undefined;
      const entries: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        const e = p + 2 + i * 12;
        const type = u16(e + 2);
        if (type < 1 || type > 13) return undefined;
        entries.push([u16(e), u32(e + 8)]);
      }
      return entries;
    };
    const ifd0 = ifd(u32(at + 4));
    if (!ifd0) continue;
    const exifIfd = ifd0.find(([tag]) => tag === 0x8769);
    for (const [tag] of [...ifd0, ...((exifIfd && ifd(exifIfd[1])) ?? [])]) {
      const name = EXIF_TAGS[tag];
      if (name) found.push(`EXIF ${name} (TIFF structure at byte ${at})`);
    }
  }
  return found;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b: Uint8Array) => PNG_SIGNATURE.every((x, i) => b[i] === x);

/** Text, XMP (iTXt), EXIF and time chunks, before or after the image data. */
export function pngMetadataChunks(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const found: string[] = [];
  let seenIdat = false;
  for (let p = 8; p + 12 <= b.length; ) {
    const length = b.readUInt32BE(p);
    const type = b.toString('latin1', p + 4, p + 8);
    if (type === 'IDAT') seenIdat = true;
    if (['tEXt', 'iTXt', 'zTXt', 'eXIf', 'tIME'].includes(type)) {
      const keyword = type === 'eXIf' || type === 'tIME' ? '' : ` "${b.toString('latin1', p + 8, b.indexOf(0, p + 8)).slice(0, 40)}"`;
      found.push(`PNG ${type}${keyword} ${seenIdat ? 'after' : 'before'} IDAT`);
    }
    if (type === 'IEND') break;
    p += 12 + length;
  }
  return found;
}

/** Comment extensions, and application extensions other than the animation loop (NETSCAPE2.0 or ANIMEXTS1.0). */
export function gifMetadataExtensions(bytes: Uint8Array): string[] {
  const found: string[] = [];
  const skipSubBlocks = (p: number) => {
    while (p < bytes.length && bytes[p] !== 0) p += bytes[p]! + 1;
    return p + 1;
  };
  if (bytes.length < 13) return found;
  let p = 13 + (bytes[10]! & 0x80 ? 3 * 2 ** ((bytes[10]! & 7) + 1) : 0);
  while (p < bytes.length) {
    const block = bytes[p];
    if (block === 0x21) {
      const label = bytes[p + 1];
      if (label === 0xfe) found.push('GIF comment extension');
      if (label === 0xff) {
        const id = latin1(bytes, p + 3, Math.min(bytes.length, p + 14));
        if (id !== 'NETSCAPE2.0' && id !== 'ANIMEXTS1.0') found.push(`GIF application extension "${id}"`);
      }
      p = skipSubBlocks(p + 2);
    } else if (block === 0x2c) {
      const packed = bytes[p + 9] ?? 0;
      p += 10 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
      p = skipSubBlocks(p + 1); // the LZW minimum code size, then the data
    } else {
      break; // the trailer (0x3b), or damage
    }
  }
  return found;
}

/** JPEG comments (COM) and Photoshop/IPTC blocks (APP13), up to the image data. */
export function jpegMetadataSegments(bytes: Uint8Array): string[] {
  const found: string[] = [];
  for (let p = 2; p + 4 <= bytes.length && bytes[p] === 0xff; ) {
    const marker = bytes[p + 1]!;
    if (marker === 0xda || marker === 0xd9) break;
    const length = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    if (marker === 0xfe) found.push('JPEG comment (COM)');
    if (marker === 0xed) found.push('JPEG Photoshop/IPTC block (APP13)');
    p += 2 + length;
  }
  return found;
}
