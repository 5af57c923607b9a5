// Row selections as runs of consecutive rows. Filters keep long runs (a 1%
// drop rate leaves runs of ~100 rows), so gathering a run at once — one
// buffer copy per run instead of one per row — is what makes filtering cheap.

/** Row ranges `[starts[r], ends[r])`, gathered in this order (ascending and disjoint when from a mask). */
export interface RowRuns {
  /** First row of each run. */
  readonly starts: Int32Array;
  /** One past the last row of each run. */
  readonly ends: Int32Array;
  /** Number of runs. */
  readonly count: number;
  /** Rows in all runs together. */
  readonly rows: number;
}

/**
 * The runs of rows `i < length` where `mask[i] === 1`.
 * @example `runsOfMask(Uint8Array.of(1, 1, 0, 1), 4) // starts [0, 3], ends [2, 4], rows 3`
 */
export function runsOfMask(mask: Uint8Array, length: number): RowRuns {
  let count = 0;
  let prev = false;
  for (let i = 0; i < length; i++) {
    const on = mask[i] === 1;
    if (on && !prev) count++;
    prev = on;
  }
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  let r = 0;
  let rows = 0;
  let i = 0;
  while (r < count) {
    while (mask[i] !== 1) i++;
    const start = i;
    while (i < length && mask[i] === 1) i++;
    starts[r] = start;
    ends[r++] = i;
    rows += i - start;
  }
  return { starts, ends, count, rows };
}

/**
 * Runs of an index list, in its order: consecutive indices (`j, j+1, …`)
 * form one run. Indices need not ascend; each run is copied where it falls.
 * @example `runsOfIndices(Int32Array.of(4, 5, 6, 1)) // starts [4, 1], ends [7, 2]`
 */
export function runsOfIndices(indices: Int32Array): RowRuns {
  const n = indices.length;
  let count = 0;
  for (let k = 0; k < n; k++) if (k === 0 || indices[k] !== indices[k - 1]! + 1) count++;
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  let r = -1;
  for (let k = 0; k < n; k++) {
    const j = indices[k]!;
    if (k === 0 || j !== indices[k - 1]! + 1) starts[++r] = j;
    ends[r] = j + 1;
  }
  return { starts, ends, count, rows: n };
}
