// The benches' seeded PRNG, so every tool and every run sees the same data.

/**
 * Deterministic 32-bit PRNG (mulberry32): uniform floats in [0, 1).
 * @example `const r = prng(7); r() === prng(7)()`
 */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
