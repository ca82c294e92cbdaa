import { asAvFormat, assertAvSendableAsIs, carrierTypeFor, changeWhenStored, checkPlayable, refuse, refuseAv, type AvFormat, type AvOptions } from '../core/policy.js';
import { Pieces, spliced } from '../lib/pieces.js';
import type { AvProcessor, AvUpload, ProcessedAv } from '../core/ports.js';
import { concat } from '../core/streams.js';

/**
 * The stand-in where nothing converts video or audio: a Node server without ffmpeg, or Cloudflare Workers. A file
 * carriers already take (the endpoint's video and audio types: mp4, 3gp, mp3, wav, ogg) within the delivery budget
 * is stored as sent, as is any of them within the endpoint's limit under optimize=off; anything needing
 * conversion gets 422 media_processing_unavailable saying how to get it. Nothing is probed here: the container is
 * checked playable (checkPlayable) and put right where the policy says (an M4V's brand, junk before an MP3's
 * frames); codecs, rotation and metadata are not checked. Files are held in memory: without a converter, Limits takes video
 * and audio only up to the endpoint's own limit.
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
    return {
      bytes: kept,
      extension: type!.extension,
      contentType: type!.contentType,
      kind: type!.kind as 'video' | 'audio',
      original: {},
      transformations: change ? [change.transformation] : [],
    };
  }
}
