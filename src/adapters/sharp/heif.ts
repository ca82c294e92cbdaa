import { fileBrands, withMajorBrand } from '../../lib/isobmff.js';

/**
 * libvips' HEIF loader and heic-decode each open only files whose major brand is on their own list (libvips:
 * heic, heix, mif1, avif, …; heic-decode: heic, heix, mif1, …), so a valid HEIF under a newer or rarer brand
 * (mif3, jpeg, avis…) would be called an unknown format. The brand is a label: libheif reads what the boxes hold.
 * So a copy whose major brand both readers of its coding take is what goes to them (same length: no offset moves).
 */
const TAKEN: Readonly<Record<'hevc' | 'av1', readonly string[]>> = { hevc: ['heic', 'heix', 'mif1'], av1: ['avif', 'mif1'] };
const NATIVE = { hevc: 'heic', av1: 'avif' } as const;

export function decodableHeif(bytes: Uint8Array, codec: 'hevc' | 'av1' | undefined): Uint8Array {
  const major = fileBrands(bytes)?.major;
  if (!codec || major === undefined || TAKEN[codec].includes(major)) return bytes;
  return withMajorBrand(bytes, NATIVE[codec]);
}
