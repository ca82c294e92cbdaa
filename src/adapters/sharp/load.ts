import type { Sharp, SharpOptions } from 'sharp';

/** The sharp constructor, typed without loading it (type imports are erased). */
export type SharpFactory = (input?: Buffer | Uint8Array, options?: SharpOptions) => Sharp;

let loading: Promise<SharpFactory> | undefined;

/**
 * sharp is native code: importing this adapter must not load it (the Workers bundle and tests that never touch
 * images stay free of it), so it is imported on first use, once.
 */
export function loadSharp(): Promise<SharpFactory> {
  loading ??= import('sharp').then((mod) => {
    const sharp = mod.default;
    // Every upload is a new image: libvips' operation cache would only hold memory (up to 50 MB) for nothing.
    sharp.cache(false);
    return sharp as unknown as SharpFactory;
  });
  return loading;
}

/**
 * Options for every untrusted decode: refuse corrupt or truncated data instead of returning grey rows, and let
 * libvips enforce the same pixel limit we check from the header (a second line if a header lies).
 */
export function untrusted(maxPixels: number, extra: SharpOptions = {}): SharpOptions {
  return { failOn: 'error', limitInputPixels: maxPixels, ...extra };
}
