import { BlockPool, PooledBytes } from './block-pool.js';
import { AppError, formatBytes, isAppError } from './errors.js';
import { factsFromMetadata, originalText, factsToMetadata, type Media, type MediaFacts, type Original } from './media-record.js';
import type { Metrics } from '../lib/metrics.js';
import { MEDIA_ID, newMediaId, safeFilename } from './keys.js';
import { MAX_MEDIA_BYTES, SUPPORTED_LIST, mediaTypeForExtension, type MediaType } from './policy.js';
import type { FileContent, Hasher, ImageOptions, ImageProcessor, Logger, MediaStore } from './ports.js';
import { guardStorage } from './storage-guard.js';
import { detectType, sampleBytesWanted, type Detected } from './sniff.js';
import { concat } from './streams.js';

export type { Media };

export interface UploadInput {
  body: ReadableStream<Uint8Array>;
  /** The file's own length when the request declares it (raw uploads). */
  declaredSize?: number;
  filename?: string;
  declaredContentType?: string;
  image?: Partial<ImageOptions>;
}

export interface MediaServiceDeps {
  store: MediaStore;
  images: ImageProcessor;
  sha256: () => Hasher;
  logger: Logger;
  metrics?: Metrics;
  /** Memory for files while they are received and stored. Default: a pool that keeps no free blocks. */
  blocks?: BlockPool;
}

/**
 * Hosts raw files: finds out from the bytes what they are, enforces the send endpoint's limits, fits images,
 * stores the file with its record, and hands back a URL a carrier can fetch anonymously.
 */
export class MediaService {
  private readonly deps: MediaServiceDeps;
  private readonly blocks: BlockPool;

  constructor(deps: MediaServiceDeps) {
    this.deps = { ...deps, store: guardStorage(deps.store, deps.logger) };
    this.blocks = deps.blocks ?? new BlockPool({ keepBytes: 0 });
  }

  /** The largest body worth starting to read: anything declared larger is refused at once. */
  get maxUploadBytes(): number {
    return Math.max(MAX_MEDIA_BYTES, this.deps.images.maxInputBytes);
  }

  /** Hosts one file; counted in the metrics by kind and outcome (stored, or the refusal's code). */
  async host(input: UploadInput): Promise<Media> {
    const seen: { kind?: string } = {};
    try {
      const media = await this.hostCounted(input, seen);
      this.deps.metrics?.uploads.inc({ kind: media.kind, outcome: 'stored' });
      this.deps.metrics?.storedBytes.inc({ kind: media.kind }, media.size);
      return media;
    } catch (err) {
      this.deps.metrics?.uploads.inc({ kind: seen.kind ?? 'unknown', outcome: isAppError(err) ? err.code : 'error' });
      throw err;
    }
  }

  private async hostCounted(input: UploadInput, seen: { kind?: string }): Promise<Media> {
    if (input.declaredSize !== undefined && input.declaredSize > this.maxUploadBytes) {
      await input.body.cancel().catch(() => undefined);
      throw tooLarge(`The file is ${formatBytes(input.declaredSize)}; nothing larger than ${formatBytes(this.maxUploadBytes)} is accepted.`);
    }
    const reader = input.body.getReader();
    const file = new PooledBytes(this.blocks);
    const received = await this.receive(reader, file, input.declaredSize, seen).catch((err: unknown) => {
      // Refused part-way, or the body failed: nothing more is wanted from it. No reason is passed: some sources
      // (Node streams) would re-emit it as their own error.
      reader.cancel().catch(() => undefined);
      file.release();
      throw err;
    });
    const original = { filename: originalText(input.filename), content_type: originalText(input.declaredContentType) };
    if (received.image) return this.hostImage(file, received.detected, original, input.image);
    const { type, sha256 } = received;
    const content = { chunks: file.views(), size: file.size, sha256 };
    const media = await this.save(type, content, { original: { ...original, size: content.size } }, original.filename);
    // Not when saving failed: a write that timed out may still be sending these bytes, so they are left to the GC.
    file.release();
    return media;
  }

