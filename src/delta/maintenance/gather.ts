// Gathers rows from several record batches by global row number (rows
// numbered across the batches in order) into one new batch, column by
// column, without first concatenating the batches. Z-order writes each output
// file this way, so only the input and one output file's rows are in memory.
// Takes from one batch (a row list, or the rows a mask keeps) need no plan:
// the native loops read the list directly.

import * as arrow from 'apache-arrow';
import { native } from '../../native/addon.ts';

/** Where each global row lives: its batch and its row within that batch. */
export interface RowLocator {
  batchOf: Uint32Array;
  rowOf: Uint32Array;
}

/** Precomputes the batch and local row of every global row. */
export function locateRows(batches: readonly arrow.RecordBatch[]): RowLocator {
  const n = batches.reduce((s, b) => s + b.numRows, 0);
  const batchOf = new Uint32Array(n);
  const rowOf = new Uint32Array(n);
  let g = 0;
  batches.forEach((b, bi) => {
    for (let r = 0; r < b.numRows; r++, g++) {
      batchOf[g] = bi;
      rowOf[g] = r;
    }
  });
  return { batchOf, rowOf };
}

/**
 * The rows to read in ascending (storage) order, each resolved to its batch
 * and local row, with the output position it goes to: reads then stream
 * through the input batches and writes land in the small output buffers,
 * instead of reading the whole input at random. Built and used natively.
 */
interface ReadPlan {
  batch: Uint32Array;
  row: Uint32Array;
  dest: Uint32Array;
}

interface GatherNative {
  gatherPlan(batchOf: Uint32Array, rowOf: Uint32Array, rows: Uint32Array): ReadPlan;
  gatherFixed(values: ArrayBufferView[], width: number, batch: Uint32Array, row: Uint32Array, dest: Uint32Array, out: Uint8Array): void;
  gatherBits(maps: Uint8Array[], batch: Uint32Array, row: Uint32Array, dest: Uint32Array, out: Uint8Array): number;
  gatherBytes(offsets: Int32Array[], values: Uint8Array[], batch: Uint32Array, row: Uint32Array, dest: Uint32Array): { offsets: Int32Array; data: Uint8Array };
  takeFixed(values: ArrayBufferView, width: number, rows: Uint32Array, out: Uint8Array): void;
  takeBits(map: Uint8Array, rows: Uint32Array, out: Uint8Array): number;
  takeBytes(offsets: Int32Array, values: Uint8Array, rows: Uint32Array): { offsets: Int32Array; data: Uint8Array };
  maskRows(mask: Uint8Array, length: number): Uint32Array;
  ascendingRows(parts: Int32Array[], n: number): Int32Array;
}

const core = native as unknown as GatherNative;

/** Whether {@link gatherRows} handles every column (flat types whose data start at offset 0). */
export function canGather(batches: readonly arrow.RecordBatch[]): boolean {
  return batches.every((b) => b.data.children.every(isFlat));
}

/** Whether one column is flat (see {@link canGather}) and so can be taken by {@link takeColumn}. */
export function isFlat(d: arrow.Data): boolean {
  if (d.offset !== 0) return false;
  switch (d.type.typeId) {
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Date:
    case arrow.Type.Timestamp:
    case arrow.Type.Bool:
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
      return true;
    default:
      return false;
  }
}

/**
 * The rows `rows` (global numbers, in this order) of `batches` as one batch.
 * Precondition: {@link canGather}(batches).
 *
 * @example
 * const loc = locateRows(batches);
 * const first = gatherRows(batches, loc, order.subarray(0, 1000));
 */
export function gatherRows(batches: readonly arrow.RecordBatch[], loc: RowLocator, rows: Uint32Array): arrow.RecordBatch {
  const schema = batches[0].schema;
  const n = rows.length;
  const plan = core.gatherPlan(loc.batchOf, loc.rowOf, rows);
  const children = schema.fields.map((_, ci) => gatherColumn(batches.map((b) => b.data.children[ci]), plan, n));
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }));
}

/**
 * The rows `rows` (in this order, repeats allowed) of one batch as a new
 * batch. Precondition: {@link canGather}([batch]).
 *
 * @example
 * const kept = takeFlat(batch, maskRows(keep, batch.numRows));
 */
