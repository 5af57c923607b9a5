// Gathers rows from several record batches by global row number (rows
// numbered across the batches in order) into one new batch, column by
// column, without first concatenating the batches. Z-order writes each output
// file this way, so only the input and one output file's rows are in memory.

import * as arrow from 'apache-arrow';

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
 * The rows to read in ascending (storage) order, each with the output
 * position it goes to: reads then stream through the input batches and
 * writes land in the small output buffers, instead of reading the whole
 * input at random.
 */
interface ReadPlan {
  src: Uint32Array;
  dest: Uint32Array;
}

function readOrder(rows: Uint32Array): ReadPlan {
  const n = rows.length;
  if (n >= 1 << 21) return { src: rows, dest: Uint32Array.from({ length: n }, (_, i) => i) };
  // Pack (row, position) into one double (row · 2^21 + position, exact below 2^53) and sort natively.
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = rows[i] * 2097152 + i;
  packed.sort();
  const src = new Uint32Array(n);
  const dest = new Uint32Array(n);
  for (let j = 0; j < n; j++) {
    const v = packed[j];
    const g = Math.floor(v / 2097152);
    src[j] = g;
    dest[j] = v - g * 2097152;
  }
  return { src, dest };
}

/** Whether {@link gatherRows} handles every column (flat types whose data start at offset 0). */
export function canGather(batches: readonly arrow.RecordBatch[]): boolean {
  return batches.every((b) =>
    b.data.children.every((d) => {
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
    }),
  );
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
  const plan = readOrder(rows);
  const children = schema.fields.map((_, ci) => gatherColumn(batches.map((b) => b.data.children[ci]), loc, plan, n));
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }));
}

function gatherColumn(parts: arrow.Data[], loc: RowLocator, plan: ReadPlan, n: number): arrow.Data {
  const { batchOf, rowOf } = loc;
  const { src: from, dest } = plan;
  const type = parts[0].type;
  // Validity, only when some part has nulls.
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (parts.some((p) => p.nullCount > 0)) {
    const empty = new Uint8Array(0);
    // A part without nulls gets an empty map, read as "all valid".
    const maps = parts.map((p) => (p.nullCount > 0 && p.nullBitmap ? p.nullBitmap : empty));
    nullBitmap = new Uint8Array((n + 7) >> 3);
    nullCount = gatherValidity(maps, nullBitmap, loc, plan);
  }
  switch (type.typeId) {
    case arrow.Type.Bool: {
      const vals = parts.map((p) => p.values as Uint8Array);
      const out = new Uint8Array((n + 7) >> 3);
      for (let j = 0; j < n; j++) {
        const g = from[j];
        const r = rowOf[g];
        const i = dest[j];
        if ((vals[batchOf[g]][r >> 3] >> (r & 7)) & 1) out[i >> 3] |= 1 << (i & 7);
      }
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, data: out } as never) as arrow.Data;
    }
    case arrow.Type.Utf8:
    case arrow.Type.Binary: {
      const { offsets, data } = gatherBytes(parts.map((p) => p.valueOffsets as Int32Array), parts.map((p) => p.values as Uint8Array), loc, plan);
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: offsets, data } as never) as arrow.Data;
    }
    default: {
      // Fixed width: copy 32-bit words (two per int64/double), so no BigInt or
      // NaN-canonicalising number is ever created per value.
      const bytes = (parts[0].values as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT * parts[0].stride;
      const view = (p: arrow.Data, Ctor: typeof Int32Array | typeof Int16Array | typeof Uint8Array, unit: number) => {
        const v = p.values as unknown as ArrayBufferView;
        return new Ctor(v.buffer as ArrayBuffer, v.byteOffset, (p.length * bytes) / unit);
      };
      const src = parts[0].values as unknown as { constructor: new (b: ArrayBufferLike) => ArrayBufferView };
      const out = new Uint8Array(n * bytes);
      if (bytes % 4 === 0) copyWords(parts.map((p) => view(p, Int32Array, 4) as Int32Array), new Int32Array(out.buffer), bytes / 4, loc, plan);
      else if (bytes === 2) copyHalfWords(parts.map((p) => view(p, Int16Array, 2) as Int16Array), new Int16Array(out.buffer), loc, plan);
      else copyBytes(parts.map((p) => view(p, Uint8Array, 1) as Uint8Array), out, bytes, loc, plan);
      const data = new src.constructor(out.buffer);
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, data } as never) as arrow.Data;
    }
  }
}