  /**
   * Reads the whole file, deciding from its first bytes what it is and so which limit applies, and stops as soon
   * as it runs past that limit. Nothing reaches storage before the last byte is in and checked. Each chunk is
   * copied into `file` (pooled memory, see BlockPool) and, for a file kept as sent, hashed as it arrives (the
   * first few once the type is known), while it is still in the CPU's cache: hashed after the whole file is in, the bytes come back from memory, which under
   * load costs half as much again.
   */
  private async receive(reader: ReadableStreamDefaultReader<Uint8Array>, file: PooledBytes, declaredSize: number | undefined, seen: { kind?: string }) {
    let head: Uint8Array = new Uint8Array(0);
    for (let r; head.length < sampleBytesWanted(head) && !(r = await reader.read()).done; ) {
      file.append(r.value);
      head = concat(file.views());
    }
    if (file.size === 0) throw new AppError(422, 'empty_file', 'The file is empty: there is nothing to send.');
    const detected = await detectType(head);
    const image = detected !== undefined && this.deps.images.accepts(detected);
    const type = detected && mediaTypeForExtension(detected.ext);
    if (!detected || (!image && !type)) throw unsupported(detected);
    seen.kind = image ? 'image' : type!.kind;
    const limit = image ? this.deps.images.maxInputBytes : type!.maxBytes;
    const limitLabel = image ? 'images before processing' : `${type!.extension} files`;
    if (declaredSize !== undefined && declaredSize > limit) {
      throw tooLarge(`The file is ${formatBytes(declaredSize)}; the limit for ${limitLabel} is ${formatBytes(limit)}.`);
    }
    const hasher = image ? undefined : this.deps.sha256(); // an image is hashed once processed
    for (const view of file.views()) hasher?.update(view);
    for (let r; file.size <= limit && !(r = await reader.read()).done; ) {
      file.append(r.value);
      hasher?.update(r.value);
    }
    if (file.size > limit) throw tooLarge(`The file is larger than ${formatBytes(limit)}, the limit for ${limitLabel}.`);
    if (image) return { image: true as const, detected };
    return { image: false as const, type: type!, sha256: hasher!.digestHex() };
  }

  async get(id: string): Promise<Media> {
    const { type, size, facts } = await this.find(id);
    return this.present(id, type, size, facts);
  }

  /** Removes the file (its record goes with it); its URL stops serving (a CDN in front may keep a copy until it expires). */
  async delete(id: string): Promise<void> {
    await this.find(id); // 404 for what this service did not store
    await this.deps.store.delete(id);
  }

  /** Removes media that a request stored before failing for another reason; a failure here is logged, not thrown. */
  async discard(id: string): Promise<void> {
    await this.deps.store.delete(id).catch((err: unknown) => {
      this.deps.logger.error('media of a failed request could not be removed', { error: (err as Error)?.message ?? String(err) });
    });
  }

  /** The stored object with its record; 404 unless this service wrote it. */
  private async find(id: string) {
    const info = MEDIA_ID.test(id) ? await this.deps.store.head(id) : null;
    const facts = info && factsFromMetadata(info.metadata);
    const type = mediaTypeForExtension(id.slice(id.lastIndexOf('.') + 1));
    if (!info || !facts || !type) throw notFound(id);
    return { type, size: info.size, facts };
  }

  /**
   * Images are small enough to hold: the processor needs them whole to orient, strip and fit them. It takes the
   * file out of the pooled blocks when its turn comes (the blocks go back then), or they go back when it is
   * refused before that.
   */
  private async hostImage(file: PooledBytes, detected: Detected, original: Original, options: Partial<ImageOptions> = {}) {
    const started = Date.now();
    const size = file.size;
    const out = await this.deps.images
      .process({ size, read: () => file.takeOut(), detected }, { optimize: options.optimize ?? 'auto', keepMetadata: options.keepMetadata ?? false })
      .finally(() => file.release());
    this.deps.metrics?.imageSeconds.observe((Date.now() - started) / 1000);
    const type = mediaTypeForExtension(out.extension);
    if (!type) throw new Error(`image processor produced ${out.extension}, which is not a carrier format`);
    const facts = {
      width: out.width,
      height: out.height,
      transformations: out.transformations,
      original: { ...original, size, width: out.original.width, height: out.original.height },
    };
    const hasher = this.deps.sha256();
    hasher.update(out.bytes);
    return this.save(type, { chunks: [out.bytes], size: out.bytes.length, sha256: hasher.digestHex() }, facts, original.filename);
  }

  /** Stores the file with its facts, in one write: afterwards both are there, or neither. */
  private async save(type: MediaType, content: FileContent, facts: Omit<MediaFacts, 'sha256'>, filename: string | null): Promise<Media> {
    const id = newMediaId(type.extension);
    const all = { sha256: content.sha256, ...facts };
    const media = await this.present(id, type, content.size, all); // first: if no URL can be made, nothing is stored
    await this.deps.store.put(id, content, {
      contentType: type.contentType,
      filename: safeFilename(filename ?? undefined, type.extension),
      metadata: factsToMetadata(all),
    });
    return media;
  }

  private async present(id: string, type: MediaType, size: number, facts: MediaFacts): Promise<Media> {
    const { url, expiresAt } = await this.deps.store.publicUrl(id);
    return { id, url, expires_at: expiresAt?.toISOString() ?? null, content_type: type.contentType, extension: type.extension, kind: type.kind, size, ...facts };
  }
}

function notFound(id: string): AppError {
  return new AppError(404, 'media_not_found', `No media with id "${id}" exists (it may have been deleted).`);
}

function tooLarge(message: string): AppError {
  return new AppError(413, 'file_too_large', message);
}

function unsupported(detected: Detected | undefined): AppError {
  const what = detected
    ? `This file is ${detected.ext} (${detected.mime}), which the send endpoint does not accept.`
    : 'The type of this file could not be recognised from its contents (text, HTML and SVG are not accepted).';
  return new AppError(415, 'unsupported_media_type', `${what} Supported: ${SUPPORTED_LIST}.`);
}
