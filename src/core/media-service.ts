import { AppError, formatBytes, isAppError } from './errors.js';
import type { Metrics } from './metrics.js';
import { MEDIA_ID, mediaKey, newMediaId, recordKey, safeFilename } from './keys.js';
import { MAX_MEDIA_BYTES, SUPPORTED_LIST, mediaTypeForExtension, type MediaKind, type MediaType } from './policy.js';
import type { Clock, Hasher, ImageOptions, ImageProcessor, Logger, MediaStore } from './ports.js';
import { guardStorage } from './storage-guard.js';
import { detectType, sampleBytesWanted, type Detected } from './sniff.js';
import { peek, readAll, tap } from './streams.js';

export interface Media {
  id: string;
  url: string;
  expires_at: string | null;
  content_type: string;
  extension: string;
  kind: MediaKind;
  size: number;
  sha256: string;
  width?: number;
  height?: number;
  transformations?: string[];
  original: { filename: string | null; content_type: string | null; size: number; width?: number; height?: number };
}

/** What is kept in storage beside each file, so GET and DELETE work on any instance. */
type MediaRecord = Omit<Media, 'url' | 'expires_at'> & { key: string; created_at: string };

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
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * Hosts raw files: finds out from the bytes what they are, enforces the send endpoint's limits, fits images,
 * stores the file and its record, and hands back a URL a carrier can fetch anonymously.
 */
export class MediaService {
  private readonly deps: MediaServiceDeps;

  constructor(deps: MediaServiceDeps) {
    this.deps = { ...deps, store: guardStorage(deps.store, deps.logger) };
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
    const { head, stream } = await peek(input.body, sampleBytesWanted);
    if (head.length === 0) {
      await stream.cancel();
      throw new AppError(422, 'empty_file', 'The file is empty: there is nothing to send.');
    }
    const detected = await detectType(head);
    const image = detected && this.deps.images.accepts(detected);
    const type = detected && mediaTypeForExtension(detected.ext);
    if (!detected || (!image && !type)) {
      await stream.cancel();
      throw unsupported(detected);
    }
    seen.kind = image ? 'image' : type!.kind;
    const limit = image ? this.deps.images.maxInputBytes : type!.maxBytes;
    const limitLabel = image ? 'images before processing' : `${type!.extension} files`;
    if (input.declaredSize !== undefined && input.declaredSize > limit) {
      await stream.cancel();
      throw tooLarge(`The file is ${formatBytes(input.declaredSize)}; the limit for ${limitLabel} is ${formatBytes(limit)}.`);
    }
    // One pass over the bytes: counted against the limit (stopping at once past it) and, for files stored as
    // they stream, hashed (an image's hash is taken of what is stored, after processing).
    const hasher = image ? undefined : this.deps.sha256();
    let received = 0;
    const counted = stream.pipeThrough(
      tap((chunk) => {
        received += chunk.length;
        if (received > limit) throw tooLarge(`The file is larger than ${formatBytes(limit)}, the limit for ${limitLabel}.`);
        hasher?.update(chunk);
      }),
    );
    const original = { filename: input.filename ?? null, content_type: input.declaredContentType ?? null };
    return image
      ? this.hostImage(counted, detected, original, input.image)
      : this.hostStream(counted, type!, original, () => ({ size: received, sha256: hasher!.digestHex() }));
  }

  async get(id: string): Promise<Media> {
    return this.present(await this.readRecord(id));
  }

  /** Removes the file and its record; its URL stops serving (a CDN in front may keep a copy until it expires). */
  async delete(id: string): Promise<void> {
    const record = await this.readRecord(id);
    await this.deps.store.delete(record.key);
    await this.deps.store.delete(recordKey(id));
  }

  /** Non-image files flow straight to storage: memory does not grow with their size. */
  private async hostStream(
    body: ReadableStream<Uint8Array>,
    type: MediaType,
    original: Original,
    digest: () => { size: number; sha256: string },
  ): Promise<Media> {
    const id = newMediaId();
    const key = mediaKey(id, type.extension);
    await this.deps.store.put(key, body, { contentType: type.contentType, filename: safeFilename(original.filename ?? undefined, type.extension) });
    const { size, sha256 } = digest();
    return this.save(key, {
      id,
      content_type: type.contentType,
      extension: type.extension,
      kind: type.kind,
      size,
      sha256,
      original: { ...original, size },
    });
  }

  /** Images are small enough to hold: the processor needs them whole to orient, strip and fit them. */
  private async hostImage(body: ReadableStream<Uint8Array>, detected: Detected, original: Original, options: Partial<ImageOptions> = {}) {
    const bytes = await readAll(body);
    const started = Date.now();
    const out = await this.deps.images.process(
      { bytes, detected },
      { optimize: options.optimize ?? 'auto', keepMetadata: options.keepMetadata ?? false },
    );
    this.deps.metrics?.imageSeconds.observe((Date.now() - started) / 1000);
    const type = mediaTypeForExtension(out.extension);
    if (!type) throw new Error(`image processor produced ${out.extension}, which is not a carrier format`);
    const hasher = this.deps.sha256();
    hasher.update(out.bytes);
    const id = newMediaId();
    const key = mediaKey(id, type.extension);
    await this.deps.store.put(key, out.bytes, {
      contentType: type.contentType,
      contentLength: out.bytes.length,
      filename: safeFilename(original.filename ?? undefined, type.extension),
    });
    return this.save(key, {
      id,
      content_type: type.contentType,
      extension: type.extension,
      kind: 'image',
      size: out.bytes.length,
      sha256: hasher.digestHex(),
      width: out.width,
      height: out.height,
      transformations: out.transformations,
      original: { ...original, size: bytes.length, width: out.original.width, height: out.original.height },
    });
  }

  /** Writes the record beside the file; if that fails the file goes too, so nothing is left half-made. */
  private async save(key: string, fields: Omit<MediaRecord, 'key' | 'created_at'>): Promise<Media> {
    const record: MediaRecord = { ...fields, key, created_at: this.deps.clock.now().toISOString() };
    try {
      const media = await this.present(record); // first: if no URL can be made, nothing is kept
      await this.deps.store.put(recordKey(record.id), new TextEncoder().encode(JSON.stringify(record)), {
        contentType: 'application/json',
      });
      return media;
    } catch (err) {
      await this.deps.store.delete(key).catch(() => undefined);
      throw err;
    }
  }

  private async readRecord(id: string): Promise<MediaRecord> {
    const found = MEDIA_ID.test(id) ? await this.deps.store.get(recordKey(id)) : null;
    if (!found) throw new AppError(404, 'media_not_found', `No media with id "${id}" exists (it may have been deleted).`);
    return JSON.parse(new TextDecoder().decode(await readAll(found.body))) as MediaRecord;
  }

  private async present(record: MediaRecord): Promise<Media> {
    const { key, created_at: _created, id, ...fields } = record;
    const { url, expiresAt } = await this.deps.store.publicUrl(key);
    return { id, url, expires_at: expiresAt?.toISOString() ?? null, ...fields };
  }
}

type Original = { filename: string | null; content_type: string | null };

function tooLarge(message: string): AppError {
  return new AppError(413, 'file_too_large', message);
}

function unsupported(detected: Detected | undefined): AppError {
  const what = detected
    ? `This file is ${detected.ext} (${detected.mime}), which the send endpoint does not accept.`
    : 'The type of this file could not be recognised from its contents (text, HTML and SVG are not accepted).';
  return new AppError(415, 'unsupported_media_type', `${what} Supported: ${SUPPORTED_LIST}.`);
}
