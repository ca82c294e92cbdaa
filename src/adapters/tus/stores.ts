import { mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { FileConfigstore, FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import type { DataStore, Upload } from '@tus/server';
import { JOB_ID } from '../../core/media-jobs.js';

/**
 * The two places a tus upload is staged while it arrives, as @tus/server's own stores with two additions the
 * service needs: `describe` (an upload's record without counting its bytes, to check who owns it on every request)
 * and a `remove` that takes everything an upload left, whatever state it is in, and never fails for one that is
 * already gone.
 */
export interface StagingStore extends DataStore {
  /** The upload's record as created (size, metadata, creation date), or null; its offset is not read. */
  describe(id: string): Promise<Upload | null>;
  /**
   * A finished upload's bytes, and the version (ETag) of the object they are read from when it is one in the bucket:
   * a copy of that object made on that condition is a copy of these bytes.
   */
  readFinished(id: string): Promise<{ body: Readable; etag?: string }>;
  remove(id: string): Promise<void>;
  /** remove() for an upload whose last byte is in: only its bytes and record are left. */
  removeFinished(id: string): Promise<void>;
  /**
   * Forgets what this process read of the upload's record: at the end of each request, so that the next request
   * (which another instance may have changed the upload before) reads it again, and so that nothing piles up.
   */
  forget(id: string): Promise<void>;
}

/**
 * The tus extensions offered: all the stores have but `creation-defer-length`. Every upload states its length when
 * it is created, so that it is checked against the limit before anything is stored.
 */
const withoutDeferredLength = (extensions: string[]) => extensions.filter((e) => e !== 'creation-defer-length');

/**
 * @tus/file-store's records (`<id>.json`), except that one that cannot be read is an error (503 to the client, which
 * retries), not "no such upload" (404, after which a client starts again from 0): only a missing file is that.
 */
class UploadRecords extends FileConfigstore {
  override async get(key: string): Promise<Upload | undefined> {
    if (!JOB_ID.test(key)) return undefined; // ids are the server's own (random, base64url): never a path
    try {
      return JSON.parse(await readFile(join(this.directory, `${key}.json`), 'utf8')) as Upload;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
}

/** STORAGE_DRIVER=local: a folder of its own (the media folder's `uploads/tus`, never served). */
export class StagingFileStore extends FileStore implements StagingStore {
  constructor(private readonly folder: string, expirationPeriodInMilliseconds: number) {
    // Made here, at start-up, so that a folder that cannot be made stops the start with its error: FileStore makes
    // it too, but throws its error from a callback, where it would end the process later.
    mkdirSync(folder, { recursive: true });
    super({ directory: folder, expirationPeriodInMilliseconds, configstore: new UploadRecords(folder) });
    this.extensions = withoutDeferredLength(this.extensions);
  }

  async describe(id: string): Promise<Upload | null> {
    return (await this.configstore.get(id)) ?? null;
  }

  async readFinished(id: string): Promise<{ body: Readable }> {
    return { body: this.read(id) as Readable };
  }

  override async remove(id: string): Promise<void> {
    // Ids are the server's own (random, base64url; see TusServerOptions.prefix): never a path.
    await rm(join(this.folder, id), { force: true });
    await rm(join(this.folder, `${id}.json`), { force: true });
  }

  removeFinished(id: string): Promise<void> {
    return this.remove(id);
  }

  async forget(): Promise<void> {} // the record is read from its file each time
}

/**
 * STORAGE_DRIVER=s3: in the media bucket, under the staging prefix the ids carry. @tus/s3-store's own remove
 * leaves the `.part` object (bytes short of a whole part) behind and gives up on a finished upload (no multipart
 * upload left to abort), and its sweep of expired uploads lists every multipart upload in the bucket; both are
 * replaced here, with single-object deletes (which every S3-compatible store has) rather than DeleteObjects.
 */
export class StagingS3Store extends S3Store implements StagingStore {
  constructor(private readonly prefix: string, options: ConstructorParameters<typeof S3Store>[0]) {
    super(options);
    this.extensions = withoutDeferredLength(this.extensions);
  }

  /** Throws when the store cannot say (unreachable): a client told "no such upload" would start again from 0. */
  async describe(id: string): Promise<Upload | null> {
    try {
      return (await this.getMetadata(id)).file;
    } catch (err) {
      const { name, $metadata } = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (name === 'NoSuchKey' || $metadata?.httpStatusCode === 404) return null; // no `.info` object: no such upload
      throw err;
    }
  }

  /**
   * A PATCH at the last offset (no bytes: a client making sure it is done) adds nothing to a finished upload, and
   * must not touch it: @tus/s3-store would list the parts of a multipart upload that is complete (NoSuchUpload, a
   * 500). Its body is still read, so that a byte past the end fails in @tus/server's limit (413).
   */
  override async write(src: Readable, id: string, offset: number): Promise<number> {
    const { file } = await this.getMetadata(id);
    if (offset < (file.size ?? Number.POSITIVE_INFINITY)) return super.write(src, id, offset);
    await finished(src.resume());
    return offset;
  }

  async readFinished(id: string): Promise<{ body: Readable; etag?: string }> {
    const object = await this.client.getObject({ Bucket: this.bucket, Key: id });
    return { body: object.Body as Readable, etag: object.ETag };
  }

  override async remove(id: string): Promise<void> {
    const uploadId = await this.getMetadata(id).then((m) => m['upload-id'], () => undefined);
    if (uploadId) await this.abort(id, uploadId);
    await this.deleteObjects(id, this.everyObject(id));
  }

  /** Once complete, the multipart upload is the data object and the `.part` has been sent as the last part. */
  removeFinished(id: string): Promise<void> {
    return this.deleteObjects(id, [id, this.infoKey(id)]);
  }

  /** What an upload may have left in any state: its data, its `.info`, and its `.part` (bytes short of a part). */
  private everyObject(id: string): string[] {
    return [id, this.infoKey(id), this.partKey(id, true)];
  }

  private async abort(id: string, uploadId: string): Promise<void> {
    await this.client.abortMultipartUpload({ Bucket: this.bucket, Key: id, UploadId: uploadId }).catch((err: { name?: string }) => {
      if (err.name !== 'NoSuchUpload') throw err; // finished (its parts are the data object now), or aborted already
    });
  }

  /** The upload's objects, one delete each (which every S3-compatible store has), and what this process read of it. */
  private async deleteObjects(id: string, keys: string[]): Promise<void> {
    await Promise.all(keys.map((Key) => this.client.deleteObject({ Bucket: this.bucket, Key })));
    await this.clearCache(id);
  }

  forget(id: string): Promise<void> {
    return this.clearCache(id);
  }

  /** Removes the staged uploads whose multipart upload began longer ago than the expiration period. */
  override async deleteExpired(): Promise<number> {
    let removed = 0;
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await this.client.listMultipartUploads({ Bucket: this.bucket, Prefix: this.prefix, ...markers });
      const expired = (page.Uploads ?? []).filter((u) => u.Key && u.Initiated && u.Initiated.getTime() + this.getExpiration() < Date.now());
      for (const { Key, UploadId } of expired) {
        // The multipart upload as listed, also when its `.info` (where remove() looks for its id) was never written.
        await this.abort(Key!, UploadId!);
        await this.deleteObjects(Key!, this.everyObject(Key!));
      }
      removed += expired.length;
      if (!page.IsTruncated) return removed;
      markers = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
  }
}
