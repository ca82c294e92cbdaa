/**
 * Reads a byte string bit by bit, most significant bit first, as codec headers are written (H.264 parameter sets,
 * MPEG-4 audio configurations). Reading past the end never throws: it sets `overrun`, and what was read is then
 * not to be trusted, so a caller checks `overrun` before using any value.
 */
export class BitReader {
  private at = 0;
  overrun = false;

  constructor(private readonly bytes: Uint8Array) {}

  /** Bits not read yet. */
  get left(): number {
    return Math.max(0, this.bytes.length * 8 - this.at);
  }

  /** The next `n` bits (at most 32) as an unsigned number. */
  bits(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) {
      if (this.at >= this.bytes.length * 8) {
        this.overrun = true;
        return 0;
      }
      const bit = (this.bytes[this.at >> 3]! >> (7 - (this.at & 7))) & 1;
      value = value * 2 + bit;
      this.at++;
    }
    return value;
  }

  flag(): boolean {
    return this.bits(1) === 1;
  }

  /** An unsigned Exp-Golomb number (H.264 ue(v)); more than 31 leading zeros cannot be one and counts as an overrun. */
  ue(): number {
    let zeros = 0;
    while (!this.overrun && this.bits(1) === 0) {
      if (++zeros > 31) {
        this.overrun = true;
        return 0;
      }
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  /** A signed Exp-Golomb number (H.264 se(v)). */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}
