// Z-order clustering of a partition's rows. The Z-order columns are handed
// to the native core as contiguous buffers; it maps each column to range
// ranks (position in sorted order scaled to a fixed bit width, so skewed and
// string columns interleave as well as uniform integers), interleaves them
// into a 64-bit Morton (or Hilbert) key and sorts rows by it — on worker
// threads, off the JS event loop. The result is the row order.

import { availableParallelism } from 'node:os';
import * as arrow from 'apache-arrow';
import { native } from '../../native/addon.ts';

/** The space-filling curve rows are ordered along. */
export type ClusteringCurve = 'morton' | 'hilbert';

/** A run of rows of a Z-order column, in Arrow layout, read in place by the native core. */
interface NativeChunk {
  length: number;
  data: ArrayBufferView;
  offsets?: Int32Array;
  /** Validity bitmap; bit `validOffset + i` belongs to row i. */
  valid?: Uint8Array;
  validOffset?: number;
}

/** One Z-order column, as the native core reads it: its chunks cover the rows in order. */
interface NativeColumn {
  kind: 0 | 1 | 2 | 3;
  chunks: NativeChunk[];
}

interface MaintenanceNative {
  clusterOrder(columns: NativeColumn[], rows: number, curve: 0 | 1, threads: number): Promise<Uint32Array>;
  clusterOrder(columns: NativeColumn[], rows: number, curve: 0 | 1, threads: number, levels: number[]): Promise<{ order: Uint32Array; cells: Uint32Array }>;
  clusterKey(ranks: number[], bits: number, curve: 0 | 1): bigint;
}

const core = native as unknown as MaintenanceNative;

/**
 * The order of `data`'s rows along the Z-order (or Hilbert) curve of
 * `columns`: `order[i]` is the index of the row that goes i-th.
 *
 * @example
 * const order = await clusterOrder(table, ['customer_id', 'ts']);
 */
export async function clusterOrder(
  data: arrow.Table,
  columns: readonly string[],
  options: { curve?: ClusteringCurve; threads?: number; table?: string } = {},
): Promise<Uint32Array> {
  const cols = nativeColumns(data, columns, options.table);
  return core.clusterOrder(cols, data.numRows, options.curve === 'hilbert' ? 1 : 0, options.threads ?? availableParallelism());
}

/**
 * Like {@link clusterOrder}, but first groups rows into `cells` grid cells
 * (see {@link gridLevels}) ordered along a coarse Z-curve, each cell then in
 * fine Z-order: cutting files at cell boundaries gives every file a narrow
 * range in every Z-order column. `cells[i]` is the cell of the i-th row of the order.
 *
 * @example
 * const { order, cells } = await clusterCells(table, ['customer_id', 'ts'], 12);
 */
export async function clusterCells(
  data: arrow.Table,
  columns: readonly string[],
  cellCount: number,
  options: { curve?: ClusteringCurve; threads?: number; table?: string } = {},
): Promise<{ order: Uint32Array; cells: Uint32Array }> {
  const cols = nativeColumns(data, columns, options.table);
  const levels = gridLevels(cellCount, columns.length).flatMap((l) => [l.dim, l.radix]);
  return core.clusterOrder(cols, data.numRows, options.curve === 'hilbert' ? 1 : 0, options.threads ?? availableParallelism(), levels);
}

/**
 * Grid levels for `cells` cells over `dims` columns: the prime factors of the
 * cell count, largest first, dealt round-robin to the columns starting with
 * the first (the most significant Z-order column). 12 cells over two columns
 * → [col 0 ÷3, col 1 ÷2, col 0 ÷2]: 6 slices of the first column, 2 of the second.
 */
export function gridLevels(cells: number, dims: number): { dim: number; radix: number }[] {
  const factors: number[] = [];
  let n = Math.max(1, Math.floor(cells));
  for (let p = 2; p * p <= n; p++) {
    while (n % p === 0) {
      factors.push(p);
      n /= p;
    }
  }
  if (n > 1) factors.push(n);
  factors.sort((a, b) => b - a);
  return factors.map((radix, i) => ({ dim: i % dims, radix }));
}

/**
 * A cell count within one of `files` that splits finely: the candidate with
 * the most prime factors (ties: closest to `files`), so a prime file count
 * such as 11 does not put every cut on the first column (12 = 3·2·2 does not).
 */
export function cellCountNear(files: number): number {
  const count = (n: number) => gridLevels(n, 1).length;
  let best = Math.max(1, Math.round(files));
  if (best < 3) return best;
  for (const c of [best, best + 1, best - 1]) if (c >= 1 && count(c) > count(best)) best = c;
  return best;
}

