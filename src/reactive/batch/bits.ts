// Bit-level helpers for Arrow validity and boolean buffers (LSB-first bits).
// Copies work a destination byte at a time, shifting source bytes into place,
// so unaligned ranges (the rule after filtering or concatenating slices) cost
// about as much as aligned ones.

/**
 * Copies `len` bits from `src` at bit `srcOff` into `dst` at bit `dstOff`.
 * Destination bits in the range must be 0 on entry (a freshly allocated
 * buffer filled in increasing order); bits outside it are left as they are.
 * @example `copyBits(dst, 3, src, 0, 5) // dst bits 3..7 = src bits 0..4`
 */
export function copyBits(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void {
  if (len <= 0) return;
  let i = 0;
  // Head: single bits up to a destination byte boundary.
  for (; i < len && ((dstOff + i) & 7) !== 0; i++) {
    const s = srcOff + i;
    if ((src[s >> 3]! >> (s & 7)) & 1) {
      const d = dstOff + i;
      dst[d >> 3]! |= 1 << (d & 7);
    }
  }
  const whole = (len - i) >> 3;
  if (whole > 0) {
    const s = srcOff + i;
    const d = (dstOff + i) >> 3;
    const shift = s & 7;
    const sb = s >> 3;
    if (shift === 0) {
      dst.set(src.subarray(sb, sb + whole), d);
    } else {
      const back = 8 - shift;
      // The last byte may read one past the range; a missing byte reads as 0.
      for (let k = 0; k < whole; k++) dst[d + k] = ((src[sb + k]! >> shift) | ((src[sb + k + 1] ?? 0) << back)) & 0xff;
    }
    i += whole << 3;
  }
  // Tail: fewer than 8 bits, into a byte that may be shared with later data.
  for (; i < len; i++) {
    const s = srcOff + i;
    if ((src[s >> 3]! >> (s & 7)) & 1) {
      const d = dstOff + i;
      dst[d >> 3]! |= 1 << (d & 7);
    }
  }
}

/** Sets `len` bits to 1 from bit `off`. */
export function setBits(dst: Uint8Array, off: number, len: number): void {
  let i = 0;
  for (; i < len && ((off + i) & 7) !== 0; i++) dst[(off + i) >> 3]! |= 1 << ((off + i) & 7);
  const wholeStart = (off + i) >> 3;
  const whole = (len - i) >> 3;
  dst.fill(0xff, wholeStart, wholeStart + whole);
  for (i += whole << 3; i < len; i++) dst[(off + i) >> 3]! |= 1 << ((off + i) & 7);
}

/** Set bits per byte value, for {@link countSetBits}. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let c = 0;
  for (let x = b; x !== 0; x >>= 1) c += x & 1;
  return c;
});

/**
 * Number of 1 bits among the first `len` bits of `bits` (from bit 0).
 * @example `countSetBits(Uint8Array.of(0b1011), 3) === 2`
 */
export function countSetBits(bits: Uint8Array, len: number): number {
  const whole = len >> 3;
  let c = 0;
  for (let k = 0; k < whole; k++) c += POPCOUNT[bits[k]!]!;
  const rest = len & 7;
  if (rest > 0) c += POPCOUNT[bits[whole]! & ((1 << rest) - 1)]!;
  return c;
}
