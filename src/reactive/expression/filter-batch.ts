// Keeps the rows of a record batch selected by a byte mask, gathering each
// column's buffers directly (typed-array copies, no per-row objects).
import * as arrow from 'apache-arrow';

/** Row indices where mask[i] === 1. */
export function maskIndices(mask: Uint8Array, length: number): Int32Array {
  let count = 0;
  for (let i = 0; i < length; i++) count += mask[i] === 1 ? 1 : 0;
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < length; i++) if (mask[i] === 1) out[k++] = i;
  return out;
}

/**
 * Keeps rows where `mask[i] === 1` (e.g. the mask from {@link CompiledPredicate.mask}).
 * Columns of every Arrow type are gathered buffer by buffer; the schema is unchanged.
 * @throws Error when the mask is shorter than the batch.
 * @example
 * const { mask } = compilePredicate('amount > 100', batch.schema).mask(batch);
 * const big = filterBatch(batch, mask);
 */
export function filterBatch(batch: arrow.RecordBatch, mask: Uint8Array): arrow.RecordBatch {
  const n = batch.numRows;
  if (mask.length < n) throw new Error(`filterBatch: the mask has ${mask.length} entries but the batch has ${n} rows`);
  const indices = maskIndices(mask, n);
  if (indices.length === n) return batch;
  const children = batch.data.children.map((d) => gatherData(d, indices));
  const data = arrow.makeData({ type: new arrow.Struct(batch.schema.fields), length: indices.length, nullCount: 0, children });
  return new arrow.RecordBatch(batch.schema, data);
}

/** Validity bitmap for the gathered rows, or undefined when the source has no nulls. */
function gatherValidity(d: arrow.Data, idx: Int32Array): [Uint8Array | undefined, number] {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return [undefined, 0];
  const src = d.nullBitmap;
  const out = new Uint8Array(((idx.length + 63) & ~63) >> 3);
  let nulls = 0;
  for (let k = 0; k < idx.length; k++) {
    const b = d.offset + idx[k];
    if ((src[b >> 3] >> (b & 7)) & 1) out[k >> 3] |= 1 << (k & 7);
    else nulls++;
  }
  return [out, nulls];
}

type Typed = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** Gathers the rows `idx` of `d` into new Data of the same type. */
export function gatherData(d: arrow.Data, idx: Int32Array): arrow.Data {
  const [nullBitmap, nullCount] = gatherValidity(d, idx);
  const m = idx.length;
  const type = d.type;
  const t = arrow.Type;
  switch (d.typeId) {
    case t.Null:
      return arrow.makeData({ type: type as arrow.Null, length: m });
    case t.Bool: {
      const src = d.values as Uint8Array;
      const out = new Uint8Array(((m + 63) & ~63) >> 3);
      for (let k = 0; k < m; k++) { const b = d.offset + idx[k]; if ((src[b >> 3] >> (b & 7)) & 1) out[k >> 3] |= 1 << (k & 7); }
      return arrow.makeData({ type: type as arrow.Bool, length: m, nullCount, nullBitmap, data: out });
    }
    case t.Utf8: case t.Binary: {
      const offsets = d.valueOffsets as Int32Array;
      const bytes = d.values as Uint8Array;
      const outOffsets = new Int32Array(m + 1);
      let total = 0;
      for (let k = 0; k < m; k++) { total += offsets[idx[k] + 1] - offsets[idx[k]]; outOffsets[k + 1] = total; }
      const out = new Uint8Array(total);
      for (let k = 0; k < m; k++) { const i = idx[k]; out.set(bytes.subarray(offsets[i], offsets[i + 1]), outOffsets[k]); }
      return arrow.makeData({ type: type as arrow.Utf8, length: m, nullCount, nullBitmap, valueOffsets: outOffsets, data: out });
    }
    case t.LargeUtf8: case t.LargeBinary: {
      const offsets = d.valueOffsets as unknown as BigInt64Array;
      const bytes = d.values as Uint8Array;
      const outOffsets = new BigInt64Array(m + 1);
      let total = 0;
      for (let k = 0; k < m; k++) { total += Number(offsets[idx[k] + 1] - offsets[idx[k]]); outOffsets[k + 1] = BigInt(total); }
      const out = new Uint8Array(total);
      for (let k = 0; k < m; k++) { const i = idx[k]; out.set(bytes.subarray(Number(offsets[i]), Number(offsets[i + 1])), Number(outOffsets[k])); }
      return arrow.makeData({ type: type as arrow.LargeUtf8, length: m, nullCount, nullBitmap, valueOffsets: outOffsets, data: out });
    }
    case t.Struct:
      return arrow.makeData({ type: type as arrow.Struct, length: m, nullCount, nullBitmap, children: d.children.map((c) => gatherData(c, idx)) });
    case t.List: case t.Map: {
      const offsets = d.valueOffsets as Int32Array;
      const outOffsets = new Int32Array(m + 1);
      let total = 0;
      for (let k = 0; k < m; k++) { total += offsets[idx[k] + 1] - offsets[idx[k]]; outOffsets[k + 1] = total; }
      const childIdx = new Int32Array(total);
      let p = 0;
      for (let k = 0; k < m; k++) for (let j = offsets[idx[k]]; j < offsets[idx[k] + 1]; j++) childIdx[p++] = j;
      const child = gatherData(d.children[0], childIdx);
      return arrow.makeData({ type: type as arrow.List, length: m, nullCount, nullBitmap, valueOffsets: outOffsets, child } as never);
    }
    case t.FixedSizeList: {
      const size = (type as arrow.FixedSizeList).listSize;
      const childIdx = new Int32Array(m * size);
      for (let k = 0; k < m; k++) for (let j = 0; j < size; j++) childIdx[k * size + j] = (idx[k]) * size + j;
      return arrow.makeData({ type: type as arrow.FixedSizeList, length: m, nullCount, nullBitmap, child: gatherData(d.children[0], childIdx) });
    }
    case t.Dictionary: {
      const src = d.values as Typed;
      const out = new (src.constructor as new (n: number) => Typed)(m);
      for (let k = 0; k < m; k++) out[k] = src[idx[k]];
      return arrow.makeData({ type: type as arrow.Dictionary, length: m, nullCount, nullBitmap, data: out as Int32Array, dictionary: d.dictionary });
    }
  }
  if (d.values && ArrayBuffer.isView(d.values) && !d.valueOffsets && d.children.length === 0) {
    // Fixed-width types (ints, floats, dates, timestamps, decimals, intervals, fixed-size binary): `stride` values per row.
    const src = d.values as Typed;
    const stride = d.stride;
    const out = new (src.constructor as new (n: number) => Typed)(m * stride);
    if (stride === 1) for (let k = 0; k < m; k++) out[k] = src[idx[k]];
    else for (let k = 0; k < m; k++) for (let s = 0; s < stride; s++) out[k * stride + s] = src[idx[k] * stride + s];
    return new arrow.Data(type, 0, m, nullCount, [undefined, out, nullBitmap, undefined] as never);
  }
  throw new Error(`filterBatch: Arrow type ${String(type)} is not supported`);
}
