import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ErrorSchema, MediaResponseSchema } from '../../src/http/schemas.js';

/** A multipart body with the given text fields and files, encoded by undici as a browser would. */
export function form(fields: Record<string, string>, files: { name?: string; filename: string; bytes: Uint8Array; type?: string }[] = []): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const f of files) fd.append(f.name ?? 'file', new Blob([f.bytes], { type: f.type ?? 'application/octet-stream' }), f.filename);
  return fd;
}

/** Asserts the error envelope: status, code, and a sentence (checked against the same schema the API declares). */
export async function expectError(res: Response, status: number, code: string): Promise<string> {
  const body = await res.json();
  expect({ status: res.status, code: body.code }).toEqual({ status, code });
  const parsed = ErrorSchema.parse(body);
  expect(parsed.error.length).toBeGreaterThan(10);
  return parsed.error;
}

export async function expectMedia(res: Response, status = 201) {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  return MediaResponseSchema.parse(body).media;
}

/** Every file under the store's folder, sidecars and temporary files included. */
export async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(join(d, e.name).slice(dir.length + 1));
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * `bytes` as a stream of `piece`-byte pieces, the first `first` bytes long when given. With `spaced`, each piece
 * comes a turn of the event loop after the last, as from a socket, so that other requests' work runs in between.
 */
export function inPieces(bytes: Uint8Array, piece: number, options: { first?: number; spaced?: boolean } = {}): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    async pull(controller) {
      if (options.spaced) await new Promise((resolve) => setTimeout(resolve, 0));
      if (at >= bytes.length) return controller.close();
      const end = at === 0 && options.first ? options.first : at + piece;
      controller.enqueue(bytes.slice(at, end));
      at = end;
    },
  });
}

/** A body produced on demand, `chunk` bytes at a time, recording how much the server actually pulled. */
export function lazyBody(total: number, chunk = 64 * 1024, first?: Uint8Array) {
  const state = { pulled: 0 };
  let sentFirst = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (first && !sentFirst) {
        sentFirst = true;
        state.pulled += first.length;
        return controller.enqueue(first);
      }
      if (state.pulled >= total) return controller.close();
      const n = Math.min(chunk, total - state.pulled);
      state.pulled += n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
  });
  return { stream, state };
}
