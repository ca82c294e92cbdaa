import type { PooledBytes } from './block-pool.js';
import type { Arriving } from './sniff.js';
import { Pieces } from '../lib/pieces.js';

/**
 * A request body read into pooled memory one piece at a time, when asked: detection reads only as far as it needs,
 * the rest of the file follows once its limit is known. `onPiece` sees every piece as it comes in (to hash it while
 * it is still in the CPU's cache).
 */
export class ArrivingBody implements Arriving {
  onPiece?: (piece: Uint8Array) => void;
  private ended = false;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly file: PooledBytes,
  ) {}

  get size(): number {
    return this.file.size;
  }

  async more(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.reader.read();
    if (r.done) {
      this.ended = true;
      return false;
    }
    this.file.append(r.value);
    this.onPiece?.(r.value);
    return true;
  }

  bytes(from: number, to: number): Uint8Array {
    return new Pieces(this.file.views()).slice(from, to);
  }

  /** Reads on while the file is not larger than `limit`: afterwards, either all of it is in, or it is larger. */
  async readUpTo(limit: number): Promise<void> {
    while (this.file.size <= limit && (await this.more()));
  }
}
