import { asAvFormat, assertAvSendableAsIs, carrierTypeFor, changeWhenStored, checkPlayable, refuse, refuseAv, type AvFormat, type AvOptions } from '../core/policy.js';
import { withoutIsoMetadata, withoutMp3Tags, withoutWaveMetadata, type WithoutTags } from '../lib/containers/av-tags.js';
import { Pieces, spliced } from '../lib/pieces.js';
import type { AvProcessor, AvUpload, ProcessedAv } from '../core/ports.js';
import { concat } from '../core/streams.js';

/**
 * The stand-in where nothing converts video or audio: a Node server without ffmpeg, or Cloudflare Workers. A file
 * carriers already take (the endpoint's video and audio types: mp4, 3gp, mp3, wav, ogg) within the delivery budget
 * is stored as sent, as is any of them within the endpoint's limit under optimize=off; anything needing
 * conversion gets 422 media_processing_unavailable saying how to get it. Nothing is probed here: the container is
 * checked playable (checkPlayable) and put right where the policy says (an M4V's brand, junk before an MP3's
 * frames); codecs and rotation are not checked. Unless keep_metadata=true, the tags are removed in place
 * (MP4/3GP `udta` and `meta` boxes and XMP, MP3 ID3 and APE tags, WAV `LIST`/ID3/`bext`/`iXML`/`_PMX` chunks; named
 * `strip_metadata`), a file without any kept byte for byte; one whose structure cannot be rewritten is refused.
 * Files are held in memory: without a converter, Limits takes video and audio only up to the endpoint's own limit.
 */
export class NoAvProcessing implements AvProcessor {
  readonly converts = false;

  constructor(private readonly options: { budgetBytes: number; where: 'node' | 'workers' }) {}

  accepts(detected: { ext: string }): boolean {
    return asAvFormat(detected.ext) !== undefined;
  }

  async open(detected: { ext: string; mime: string }): Promise<AvUpload> {
    const format = asAvFormat(detected.ext);
    if (!format) throw refuse.unsupportedType(detected);
    const chunks: Uint8Array[] = [];
    return {
      write: async (chunk) => void chunks.push(chunk.slice()),
      process: async (options) => this.decide(detected, format, concat(chunks), options),
      close: async () => void chunks.splice(0),
    };
  }

  private decide(detected: { ext: string; mime: string }, format: AvFormat, bytes: Uint8Array, options: AvOptions): ProcessedAv {
    const size = bytes.length;
    const type = carrierTypeFor(detected);
    const carried = type !== undefined && (type.kind === 'video' || type.kind === 'audio');
    if (options.optimize === 'off') assertAvSendableAsIs(format, size);
    else if (options.optimize === 'always') throw refuseAv.unavailable('asked', { format, size }, this.options.budgetBytes, this.options.where);
    else if (!carried) throw refuseAv.unavailable('format', { format, size }, this.options.budgetBytes, this.options.where);
    else if (size > this.options.budgetBytes) throw refuseAv.unavailable('budget', { format, size }, this.options.budgetBytes, this.options.where);
    const change = changeWhenStored(detected);
    const kept = change ? concat(spliced([bytes], change.splice)) : bytes;
    checkPlayable(type!, Pieces.of(kept));
    const transformations = change ? [change.transformation] : [];
    let stored = kept;
    if (!options.keepMetadata) {
      const stripped = withoutTags(type!.extension, kept);
      if (!stripped) throw refuseAv.unavailable('metadata', { format, size }, this.options.budgetBytes, this.options.where);
      if (stripped.removed.length > 0) {
        stored = stripped.bytes;
        transformations.push('strip_metadata');
      }
    }
    return {
      bytes: stored,
      extension: type!.extension,
      contentType: type!.contentType,
      kind: type!.kind as 'video' | 'audio',
      original: {},
      transformations,
    };
  }
}

/**
 * The file without its tags, rewritten in place (see lib/containers/av-tags.ts); undefined when its structure does
 * not allow it. Ogg's Vorbis comments are not removed: they stay as sent.
 */
function withoutTags(extension: string, bytes: Uint8Array): WithoutTags | undefined {
  switch (extension) {
    case 'mp4':
    case '3gp':
      return withoutIsoMetadata(bytes);
    case 'mp3':
      return withoutMp3Tags(bytes);
    case 'wav':
      return withoutWaveMetadata(bytes);
    default:
      return { bytes, removed: [] };
  }
}
