// Offsets plus a growing byte heap: the buffers of Arrow's Utf8 and Binary.
import { ensureCapacity, grow } from './columnBuilder.ts';

const encoder = new TextEncoder();
const MAX_OFFSET = 2 ** 31 - 1;

/** The growing buffers of a variable-width column. */
export class VarBytes {
  offsets = new Int32Array(1);
  bytes = new Uint8Array(0);
  /** Bytes used. */
  end = 0;

  /** Makes room for `n` more slots. */
  reserveSlots(length: number, n: number): void {
    this.offsets = ensureCapacity(this.offsets, length + 1, length + n + 1);
  }

  /** Makes room for `n` more bytes. */
  reserveBytes(n: number): void {
    const need = this.end + n;
    if (need > this.bytes.length) {
      if (need > MAX_OFFSET) throw new RangeError(`a batch column exceeds 2 GiB of string/binary data; use a smaller batchSize`);
      const next = new Uint8Array(Math.min(MAX_OFFSET, grow(this.bytes.length, need)));
      next.set(this.bytes.subarray(0, this.end));
      this.bytes = next;
    }
  }

  /**
   * Appends a string as UTF-8: a plain loop for the ASCII prefix (short strings
   * dominate and `encodeInto` has a fixed call cost), `encodeInto` for the rest.
   */
  writeString(s: string): void {
    const len = s.length;
    if (this.end + len * 3 > this.bytes.length) this.reserveBytes(len * 3);
    const bytes = this.bytes;
    let pos = this.end;
    let j = 0;
    for (; j < len; j++) {
      const c = s.charCodeAt(j);
      if (c >= 0x80) break;
      bytes[pos++] = c;
    }
    if (j < len) pos += encoder.encodeInto(j === 0 ? s : s.slice(j), bytes.subarray(pos)).written;
    this.end = pos;
  }

  /** Appends raw bytes. */
  writeBytes(b: Uint8Array): void {
    this.reserveBytes(b.length);
    this.bytes.set(b, this.end);
    this.end += b.length;
  }

  /** Hands off the buffers for `length` slots and starts over. */
  finish(length: number): { valueOffsets: Int32Array; data: Uint8Array } {
    const out = { valueOffsets: this.offsets.subarray(0, length + 1), data: this.bytes.subarray(0, this.end) };
    this.offsets = new Int32Array(1);
    this.bytes = new Uint8Array(0);
    this.end = 0;
    return out;
  }
}
