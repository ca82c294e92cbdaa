import type { VirtualFile } from './media-server.js';

/** Just enough of each format for the sniffer (file-type) to name it; the rest of a file is zeros. */
const ascii = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const ftyp = (brand: string, compatible: string) => {
  const box = ascii(`ftyp${brand}\0\0\0\0${compatible}`);
  return Uint8Array.from([0, 0, 0, box.length + 4, ...box]);
};

export const SIGNATURES = {
  jpg: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]),
  png: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]),
  heic: ftyp('heic', 'mif1heic'),
  mov: ftyp('qt  ', 'qt  '),
  mp4: ftyp('isom', 'isomiso2mp41'),
  pdf: ascii('%PDF-1.4\n'),
  html: ascii('<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in</body></html>'),
};

export const file = (kind: keyof typeof SIGNATURES, size = 20_000): VirtualFile => ({ prefix: SIGNATURES[kind], size: Math.max(size, SIGNATURES[kind].length) });

export const KB = 1_000;
export const MB = 1_000_000;
