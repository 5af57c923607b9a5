// Bounded concurrency for I/O fan-out (footer reads, deletes, multipart
// uploads): at most `limit` calls in flight, items taken in order.

/**
 * Runs `fn` over `items` with at most `limit` calls in flight; rejects with
 * the first failure (calls already started still run to their end).
 *
 * @example
 * await forEachLimit(paths, 16, (p) => storage.delete(p));
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
