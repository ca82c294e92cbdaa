import type { Pieces } from '../pieces.js';

/**
 * Viewers look for a PDF's header (`%PDF-`) within its first 1,024 bytes, not only at byte 0: the PDF Reference's
 * implementation notes say Acrobat accepts it anywhere there, and the others followed.
 */
export const PDF_HEADER_WINDOW = 1024;

/** Where the `%PDF-` header starts within the window viewers search, or -1. */
export function pdfHeaderAt(b: Pieces): number {
  return b.indexOf('%PDF-', 0, PDF_HEADER_WINDOW);
}
