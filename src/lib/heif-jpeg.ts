import { Buffer } from 'node:buffer';
import { exifTiff, orientationOnly, uprightTiff } from './image-metadata/exif.js';
import { insertJpegMetadata } from './image-metadata/jpeg-segments.js';
import { itemData, type HeifItem, type HeifLayout } from './isobmff.js';
import { hasAppSegment } from './jpeg-frame.js';

/**
 * A JPEG-coded HEIF's picture as a plain JPEG: the primary item's codestream, taken out of its box byte for byte
 * (no decode, no quality lost), with what the box said about it carried along in JPEG's own terms — rotation and
 * mirroring (irot/imir) as an EXIF orientation, the colour profile (colr) as an ICC segment, and with
 * keep_metadata the EXIF item. Undefined when the item's data is not all there or is not a JPEG.
 */
export function jpegFromHeif(b: Uint8Array, layout: HeifLayout, keepMetadata: boolean): Buffer | undefined {
  const item = layout.primary;
  const data = item && itemData(b, layout, item);
  if (!item || !data) return undefined;
  // jpgC holds JPEG header segments that every such item shares, kept apart from the codestream.
  const prefix = property(b, item, 'jpgC');
  let jpeg = Buffer.concat(prefix ? [prefix, data] : [data]);
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  const profile = colourProfile(b, item);
  // JPEG numbers a profile's pieces in one byte: one of more than 255 pieces (16 MB) cannot be carried.
  if (profile && profile.length <= 255 * ICC_PIECE && !hasAppSegment(jpeg, 0xe2, 'ICC_PROFILE')) jpeg = insertAfterSoi(jpeg, iccSegments(profile));
  const orientation = heifOrientation(b, item);
  const kept = keepMetadata && layout.exif ? exifItemTiff(b, layout, layout.exif) : undefined;
  // HEIF's EXIF orientation is only a note (irot/imir say how to show the picture), so kept EXIF says upright. When
  // the box does turn the picture, the EXIF must say so instead, and only that tag is sent: rewriting a tag
  // inside the kept block is not done here.
  const tiff = orientation !== 1 ? orientationOnly(orientation) : kept && uprightTiff(kept);
  return tiff ? insertJpegMetadata(jpeg, { tiff }) : jpeg;
}

/** A property's payload (after its box header), if the item has one of that type. */
function property(b: Uint8Array, item: HeifItem, type: string): Uint8Array | undefined {
  const p = item.properties.find((x) => x.box.type === type);
  return p && b.subarray(p.box.body, p.box.end);
}

/** An ICC profile from colr ('prof' or 'rICC'); 'nclx' only names a standard colour space, which JPEG does not carry. */
function colourProfile(b: Uint8Array, item: HeifItem): Uint8Array | undefined {
  const colr = property(b, item, 'colr');
  const kind = colr && colr.length > 4 && String.fromCharCode(...colr.subarray(0, 4));
  return kind === 'prof' || kind === 'rICC' ? colr!.subarray(4) : undefined;
}

/**
 * irot and imir, applied in the order the item lists them, as the EXIF orientation that shows the picture the
 * same way. A state is (mirrored, quarter turns clockwise after the mirror); EXIF numbers those eight.
 */
function heifOrientation(b: Uint8Array, item: HeifItem): number {
  let mirrored = 0;
  let turns = 0;
  for (const { box } of item.properties) {
    if (box.body >= box.end) continue;
    const value = b[box.body]!;
    if (box.type === 'irot') turns = (turns + 4 - (value & 3)) % 4; // irot turns anticlockwise
    if (box.type === 'imir') {
      // Axis 1 exchanges left and right; axis 0 top and bottom, which is the same and a half turn (ISO/IEC
      // 23008-12:2022, 6.5.12: EXIF 2 and 4). Mirroring after a turn is mirroring first, then the opposite turn.
      mirrored ^= 1;
      turns = ((value & 1 ? 0 : 2) + 4 - turns) % 4;
    }
  }
  return [
    [1, 6, 3, 8],
    [2, 7, 4, 5],
  ][mirrored]![turns]!;
}

/** An EXIF item's TIFF block: it starts after a 4-byte offset to the TIFF header. */
function exifItemTiff(b: Uint8Array, layout: HeifLayout, item: HeifItem): Buffer | undefined {
  const data = itemData(b, layout, item);
  if (!data || data.length < 12) return undefined;
  const skip = 4 + new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  return skip < data.length ? exifTiff(data.subarray(skip)) : undefined;
}

const ICC_ID = Buffer.from('ICC_PROFILE\0', 'latin1');
const ICC_PIECE = 65_519; // a segment's 65,535 bytes less its length, the identifier and the piece numbers

/** APP2 segments holding a profile, split into numbered pieces as the ICC specification says. */
function iccSegments(profile: Uint8Array): Buffer[] {
  const count = Math.ceil(profile.length / ICC_PIECE);
  return Array.from({ length: count }, (_, i) => {
    const piece = profile.subarray(i * ICC_PIECE, (i + 1) * ICC_PIECE);
    const head = Buffer.from([0xff, 0xe2, 0, 0]);
    head.writeUInt16BE(2 + ICC_ID.length + 2 + piece.length, 2);
    return Buffer.concat([head, ICC_ID, Buffer.from([i + 1, count]), piece]);
  });
}

const insertAfterSoi = (jpeg: Buffer, segments: Buffer[]) => Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