export function takeFlat(batch: arrow.RecordBatch, rows: Uint32Array): arrow.RecordBatch {
  const n = rows.length;
  const children = batch.data.children.map((d) => takeColumn(d, rows));
  return new arrow.RecordBatch(batch.schema, arrow.makeData({ type: new arrow.Struct(batch.schema.fields), length: n, nullCount: 0, children }));
}

/** The rows i < length where mask[i] === 1, ascending (a filter's row list). */
export function maskRows(mask: Uint8Array, length: number): Uint32Array {
  return core.maskRows(mask, length);
}

/**
 * Every row of `parts` (each below `n`, repeats kept) in ascending order,
 * counted natively (no comparison sort).
 *
 * @example ascendingRows([Int32Array.of(5, 1), Int32Array.of(3, 1)], 6) // [1, 1, 3, 5]
 */
export function ascendingRows(parts: readonly Int32Array[], n: number): Int32Array {
  return core.ascendingRows([...parts], n);
}

/** The rows `rows` of one flat column (see {@link isFlat}) as new Data. */
export function takeColumn(d: arrow.Data, rows: Uint32Array): arrow.Data {
  const n = rows.length;
  const type = d.type;
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (d.nullCount > 0 && d.nullBitmap) {
    nullBitmap = new Uint8Array((n + 7) >> 3);
    nullCount = core.takeBits(d.nullBitmap, rows, nullBitmap);
  }
  switch (type.typeId) {
    case arrow.Type.Bool: {
      const out = new Uint8Array((n + 7) >> 3);
      core.takeBits(d.values as Uint8Array, rows, out);
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, data: out } as never) as arrow.Data;
    }
    case arrow.Type.Utf8:
    case arrow.Type.Binary: {
      const { offsets, data } = core.takeBytes(d.valueOffsets as Int32Array, d.values as Uint8Array, rows);
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: offsets, data } as never) as arrow.Data;
    }
    default: {
      const values = d.values as unknown as ArrayBufferView & { BYTES_PER_ELEMENT: number; constructor: new (b: ArrayBufferLike) => ArrayBufferView };
      const bytes = values.BYTES_PER_ELEMENT * d.stride;
      const out = new Uint8Array(n * bytes);
      // The source view is limited to the Data's own rows: a row past them is a RangeError, not a read of a neighbour's bytes.
      core.takeFixed(new Uint8Array(values.buffer, values.byteOffset, d.length * bytes), bytes, rows, out);
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, data: new values.constructor(out.buffer) } as never) as arrow.Data;
    }
  }
}

function gatherColumn(parts: arrow.Data[], plan: ReadPlan, n: number): arrow.Data {
  const { batch, row, dest } = plan;
  const type = parts[0].type;
  // Validity, only when some part has nulls.
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (parts.some((p) => p.nullCount > 0)) {
    const empty = new Uint8Array(0);
    // A part without nulls gets an empty map, read as "all valid".
    const maps = parts.map((p) => (p.nullCount > 0 && p.nullBitmap ? p.nullBitmap : empty));
    nullBitmap = new Uint8Array((n + 7) >> 3);
    nullCount = core.gatherBits(maps, batch, row, dest, nullBitmap);
  }
  switch (type.typeId) {
    case arrow.Type.Bool: {
      const out = new Uint8Array((n + 7) >> 3);
      core.gatherBits(parts.map((p) => p.values as Uint8Array), batch, row, dest, out);
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, data: out } as never) as arrow.Data;
    }
    case arrow.Type.Utf8:
    case arrow.Type.Binary: {
      const { offsets, data } = core.gatherBytes(parts.map((p) => p.valueOffsets as Int32Array), parts.map((p) => p.values as Uint8Array), batch, row, dest);
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: offsets, data } as never) as arrow.Data;
    }
    default: {
      // Fixed width: byte copies, so no BigInt or NaN-canonicalising number is ever created per value.
      const bytes = (parts[0].values as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT * parts[0].stride;
      const src = parts[0].values as unknown as { constructor: new (b: ArrayBufferLike) => ArrayBufferView };
      const out = new Uint8Array(n * bytes);
      core.gatherFixed(parts.map((p) => p.values as unknown as ArrayBufferView), bytes, batch, row, dest, out);
      const data = new src.constructor(out.buffer);
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, data } as never) as arrow.Data;
    }
  }
}