function copyWords(src: Int32Array[], out: Int32Array, stride: number, loc: RowLocator, plan: ReadPlan): void {
  const { batchOf, rowOf } = loc;
  const { src: from, dest } = plan;
  const n = from.length;
  if (stride === 1) {
    for (let j = 0; j < n; j++) {
      const g = from[j];
      out[dest[j]] = src[batchOf[g]][rowOf[g]];
    }
  } else if (stride === 2) {
    for (let j = 0; j < n; j++) {
      const g = from[j];
      const a = src[batchOf[g]];
      const f = rowOf[g] * 2;
      const i = dest[j] * 2;
      out[i] = a[f];
      out[i + 1] = a[f + 1];
    }
  } else {
    for (let j = 0; j < n; j++) {
      const g = from[j];
      const a = src[batchOf[g]];
      const f = rowOf[g] * stride;
      const i = dest[j] * stride;
      for (let k = 0; k < stride; k++) out[i + k] = a[f + k];
    }
  }
}

function copyHalfWords(src: Int16Array[], out: Int16Array, loc: RowLocator, plan: ReadPlan): void {
  const { batchOf, rowOf } = loc;
  const { src: from, dest } = plan;
  for (let j = 0; j < from.length; j++) {
    const g = from[j];
    out[dest[j]] = src[batchOf[g]][rowOf[g]];
  }
}

function copyBytes(src: Uint8Array[], out: Uint8Array, width: number, loc: RowLocator, plan: ReadPlan): void {
  const { batchOf, rowOf } = loc;
  const { src: from, dest } = plan;
  for (let j = 0; j < from.length; j++) {
    const g = from[j];
    const a = src[batchOf[g]];
    const f = rowOf[g] * width;
    const i = dest[j] * width;
    for (let k = 0; k < width; k++) out[i + k] = a[f + k];
  }
}

/** Copies validity bits; returns the number of nulls. An empty map means "no nulls". */
function gatherValidity(maps: Uint8Array[], out: Uint8Array, loc: RowLocator, plan: ReadPlan): number {
  const { batchOf, rowOf } = loc;
  const { src: from, dest } = plan;
  let nulls = 0;
  for (let j = 0; j < from.length; j++) {
    const g = from[j];
    const m = maps[batchOf[g]];
    const r = rowOf[g];
    const i = dest[j];
    if (m.length === 0 || (m[r >> 3] >> (r & 7)) & 1) out[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return nulls;
}

/** Gathers variable-length values: lengths and offsets first, then the bytes. */
function gatherBytes(offs: Int32Array[], vals: Uint8Array[], loc: RowLocator, plan: ReadPlan): { offsets: Int32Array; data: Uint8Array } {
  const { batchOf, rowOf } = loc;
  const { src: from, dest } = plan;
  const n = from.length;
  const offsets = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) {
    const g = from[j];
    const o = offs[batchOf[g]];
    const r = rowOf[g];
    offsets[dest[j] + 1] = o[r + 1] - o[r];
  }
  for (let i = 0; i < n; i++) offsets[i + 1] += offsets[i];
  const data = new Uint8Array(offsets[n]);
  for (let j = 0; j < n; j++) {
    const g = from[j];
    const b = batchOf[g];
    const o = offs[b];
    const r = rowOf[g];
    let at = offsets[dest[j]];
    let f = o[r];
    const end = o[r + 1];
    const src = vals[b];
    // Short values: a byte loop beats creating a subarray per row.
    if (end - f > 32) data.set(src.subarray(f, end), at);
    else while (f < end) data[at++] = src[f++];
  }
  return { offsets, data };
}
