// Gathers rows of a RecordBatch by index into new contiguous buffers. Used to
// split interleaved rows by partition: slicing would leave one tiny batch per
// run of equal partition values, which makes encoding crawl.

import * as arrow from 'apache-arrow';

/**
 * Whether {@link takeRows} handles every column of `batch`: primitive,
 * boolean, string/binary, decimal, date/timestamp, struct, list and map
 * columns whose Data (and children) start at offset 0.
 */
export function canTake(batch: arrow.RecordBatch): boolean {
  const ok = (d: arrow.Data): boolean => {
    if (d.offset !== 0) return false;
    switch (d.type.typeId) {
      case arrow.Type.Int:
      case arrow.Type.Float:
      case arrow.Type.Date:
      case arrow.Type.Timestamp:
      case arrow.Type.Decimal:
      case arrow.Type.Bool:
      case arrow.Type.Utf8:
      case arrow.Type.Binary:
      case arrow.Type.Null:
        return true;
      case arrow.Type.Struct:
      case arrow.Type.List:
      case arrow.Type.Map:
        return d.children.every(ok);
      default:
        return false;
    }
  };
  return batch.data.children.every(ok);
}

/**
 * The rows `indices` of `batch` (in that order) as a new batch.
 * Precondition: {@link canTake}(batch).
 */
export function takeRows(batch: arrow.RecordBatch, indices: Int32Array): arrow.RecordBatch {
  const children = batch.data.children.map((d) => takeData(d, indices));
  const struct = arrow.makeData({ type: batch.data.type, length: indices.length, nullCount: 0, children });
  return new arrow.RecordBatch(batch.schema, struct);
}

function takeValidity(d: arrow.Data, idx: Int32Array): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return { nullBitmap: undefined, nullCount: 0 };
  const out = new Uint8Array((idx.length + 7) >> 3);
  const src = d.nullBitmap;
  let nulls = 0;
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    if ((src[j >> 3] >> (j & 7)) & 1) out[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return { nullBitmap: out, nullCount: nulls };
}

function takeData(d: arrow.Data, idx: Int32Array): arrow.Data {
  const n = idx.length;
  const { nullBitmap, nullCount } = takeValidity(d, idx);
  const type = d.type;
  switch (type.typeId) {
    case arrow.Type.Null:
      return arrow.makeData({ type, length: n, nullCount: n } as never) as arrow.Data;
    case arrow.Type.Bool: {
      const src = d.values as Uint8Array;
      const out = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) {
        const j = idx[i];
        if ((src[j >> 3] >> (j & 7)) & 1) out[i >> 3] |= 1 << (i & 7);
      }
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, data: out } as never) as arrow.Data;
    }
    case arrow.Type.Utf8:
    case arrow.Type.Binary: {
      const offsets = d.valueOffsets as Int32Array;
      const bytes = d.values as Uint8Array;
      const outOffsets = takeOffsets(offsets, idx);
      const total = outOffsets[n];
      const out = new Uint8Array(total);
      for (let i = 0; i < n; i++) {
        const j = idx[i];
        out.set(bytes.subarray(offsets[j], offsets[j + 1]), outOffsets[i]);
      }
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: outOffsets, data: out } as never) as arrow.Data;
    }
    case arrow.Type.Struct: {
      const children = d.children.map((c) => takeData(c, idx));
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, children } as never) as arrow.Data;
    }
    case arrow.Type.List:
    case arrow.Type.Map: {
      const offsets = d.valueOffsets as Int32Array;
      const outOffsets = takeOffsets(offsets, idx);
      const total = outOffsets[n];
      const childIdx = new Int32Array(total);
      let k = 0;
      for (let i = 0; i < n; i++) for (let e = offsets[idx[i]]; e < offsets[idx[i] + 1]; e++) childIdx[k++] = e;
      const child = takeData(d.children[0], childIdx);
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: outOffsets, child } as never) as arrow.Data;
    }
    default: {
      // Fixed-width values: `stride` elements of the values array per row.
      const src = d.values as unknown as { length: number; [i: number]: number | bigint; constructor: new (n: number) => unknown };
      const stride = d.stride;
      const Ctor = src.constructor as new (n: number) => { [i: number]: number | bigint };
      const out = new Ctor(n * stride);
      for (let i = 0; i < n; i++) {
        const from = idx[i] * stride;
        for (let s = 0; s < stride; s++) out[i * stride + s] = src[from + s];
      }
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, data: out } as never) as arrow.Data;
    }
  }
}

/** The offsets of the taken elements `idx` of a variable-length column: each one's length, accumulated from 0. */
function takeOffsets(offsets: Int32Array, idx: Int32Array): Int32Array {
  const n = idx.length;
  const out = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = idx[i];
    total += offsets[j + 1] - offsets[j];
    out[i + 1] = total;
  }
  return out;
}