function nativeColumns(data: arrow.Table, columns: readonly string[], table: string | undefined): NativeColumn[] {
  const where = table ? ` of Delta table ${table}` : '';
  if (columns.length === 0) throw new Error(`Z-order${where} needs at least one column`);
  if (columns.length > 64) throw new Error(`Z-order${where} supports at most 64 columns, got ${columns.length}`);
  return columns.map((name) => {
    const i = data.schema.fields.findIndex((f) => f.name === name);
    if (i < 0) throw new Error(`Z-order column '${name}' does not exist${where}; columns are ${data.schema.fields.map((f) => f.name).join(', ')}`);
    const type = data.schema.fields[i].type;
    const parts = data.batches.map((b) => b.data.children[i]).filter((p) => p.length > 0);
    return { kind: kindOf(name, type, where), chunks: parts.map((p) => toNative(type, p)) };
  });
}

/** One key from per-column ranks (tests and explanations). */
export function clusterKey(ranks: number[], bits: number, curve: ClusteringCurve = 'morton'): bigint {
  return core.clusterKey(ranks, bits, curve === 'hilbert' ? 1 : 0);
}

/** The native kind a column is ordered as; throws for types without an order. */
function kindOf(name: string, type: arrow.DataType, where: string): NativeColumn['kind'] {
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      // uint32 may exceed int32 and uint64 int64: both are ordered as float64.
      if (!t.isSigned && t.bitWidth >= 32) return 2;
      return t.bitWidth === 64 ? 1 : 0;
    }
    case arrow.Type.Date:
      return (type as arrow.Date_).unit === arrow.DateUnit.DAY ? 0 : 1;
    case arrow.Type.Timestamp:
    case arrow.Type.Time:
    case arrow.Type.Duration:
      return 1;
    case arrow.Type.Float:
    case arrow.Type.Decimal:
      return 2;
    case arrow.Type.Bool:
      return 0;
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
      return 3;
    default:
      throw new Error(`Cannot Z-order by column '${name}'${where}: type ${String(type)} has no order (use numeric, date, timestamp, string or binary columns)`);
  }
}

/**
 * One chunk of a column in the native layout of its kind ({@link kindOf}):
 * int32, int64 and bytes are passed as they are, other types converted.
 */
function toNative(type: arrow.DataType, p: arrow.Data): NativeChunk {
  const n = p.length;
  const validity = p.nullCount > 0 && p.nullBitmap ? { valid: p.nullBitmap, validOffset: p.offset } : {};
  const values = p.values as unknown as ArrayLike<number | bigint> & ArrayBufferView;
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      if (!t.isSigned && t.bitWidth >= 32) return { length: n, data: Float64Array.from({ length: n }, (_, i) => Number(values[i])), ...validity };
      if (t.bitWidth === 64 || t.bitWidth === 32) return { length: n, data: values, ...validity };
      return { length: n, data: Int32Array.from({ length: n }, (_, i) => Number(values[i])), ...validity };
    }
    case arrow.Type.Date:
    case arrow.Type.Timestamp:
    case arrow.Type.Time:
    case arrow.Type.Duration: {
      // 32-bit time units (time32) widen to the int64 the kind reads.
      const wide = (values as ArrayBufferView).byteLength / Math.max(1, n) >= 8 || n === 0;
      if (type.typeId === arrow.Type.Date && (type as arrow.Date_).unit === arrow.DateUnit.DAY) return { length: n, data: values, ...validity };
      return { length: n, data: wide ? values : BigInt64Array.from({ length: n }, (_, i) => BigInt(values[i] as number)), ...validity };
    }
    case arrow.Type.Float:
      return { length: n, data: values instanceof Float64Array ? values : Float64Array.from({ length: n }, (_, i) => Number(values[i])), ...validity };
    case arrow.Type.Bool: {
      const bits = p.values as Uint8Array;
      return { length: n, data: Int32Array.from({ length: n }, (_, i) => (bits[(p.offset + i) >> 3] >> ((p.offset + i) & 7)) & 1), ...validity };
    }
    case arrow.Type.Decimal: {
      // Ranks only need the order, which float64 keeps up to rounding of huge values.
      const scale = 10 ** (type as arrow.Decimal).scale;
      const vec = arrow.makeVector(p);
      return { length: n, data: Float64Array.from({ length: n }, (_, i) => { const v = vec.get(i) as unknown; return v === null ? 0 : Number(String(v)) / scale; }), ...validity };
    }
    default:
      // Utf8 / Binary: offsets index into the whole values buffer.
      return { length: n, data: p.values as Uint8Array, offsets: p.valueOffsets as Int32Array, ...validity };
  }
}
