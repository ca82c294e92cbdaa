/**
 * tus-js-client (the real client apps use) driven from the tests, and polling a finished upload's outcome.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Upload, type UploadOptions } from 'tus-js-client';
import { vi } from 'vitest';
import type { ResumableUploads } from '../../src/core/resumable-uploads.js';
import { MediaStatusResponseSchema } from '../../src/http/schemas.js';
import { deliverableMp4 } from './av-fixtures.js';

export interface TusResult {
  /** The upload's URL (Location), and its id (the last segment). */
  url: string;
  id: string;
  /** Offsets the client resumed from after an error (HEAD answers), in order. */
  resumedFrom: number[];
}

/** Uploads `bytes` with tus-js-client; resolves once the server has every byte. */
export function tusUpload(endpoint: string, bytes: Buffer, options: Partial<UploadOptions> = {}): Promise<TusResult> {
  return new Promise((resolve, reject) => {
    const resumedFrom: number[] = [];
    let sawError = false;
    const upload: Upload = new Upload(bytes, {
      endpoint,
      retryDelays: [0, 50, 100, 200],
      ...options,
      // tus-js-client's own rule (a network error, 5xx, 409 or 423 is retried), noting that a retry began.
      onShouldRetry: (err) => {
        const status = err.originalResponse?.getStatus() ?? 0;
        sawError = true;
        return status < 400 || status >= 500 || status === 409 || status === 423;
      },
      onAfterResponse: (req, res) => {
        if (sawError && req.getMethod() === 'HEAD' && res.getStatus() === 200) {
          sawError = false;
          resumedFrom.push(Number(res.getHeader('Upload-Offset')));
        }
      },
      onError: reject,
      onSuccess: () => {
        const url = upload.url!;
        resolve({ url, id: url.slice(url.lastIndexOf('/') + 1), resumedFrom });
      },
    });
    upload.start();
  });
}

/** GET /v1/uploads/{id}/media until it is no longer processing; the last answer. */
export async function settledUpload(baseUrl: string, id: string, headers: Record<string, string> = {}): Promise<Response> {
  let last!: Response;
  await vi.waitUntil(
    async () => {
      last = await fetch(`${baseUrl}/v1/uploads/${id}/media`, { headers });
      if (last.status !== 200) return true;
      return MediaStatusResponseSchema.parse(await last.clone().json()).status !== 'processing';
    },
    { timeout: 120_000, interval: 50 },
  );
  return last;
}

/** A short deliverable MP4 followed by a `free` box of random bytes (which players skip), `total` bytes in all. */
export async function paddedVideo(total: number): Promise<Buffer> {
  const clip = await deliverableMp4();
  const box = Buffer.alloc(8);
  box.writeUInt32BE(total - clip.length, 0);
  box.write('free', 4, 'latin1');
  return Buffer.concat([clip, box, randomBytes(total - clip.length - 8)]);
}

/** From now on, the SHA-256 of every staged upload the pipeline reads to its end, in order. */
export function hashWhatIsRead(port: ResumableUploads): string[] {
  const hashes: string[] = [];
  const read = port.read.bind(port);
  vi.spyOn(port, 'read').mockImplementation(async (id) => {
    const hash = createHash('sha256');
    const { body, etag } = await read(id);
    return { body: body.pipeThrough(new TransformStream({ transform: (chunk, c) => (hash.update(chunk), c.enqueue(chunk)), flush: () => void hashes.push(hash.digest('hex')) })), etag };
  });
  return hashes;
}
