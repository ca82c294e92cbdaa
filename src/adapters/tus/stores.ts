import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import { ERRORS, type DataStore, type Upload } from '@tus/server';

/**
 * The two places a tus upload is staged while it arrives, as @tus/server's own stores with two additions the
 * service needs: `describe` (an upload's record without counting its bytes, to check who owns it on every request)
 * and a `remove` that takes everything an upload left, whatever state it is in, and never fails for one that is
 * already gone.
 */
export interface StagingStore extends DataStore {
  /** The upload's record as created (size, metadata, creation date), or null; its offset is not read. */
  describe(id: string): Promise<Upload | null>;
  /** A finished upload's bytes. */
  read(id: string): Readable | Promise<Readable>;
  remove(id: string): Promise<void>;
}

/** STORAGE_DRIVER=local: a folder of its own (the media folder's `uploads/tus`, never served). */
export class StagingFileStore extends FileStore implements StagingStore {
  constructor(private readonly folder: string, expirationPeriodInMilliseconds: number) {
    super({ directory: folder, expirationPeriodInMilliseconds });
  }

  async describe(id: string): Promise<Upload | null> {
    return (await this.configstore.get(id)) ?? null;
  }

  override async remove(id: string): Promise<void> {
    // Ids are the server's own (random, base64url; see TusServerOptions.prefix): never a path.
    await rm(join(this.folder, id), { force: true });
    await rm(join(this.folder, `${id}.json`), { force: true });
  }
}

/**
 * STORAGE_DRIVER=s3: in the media bucket, under the staging prefix the ids carry. @tus/s3-store's own remove
 * aborts the multipart upload and deletes the data and `.info` objects, but leaves the `.part` object (bytes
 * short of a whole part) behind, and gives up on a finished upload (no multipart upload left to abort).
 */
export class StagingS3Store extends S3Store implements StagingStore {
  async describe(id: string): Promise<Upload | null> {
    try {
      return (await this.getMetadata(id)).file;
    } catch {
      return null; // no `.info` object: no such upload
    }
  }

  override async remove(id: string): Promise<void> {
    try {
      await super.remove(id);
    } catch (err) {
      if (err !== ERRORS.FILE_NOT_FOUND) throw err;
    }
    await this.client.deleteObjects({ Bucket: this.bucket, Delete: { Objects: [{ Key: id }, { Key: this.infoKey(id) }, { Key: this.partKey(id, true) }] } });
    await this.clearCache(id);
  }
}
