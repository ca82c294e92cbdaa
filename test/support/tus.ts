/**
 * tus-js-client (the real client apps use) driven from the tests, and polling a finished upload's outcome.
 */
import { Upload, type UploadOptions } from 'tus-js-client';
import { vi } from 'vitest';
import { MediaStatusResponseSchema } from '../../src/http/schemas.js';

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
      onShouldRetry: () => {
        sawError = true;
        return true;
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
