import { BlockPool, PooledBytes } from './block-pool.js';
import { isAppError } from './errors.js';
import { factsFromMetadata, mediaNotFound as notFound, originalText, factsToMetadata, type Media, type MediaFacts, type Original } from './media-record.js';
import type { Metrics } from '../lib/metrics.js';
import { Pieces, spliced } from '../lib/pieces.js';
import { MEDIA_ID, newMediaId, safeFilename } from './keys.js';
import { MediaJobs } from './media-jobs.js';
import { receiveAv } from './av-upload.js';
import { receiveFile } from './receive-file.js';
import {
  checkPlayable,
  mediaTypeForExtension,
  refuse,
  resolveAvOptions,
  resolveImageOptions,
  type Limits,
  type MediaType,
  type SizeLimit,
} from './policy.js';
import type { AvOptions, AvProcessor, FileContent, Hasher, ImageOptions, ImageProcessor, Logger, MediaStore } from './ports.js';
import { guardStorage } from './storage-guard.js';
import type { Detected } from './sniff.js';

export type { Media };

export interface UploadInput {
  body: ReadableStream<Uint8Array>;
  /** The file's own length when the request declares it (raw uploads). */
  declaredSize?: number;
  filename?: string;
  declaredContentType?: string;
  image?: Partial<ImageOptions>;
  /** Video and audio: `trim` (optimize and keep_metadata come from `image`, which they share). */
  av?: Partial<Pick<AvOptions, 'trim'>>;
  /** The random part of the media id, when it was given out before (a background job's id); else a new one. */
  key?: string;
  /**
   * The object of the media store `body` is read from (a staged upload), with the ETag it had when read: a file
   * stored byte for byte is then copied there by the store (see MediaStore.copy) instead of sent to it again.
   */
  source?: { key: string; etag?: string };
  /** Called once the file is accepted for processing: its kind named from its bytes, and within its limit so far. */
  onAccepted?: () => void;
  /** Told how far a conversion has got (0 to 1), when the converter can say. */
  onProgress?: (fraction: number) => void;
}

export interface MediaServiceDeps {
  store: MediaStore;
  images: ImageProcessor;
  /**
   * Video and audio (ffmpeg, or the stand-in that only lets deliverable files pass). Without it, video and audio
   * of the endpoint's types are stored as sent, as any other file.
   */
  av?: AvProcessor;
  /** Every byte limit, computed once at the entry (see Limits). */
  limits: Limits;
  sha256: () => Hasher;
  logger: Logger;
  metrics?: Metrics;
  /** Memory for files while they are received and stored. Default: a pool that keeps no free blocks. */
  blocks?: BlockPool;
  /**
   * How long a background job (Prefer: respond-async) may take before it is reported failed even if no instance
   * finished it: MEDIA_PROCESS_TIMEOUT_MS and a margin for receiving and storing. Default 3 minutes.
   */
  jobDeadlineMs?: number;
}

/**
 * Hosts raw files: finds out from the bytes what they are, enforces the send endpoint's limits, fits images,
 * stores the file with its record, and hands back a URL a carrier can fetch anonymously.
 */
export class MediaService {
  private readonly deps: MediaServiceDeps;
  private readonly blocks: BlockPool;
  /** Background uploads (Prefer: respond-async) and their records. */
  readonly jobs: MediaJobs;

  constructor(deps: MediaServiceDeps) {
    this.deps = { ...deps, store: guardStorage(deps.store, deps.logger) };
    this.blocks = deps.blocks ?? new BlockPool({ keepBytes: 0 });
    this.jobs = new MediaJobs({ ...this.deps, media: this });
  }

  /** Whether video and audio are converted here (ffmpeg), rather than only passed when deliverable. */
  get convertsMedia(): boolean {
    return this.deps.av?.converts ?? false;
  }

  /** The limits this service enforces; http reads the same value (largest body, idempotency cap). */
  get limits(): Limits {
    return this.deps.limits;
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
    if (input.declaredSize !== undefined && input.declaredSize > this.limits.maxBodyBytes) {
      await input.body.cancel().catch(() => undefined);
      throw refuse.bodyTooLarge('file', input.declaredSize, this.limits.maxBodyBytes);
    }
    const reader = input.body.getReader();
    const file = new PooledBytes(this.blocks);
    const received = await receiveFile(this.deps, reader, file, input.declaredSize, seen).catch((err: unknown) => {
      // Refused part-way, or the body failed: nothing more is wanted from it. No reason is passed: some sources
      // (Node streams) would re-emit it as their own error.
      reader.cancel().catch(() => undefined);
      file.release();
      throw err;
    });
    input.onAccepted?.();
    const original = { filename: originalText(input.filename), content_type: originalText(input.declaredContentType) };
    if (received.av) return this.hostAv(file, reader, received, original, { ...resolveAvOptions({ ...input.image, ...input.av }), onProgress: input.onProgress }, input);
    if (received.image) return this.hostImage(file, received.detected, original, input.image, input.key);
    const { type, sha256, change } = received;
    const chunks = spliced(file.views(), change?.splice);
    const content = { chunks, size: chunks.reduce((n, c) => n + c.length, 0), sha256 };
    try {
      if (type.kind === 'video' || type.kind === 'audio') checkPlayable(type, new Pieces(chunks));
    } catch (err) {
      file.release();
      throw err;
    }
    const facts = { transformations: change ? [change.transformation] : [], original: { ...original, size: file.size } };
    const media = await this.save(type, content, facts, original.filename, { key: input.key, source: change ? undefined : input.source });
    // Not when saving failed: a write that timed out may still be sending these bytes, so they are left to the GC.
    file.release();
    return media;
  }

