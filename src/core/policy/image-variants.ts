import { heifLayout, type HeifLayout } from '../../lib/isobmff.js';
import { isHierarchicalJpeg, isLosslessJpeg, jpegFrame } from '../../lib/jpeg-frame.js';
import { hasPngSignature } from '../../lib/png.js';
import type { SourceFormat } from './image-formats.js';
import { refuse, type ImageVariant } from './refusals.js';

/**
 * Which variant of its format an image is, read from its header bytes before any decoder sees it, on every
 * runtime: a valid file in a variant nothing here reads (a 12-bit JPEG, an animated AVIF) is refused with a
 * sentence that names the variant, never called corrupt; a HEIF goes to the decoder for its coding; a JPEG-coded
 * HEIF is the JPEG inside it. What the header cannot tell is left to the decoders, which refuse what they cannot
 * read as unreadable.
 */
export type ImagePlan =
  /** Read by the format's own decoder. */
  | { read: 'as-is' }
  /** HEIF/AVIF whose primary image is HEVC (heic-decode) or AV1 (libheif in sharp); undefined: the header does not say. */
  | { read: 'heif'; codec?: 'hevc' | 'av1' }
  /** JPEG-coded HEIF: its primary item is a plain JPEG, taken out of the box as it is (see src/lib/heif-jpeg.ts). */
  | { read: 'jpeg-item'; layout: HeifLayout };

/** Throws the refusal for a variant that is not read; otherwise says how to read the image. */
export function imagePlan(bytes: Uint8Array, format: SourceFormat): ImagePlan {
  switch (format) {
    case 'jpg':
      checkJpeg(bytes);
      return { read: 'as-is' };
    case 'png':
      // A file that starts with the PNG signature is a PNG, whatever follows: without the IHDR chunk that must
      // come next, it is damaged. (Cut short within IHDR, it is left to the decoder, which says so.)
      if (hasPngSignature(bytes) && bytes.length >= 16 && String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw refuse.damagedPng();
      return { read: 'as-is' };
    case 'heic':
    case 'heif':
    case 'avif':
      return heifPlan(bytes);
    default:
      return { read: 'as-is' };
  }
}

function checkJpeg(bytes: Uint8Array): void {
  const frame = jpegFrame(bytes);
  if (!frame) return;
  if (isLosslessJpeg(frame.marker)) throw refuse.unsupportedVariant('jpeg-lossless');
  if (isHierarchicalJpeg(frame.marker)) throw refuse.unsupportedVariant('jpeg-hierarchical');
  if (frame.precision !== 8) throw refuse.unsupportedVariant('jpeg-12-bit');
}

/** HEIF item types by what they are coded with; derived images (grids, overlays, tone maps) by their inputs. */
const CODINGS: Readonly<Record<string, 'hevc' | 'av1' | 'jpeg' | ImageVariant>> = {
  hvc1: 'hevc',
  hev1: 'hevc',
  av01: 'av1',
  jpeg: 'jpeg',
  unci: 'heif-uncompressed',
  avc1: 'heif-avc',
  vvc1: 'heif-vvc',
  j2k1: 'heif-jpeg2000',
};
const DERIVED = new Set(['grid', 'iovl', 'iden', 'tmap']);
/**
 * The properties of a JPEG item that taking the JPEG out of its box keeps true: its size, colour (the profile goes
 * along), rotation and mirroring (they become an EXIF orientation), the JPEG header kept apart (jpgC). A crop
 * (clap), or any other property a reader must apply, would be lost.
 */
const JPEG_ITEM_PROPERTIES = new Set(['ispe', 'pixi', 'colr', 'irot', 'imir', 'jpgC', 'pasp']);

function heifPlan(bytes: Uint8Array): ImagePlan {
  const layout = heifLayout(bytes);
  if (!layout) return { read: 'heif' };
  // A track of pictures makes it an animation or a burst, even when a still stands in front of it for viewers
  // that show only one picture: sending that still would drop the rest without a word.
  if (layout.sequence) {
    const codec = layout.sequence.codec;
    throw refuse.unsupportedVariant(codec === 'av01' ? 'avif-animated' : codec === 'hvc1' || codec === 'hev1' ? 'heif-sequence' : 'heif-other-sequence');
  }
  const primary = layout.primary;
  if (!primary) {
    if (layout.mini) throw refuse.unsupportedVariant('heif-mini');
    return { read: 'heif' }; // no image named: the decoder says what is wrong
  }
  const derived = DERIVED.has(primary.type);
  const type = derived ? layout.inputs[0]?.type : primary.type;
  if (!type) return { read: 'heif' };
  const coding = CODINGS[type];
  if (coding === 'hevc' || coding === 'av1') return { read: 'heif', codec: coding };
  if (coding === 'jpeg') {
    if (derived) throw refuse.unsupportedVariant('heif-tiled-jpeg');
    if (primary.properties.some((p) => p.box.type === 'clap' || (p.essential && !JPEG_ITEM_PROPERTIES.has(p.box.type)))) {
      throw refuse.unsupportedVariant('heif-jpeg-transform');
    }
    return { read: 'jpeg-item', layout };
  }
  if (coding) throw refuse.unsupportedVariant(coding);
  // An item type from a later edition, named as the file names it (four printable characters, or not at all).
  throw refuse.unsupportedVariant({ heifCoding: /^[\x21-\x7e]{4}$/.test(type) ? `'${type}'` : 'an unknown coding' });
}
