import type { SourceFormat } from '../../core/policy.js';

/** What sharp's header reader must call each one, so bytes are decoded as the type they were let in as. */
export const SHARP_FORMATS: Readonly<Record<SourceFormat, readonly string[]>> = {
  jpg: ['jpeg'],
  png: ['png'],
  gif: ['gif'],
  webp: ['webp'],
  avif: ['heif'],
  heic: ['heif'],
  heif: ['heif'],
  tif: ['tiff'],
};
