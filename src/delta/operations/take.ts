// Gathers rows of a RecordBatch by index into new contiguous buffers. Used to
// split interleaved rows by partition: slicing would leave one tiny batch per
// run of equal partition values, which makes encoding crawl.

import * as arrow from 'apache-arrow';
import { filterBatch } from '../../reactive/expression/filter-batch.ts';
import { isFlat, maskRows, takeFlat } from '../maintenance/gather.ts';

/** From this many rows on, flat columns are gathered by the native core. */
const NATIVE_TAKE_ROWS = 4096;

/**
 * Whether {@link takeRows} handles every column of `batch`: primitive,
 * boolean, string/binary, decimal, date/timestamp, struct, list and map
 * columns whose Data (and children) start at offset 0.
 */
export function canTake(batch: arrow.RecordBatch): boolean {
  const ok = (d: arrow.Data): boolean => {
    if (isFlat(d)) return true;
    if (d.offset !== 0) return false;
    switch (d.type.typeId) {
      case arrow.Type.Decimal:
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
 * Whether `rows` rows of column `d` are taken by the native core: flat
 * columns (see isFlat), from {@link NATIVE_TAKE_ROWS} rows on.
 */
export function takesNatively(d: arrow.Data, rows: number): boolean {
  return rows >= NATIVE_TAKE_ROWS && isFlat(d);
}

/**
 * The rows `indices` of `batch` (in that order) as a new batch.
 * Precondition: {@link canTake}(batch).
 */
export function takeRows(batch: arrow.RecordBatch, indices: Int32Array): arrow.RecordBatch {
  // Many rows of flat columns: gathered natively (JS loops over typed arrays run cold in a short process).
  if (batch.data.children.every((d) => takesNatively(d, indices.length))) {
    return takeFlat(batch, new Uint32Array(indices.buffer, indices.byteOffset, indices.length));
  }
  const children = batch.data.children.map((d) => takeData(d, indices));
  const struct = arrow.makeData({ type: batch.data.type, length: indices.length, nullCount: 0, children });
  return new arrow.RecordBatch(batch.schema, struct);
}

/**
 * The rows of `batch` where `mask[i] === 1`, as {@link filterBatch} keeps
 * them (the batch itself when every row is kept) — copied natively when the
 * batch is large and flat.
 */
export function keepRows(batch: arrow.RecordBatch, mask: Uint8Array): arrow.RecordBatch {
  if (!batch.data.children.every((d) => takesNatively(d, batch.numRows))) return filterBatch(batch, mask);
  if (mask.length < batch.numRows) throw new Error(`keepRows: the mask has ${mask.length} entries but the batch has ${batch.numRows} rows`);
  const rows = maskRows(mask, batch.numRows);
  return rows.length === batch.numRows ? batch : takeFlat(batch, rows);
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
        const from = offsets[j];
        const len = offsets[j + 1] - from;
        // Short values (most keys and labels) are copied byte by byte: a subarray per row costs more.
        if (len > 24) out.set(bytes.subarray(from, from + len), outOffsets[i]);
        else for (let b = 0, to = outOffsets[i]; b < len; b++) out[to + b] = bytes[from + b];
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
      // Fixed-width values, copied as integer lanes: no BigInt or canonicalised NaN per value.
      const src = d.values as unknown as ArrayBufferView & { BYTES_PER_ELEMENT: number; constructor: new (b: ArrayBuffer) => ArrayBufferView };
      const rowBytes = src.BYTES_PER_ELEMENT * d.stride;
      const out = new Uint8Array(n * rowBytes);
      const lane = rowBytes % 4 === 0 && src.byteOffset % 4 === 0 ? 4 : rowBytes % 2 === 0 && src.byteOffset % 2 === 0 ? 2 : 1;
      const Lanes = lane === 4 ? Int32Array : lane === 2 ? Uint16Array : Uint8Array;
      const from = new Lanes(src.buffer as ArrayBuffer, src.byteOffset, Math.floor(src.byteLength / lane));
      const to = new Lanes(out.buffer);
      const per = rowBytes / lane;
      if (per === 2) {
        for (let i = 0; i < n; i++) {
          const j = idx[i] * 2;
          to[2 * i] = from[j];
          to[2 * i + 1] = from[j + 1];
        }
      } else if (per === 1) {
        for (let i = 0; i < n; i++) to[i] = from[idx[i]];
      } else {
        for (let i = 0; i < n; i++) {
          const j = idx[i] * per;
          for (let s = 0; s < per; s++) to[i * per + s] = from[j + s];
        }
      }
      const data = new src.constructor(out.buffer);
      return arrow.makeData({ type, length: n, nullCount, nullBitmap, data } as never) as arrow.Data;
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
