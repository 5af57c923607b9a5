// Loads a list of items in order while keeping the next few loads in
// flight, so that reading (and off-thread decoding) of the next files
// overlaps with the caller's work on the current one.

/**
 * Yields `load(item)` for every item, in order, with up to `depth` loads
 * running at once. A failed load throws when its turn comes; loads still in
 * flight when the caller stops are left to finish unobserved.
 *
 * @example
 * for await (const rows of readAhead(files, 2, (add) => scanFileRows(storage, snapshot, add, ['id']))) probe(rows);
 */
export async function* readAhead<T, R>(items: readonly T[], depth: number, load: (item: T) => Promise<R>): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const fill = () => {
    while (next < items.length && pending.length < Math.max(1, depth)) {
      const p = load(items[next++]);
      // Observed here so an early stop never reports it as unhandled; the caller still sees it in turn.
      p.catch(() => undefined);
      pending.push(p);
    }
  };
  fill();
  while (pending.length > 0) {
    const value = await pending.shift()!;
    // The next load starts as this one's value goes to the caller, so `depth` stay in flight while it works.
    fill();
    yield value;
  }
}
