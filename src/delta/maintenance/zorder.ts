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

/** One Z-order column, as the native core reads it. */
interface NativeColumn {
  kind: 0 | 1 | 2 | 3;
  data: ArrayBufferView;
  offsets?: Int32Array;
  valid?: Uint8Array;
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
    const parts = data.batches.map((b) => b.data.children[i]);
    return toNative(name, data.schema.fields[i].type, parts, data.numRows, where);
  });
}

/** One key from per-column ranks (tests and explanations). */
export function clusterKey(ranks: number[], bits: number, curve: ClusteringCurve = 'morton'): bigint {
  return core.clusterKey(ranks, bits, curve === 'hilbert' ? 1 : 0);
}

/** Concatenates a column's chunks into the native layout, converting to an order-preserving kind. */
function toNative(name: string, type: arrow.DataType, parts: arrow.Data[], rows: number, where: string): NativeColumn {
  const valid = validityBytes(parts, rows);
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      if (t.bitWidth === 64) {
        if (!t.isSigned) return { kind: 2, data: gatherNumbers(parts, rows, (v) => Number(v as bigint)), valid };
        return { kind: 1, data: gatherInt64(parts, rows), valid };
      }
      // uint32 may exceed int32: ordered as float64 instead.
      if (!t.isSigned && t.bitWidth === 32) return { kind: 2, data: gatherNumbers(parts, rows, (v) => Number(v)), valid };
      const out = new Int32Array(rows);
      let at = 0;
      for (const p of parts) {
        const v = p.values as unknown as ArrayLike<number>;
        for (let i = 0; i < p.length; i++) out[at + i] = v[i];
        at += p.length;
      }
      return { kind: 0, data: out, valid };
    }
    case arrow.Type.Date: {
      if ((type as arrow.Date_).unit === arrow.DateUnit.DAY) {
        const out = new Int32Array(rows);
        let at = 0;
        for (const p of parts) {
          out.set((p.values as unknown as Int32Array).subarray(0, p.length), at);
          at += p.length;
        }
        return { kind: 0, data: out, valid };
      }
      return { kind: 1, data: gatherInt64(parts, rows), valid };
    }
    case arrow.Type.Timestamp:
    case arrow.Type.Time:
    case arrow.Type.Duration:
      return { kind: 1, data: gatherInt64(parts, rows), valid };
    case arrow.Type.Float:
      return { kind: 2, data: gatherNumbers(parts, rows, (v) => Number(v)), valid };
    case arrow.Type.Bool: {
      const out = new Int32Array(rows);
      let at = 0;
      for (const p of parts) {
        const bits = p.values as Uint8Array;
        for (let i = 0; i < p.length; i++) out[at + i] = (bits[(p.offset + i) >> 3] >> ((p.offset + i) & 7)) & 1;
        at += p.length;
      }
      return { kind: 0, data: out, valid };
    }
    case arrow.Type.Decimal: {
      // Ranks only need the order, which float64 keeps up to rounding of huge values.
      const scale = 10 ** (type as arrow.Decimal).scale;
      const vec = arrow.makeVector(parts);
      const out = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        const v = vec.get(i) as unknown;
        out[i] = v === null ? 0 : Number(String(v)) / scale;
      }
      return { kind: 2, data: out, valid };
    }
    case arrow.Type.Utf8:
    case arrow.Type.Binary: {
      let bytes = 0;
      for (const p of parts) {
        const o = p.valueOffsets as Int32Array;
        bytes += o[p.length] - o[0];
      }
      const data = new Uint8Array(bytes);
      const offsets = new Int32Array(rows + 1);
      let at = 0;
      let pos = 0;
      for (const p of parts) {
        const o = p.valueOffsets as Int32Array;
        const base = o[0];
        data.set((p.values as Uint8Array).subarray(base, o[p.length]), pos);
        for (let i = 1; i <= p.length; i++) offsets[at + i] = pos + o[i] - base;
        pos += o[p.length] - base;
        at += p.length;
      }
      return { kind: 3, data, offsets, valid };
    }
    default:
      throw new Error(`Cannot Z-order by column '${name}'${where}: type ${String(type)} has no order (use numeric, date, timestamp, string or binary columns)`);
  }
}

function gatherInt64(parts: arrow.Data[], rows: number): BigInt64Array {
  const out = new BigInt64Array(rows);
  let at = 0;
  for (const p of parts) {
    const v = p.values as unknown as ArrayBufferView;
    out.set(new BigInt64Array(v.buffer, v.byteOffset, p.length), at);
    at += p.length;
  }
  return out;
}

function gatherNumbers(parts: arrow.Data[], rows: number, conv: (v: number | bigint) => number): Float64Array {
  const out = new Float64Array(rows);
  let at = 0;
  for (const p of parts) {
    const v = p.values as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < p.length; i++) out[at + i] = conv(v[i]);
    at += p.length;
  }
  return out;
}

/** One byte per row (1 = valid), or undefined when no chunk has nulls. */
function validityBytes(parts: arrow.Data[], rows: number): Uint8Array | undefined {
  if (parts.every((p) => p.nullCount === 0)) return undefined;
  const out = new Uint8Array(rows);
  let at = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) out[at + i] = p.getValid(i) ? 1 : 0;
    at += p.length;
  }
  return out;
}
