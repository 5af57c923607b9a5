// Per-commit latency summary shared by the TypeScript commit process; the
// Python one (commit_deltars.py) computes the same fields the same way.

/** Milliseconds at the given quantile (nearest rank) of per-commit seconds. */
export function quantileMs(seconds: readonly number[], q: number): number {
  const sorted = [...seconds].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[rank]! * 1e5) / 100;
}