  async get(id: string): Promise<Media> {
    const { type, size, facts } = await this.find(id);
    return this.present(id, type, size, facts);
  }

  /**
   * The media this service hosts at `url`, found by its address alone (the address its store gives that media),
   * so that sending it needs no fetch; undefined for any other URL. Media once hosted here and since deleted is
   * a 404 (media_not_found).
   */
  async hostedAt(url: string): Promise<Media | undefined> {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    const id = parsed && decodeURIComponent(parsed.pathname.slice(parsed.pathname.lastIndexOf('/') + 1));
    if (!parsed || !id || !MEDIA_ID.test(id)) return undefined;
    const own = new URL((await this.deps.store.publicUrl(id)).url);
    if (own.origin !== parsed.origin || own.pathname !== parsed.pathname) return undefined;
    return this.get(id);
  }

  /** Removes the file (its record goes with it); its URL stops serving (a CDN in front may keep a copy until it expires). */
  async delete(id: string): Promise<void> {
    await this.find(id); // 404 for what this service did not store
    await this.deps.store.delete(id);
    await this.jobs.forgetMedia(id);
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
  private async hostImage(file: PooledBytes, detected: Detected, original: Original, options?: Partial<ImageOptions>, key?: string) {
    const started = Date.now();
    const size = file.size;
    const out = await this.deps.images
      .process({ size, read: () => file.takeOut(), detected }, resolveImageOptions(options))
      .finally(() => file.release());
    this.deps.metrics?.imageSeconds.observe((Date.now() - started) / 1000);
    const facts = {
      width: out.width,
      height: out.height,
      transformations: out.transformations,
      original: { ...original, size, width: out.original.width, height: out.original.height },
    };
    return this.saveProcessed(out, facts, original.filename, { key });
  }

  /** Video and audio: kept with its own bytes, or read on into the converter (see receiveAv); stored like a processed image. */
  private async hostAv(
    head: PooledBytes,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    received: { detected: Detected; limit: SizeLimit },
    original: Original,
    options: AvOptions,
    input: Pick<UploadInput, 'declaredSize' | 'key' | 'source'>,
  ): Promise<Media> {
    const hold = { budgetBytes: this.limits.budgetBytes, declaredSize: input.declaredSize, sha256: this.deps.sha256 };
    const av = await receiveAv({ av: this.deps.av!, detected: received.detected, head, reader, limit: received.limit }, options, hold);
    const out = 'kept' in av ? av.kept : av.processed;
    const size = 'kept' in av ? av.content.size : av.size;
    const facts = {
      width: out.width,
      height: out.height,
      duration: out.duration,
      transformations: out.transformations,
      original: { ...original, size, ...out.original },
    };
    // The upload's own bytes, passed once probed: copied from where they are staged, as those kept without a probe are.
    if (!('kept' in av)) return this.saveProcessed(av.processed, facts, original.filename, av.processed.asSent ? input : { key: input.key });
    const media = await this.save(mediaTypeForExtension(out.extension)!, av.content, facts, original.filename, input);
    head.release(); // as for any file kept as sent: not when saving failed (see hostCounted)
    return media;
  }

  /** Stores what a processor made, hashed, as the type its extension names (a processor making anything else is a bug). */
  private saveProcessed(out: { bytes: Uint8Array; extension: string }, facts: Omit<MediaFacts, 'sha256'>, filename: string | null, at: Pick<UploadInput, 'key' | 'source'>): Promise<Media> {
    const type = mediaTypeForExtension(out.extension);
    if (!type) throw new Error(`a processor produced ${out.extension}, which is not a carrier format`);
    const hasher = this.deps.sha256();
    hasher.update(out.bytes);
    return this.save(type, { chunks: [out.bytes], size: out.bytes.length, sha256: hasher.digestHex() }, facts, filename, at);
  }

  /**
   * Stores the file with its facts, in one write: afterwards both are there, or neither. A file whose bytes are
   * those of `at.source` is copied from there by the store when it can (a staged upload: its bytes are not sent
   * again), else written.
   */
  private async save(type: MediaType, content: FileContent, facts: Omit<MediaFacts, 'sha256'>, filename: string | null, at: Pick<UploadInput, 'key' | 'source'> = {}): Promise<Media> {
    const id = newMediaId(type.extension, at.key);
    const all = { sha256: content.sha256, ...facts };
    const media = await this.present(id, type, content.size, all); // first: if no URL can be made, nothing is stored
    const options = { contentType: type.contentType, filename: safeFilename(filename ?? undefined, type.extension), metadata: factsToMetadata(all) };
    const { store, logger } = this.deps;
    if (at.source && store.copy) {
      const copied = await store.copy(at.source.key, id, { ...options, ifMatch: at.source.etag }).then(
        () => true,
        (err: unknown) => {
          logger.warn('a staged upload could not be copied into place; writing its bytes instead', { from: at.source!.key, to: id, error: (err as Error)?.message ?? String(err) });
          return false;
        },
      );
      if (copied) return media;
    }
    await store.put(id, content, options);
    return media;
  }

  private async present(id: string, type: MediaType, size: number, facts: MediaFacts): Promise<Media> {
    const { url, expiresAt } = await this.deps.store.publicUrl(id);
    return { id, url, expires_at: expiresAt?.toISOString() ?? null, content_type: type.contentType, extension: type.extension, kind: type.kind, size, ...facts };
  }
}
