import { tap } from '../core/streams.js';
import { replaceBody } from './limits.js';

/**
 * The bytes of a tus PATCH from offset 0, kept as they pass on to staging, up to `cap` (no more than a file kept as
 * sent may have): when that one request brings the whole upload, it is hosted from these bytes instead of being
 * read back from staging. The chunks are the request's own (nothing is copied); past `cap` they are let go.
 */
export class HeldBody {
  private chunks: Uint8Array[] | undefined = [];
  private size = 0;

  constructor(private readonly cap: number) {}

  /** Whether `request` may bring a whole upload: a PATCH from the first byte. */
  static fits(request: Request): boolean {
    return request.method === 'PATCH' && request.headers.get('upload-offset') === '0' && request.body !== null;
  }

  /** `request` with its body passing through here. */
  through(request: Request): Request {
    return replaceBody(request, request.body!.pipeThrough(tap((chunk) => this.keep(chunk))));
  }

  private keep(chunk: Uint8Array): void {
    if (!this.chunks) return;
    this.size += chunk.length;
    if (this.size <= this.cap) this.chunks.push(chunk);
    else this.chunks = undefined;
  }

  /**
   * The whole upload, when exactly `size` bytes passed (the store takes the body's bytes in order, so these are the
   * staged ones), handed over once; undefined otherwise. Either way this lets go of them.
   */
  take(size: number): readonly Uint8Array[] | undefined {
    const chunks = this.size === size ? this.chunks : undefined;
    this.chunks = undefined;
    return chunks;
  }
}
