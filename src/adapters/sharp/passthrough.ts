import { assertSendableAsIs, mediaTypeForExtension, metadataSteps, refuse, reworkDamaged, type ImageOptions, type Rework } from '../../core/policy.js';
import type { ProcessedImage } from '../../core/ports.js';
import { gifIsComplete } from '../../lib/image-metadata/gif-blocks.js';
import { gifDataProblem } from '../../lib/image-metadata/gif-lzw.js';
import { pngIsComplete } from '../../lib/image-metadata/png-chunks.js';
import { stripMetadata } from '../../lib/image-metadata/strip.js';
import type { Header } from './inspect.js';
import { untrusted, type SharpFactory } from './load.js';

/**
 * Sending the upload's own bytes (optimize=off, or auto when nothing needs doing): minus their metadata unless it
 * is to be kept, cut out of the container without re-encoding (the compressed pixels stay byte-identical; an
 * orientation is kept as a one-tag EXIF so the picture still shows upright). What is sent must be a whole file
 * that a strict decoder reads without error: a truncated one is refused; a damaged one is re-encoded from what a
 * lenient decoder reads (`rework`), or refused when nothing may be re-encoded (optimize=off).
 */
export async function passThrough(
  sharp: SharpFactory,
  bytes: Uint8Array,
  header: Header,
  o: ImageOptions & { maxPixels: number },
): Promise<{ image: ProcessedImage } | { rework: Rework }> {
  const format = assertSendableAsIs(header.format, bytes.length); // what passes as it is, the endpoint must take as it is
  // GIF and PNG decoders show what they have of a cut-short file without complaint: the blocks tell.
  if ((format === 'gif' && !gifIsComplete(bytes)) || (format === 'png' && !pngIsComplete(bytes))) throw refuse.unreadable(format);
  const sent = stripMetadata(bytes, format, { keep: o.keepMetadata, orientation: header.orientation });
  // libvips shows a GIF's colour indexes past its table as some colour; stricter decoders refuse the file.
  const problem = sent && format === 'gif' ? gifDataProblem(sent.bytes) : undefined;
  if (!sent || problem || !(await decodes(sharp, sent.bytes, header, o.maxPixels, 'warning'))) {
    // With nothing to re-encode (optimize=off), a file no decoder reads is unreadable, not merely damaged.
    if (o.optimize === 'off' && !(await decodes(sharp, bytes, header, o.maxPixels, 'error'))) throw refuse.unreadable(format);
    return { rework: reworkDamaged(format, o.optimize, problem) };
  }
  const type = mediaTypeForExtension(format)!;
  const image: ProcessedImage = {
    bytes: sent.bytes,
    extension: type.extension,
    contentType: type.contentType,
    width: header.width,
    height: header.height,
    original: { width: header.width, height: header.height },
    transformations: metadataSteps({ removed: sent.removed, kept: o.keepMetadata ? sent.found : [] }),
  };
  return { image };
}

/**
 * Whether the file decodes, as a thumbnail: a small target lets libjpeg decode at 1/8 scale, so every byte is
 * still read (and every corrupt one reported) at a fraction of the cost. `warning` is a strict decoder, `error`
 * a lenient one that reads past damage but not past the end of a cut-short file.
 */
async function decodes(sharp: SharpFactory, bytes: Uint8Array, header: Header, maxPixels: number, failOn: 'warning' | 'error'): Promise<boolean> {
  try {
    await sharp(bytes, untrusted(maxPixels, { failOn, animated: header.frames > 1 }))
      .resize({ width: 64, height: 64, fit: 'inside' })
      .raw()
      .toBuffer();
    return true;
  } catch {
    return false;
  }
}
