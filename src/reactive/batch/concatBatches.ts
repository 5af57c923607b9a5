// Copies several RecordBatches of one schema into one contiguous RecordBatch
// (Arrow JS can only chain them as chunks). Works on buffers, type by type;
// slices (non-zero offsets) are honoured.
import * as arrow from 'apache-arrow';
import { copyBits, setBits } from './bits.ts';
import { schemaMismatch } from './schemaMismatch.ts';

function concatValidity(parts: arrow.Data[], length: number): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (const p of parts) nullCount += p.nullCount;
  if (nullCount === 0) return { nullBitmap: undefined, nullCount: 0 };
  const bits = new Uint8Array((length + 7) >> 3);
  let at = 0;
  for (const p of parts) {
    if (p.nullCount > 0 && p.nullBitmap && p.nullBitmap.length > 0) copyBits(bits, at, p.nullBitmap, p.offset, p.length);
    else if (p.nullCount === 0) setBits(bits, at, p.length);
    at += p.length;
  }
  return { nullBitmap: bits, nullCount };
}

/** Child `c` limited to the parent's `len` rows (struct children may be longer). */
function childRows(c: arrow.Data, len: number): arrow.Data {
  return c.length === len ? c : c.slice(0, len);
}

/**
 * Concatenates Data of one type into one contiguous Data.
 * @example `concatData(new arrow.Int32(), [a.data[0], b.data[0]]).length === a.length + b.length`
 */
export function concatData(type: arrow.DataType, parts: arrow.Data[]): arrow.Data {
  if (parts.length === 1 && parts[0]!.offset === 0) return parts[0]!;
  let length = 0;
  for (const p of parts) length += p.length;
  const { nullBitmap, nullCount } = concatValidity(parts, length);

  if (arrow.DataType.isStruct(type)) {
    const children = type.children.map((f, k) =>
      concatData(
        f.type,
        parts.map((p) => childRows(p.children[k]!, p.length)),
      ),
    );
    return arrow.makeData({ type, length, nullCount, nullBitmap, children });
  }

  if (arrow.DataType.isList(type) || arrow.DataType.isMap(type)) {
    const valueOffsets = new Int32Array(length + 1);
    const childParts: arrow.Data[] = [];
    let at = 0;
    let base = 0;
    for (const p of parts) {
      const o = p.valueOffsets as Int32Array;
      const o0 = o[0]!;
      for (let i = 1; i <= p.length; i++) valueOffsets[at + i] = base + o[i]! - o0;
      const n = o[p.length]! - o0;
      childParts.push(p.children[0]!.slice(o0, n));
      base += n;
      at += p.length;
    }
    const child = concatData(type.children[0]!.type, childParts);
    return arrow.makeData({ type: type as arrow.List, length, nullCount, nullBitmap, valueOffsets, child });
  }

  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    const valueOffsets = new Int32Array(length + 1);
    let total = 0;
    for (const p of parts) {
      const o = p.valueOffsets as Int32Array;
      total += o[p.length]! - o[0]!;
    }
    const data = new Uint8Array(total);
    let at = 0;
    let base = 0;
    for (const p of parts) {
      const o = p.valueOffsets as Int32Array;
      const o0 = o[0]!;
      const n = o[p.length]! - o0;
      data.set((p.values as Uint8Array).subarray(o0, o0 + n), base);
      for (let i = 1; i <= p.length; i++) valueOffsets[at + i] = base + o[i]! - o0;
      base += n;
      at += p.length;
    }
    return arrow.makeData({ type: type as arrow.Utf8, length, nullCount, nullBitmap, valueOffsets, data });
  }

  if (arrow.DataType.isBool(type)) {
    const data = new Uint8Array((length + 7) >> 3);
    let at = 0;
    for (const p of parts) {
      copyBits(data, at, p.values as Uint8Array, p.offset, p.length);
      at += p.length;
    }
    return arrow.makeData({ type, length, nullCount, nullBitmap, data });
  }

  const fixed =
    arrow.DataType.isInt(type) ||
    arrow.DataType.isFloat(type) ||
    arrow.DataType.isDate(type) ||
    arrow.DataType.isTime(type) ||
    arrow.DataType.isTimestamp(type) ||
    arrow.DataType.isInterval(type) ||
    arrow.DataType.isDuration(type) ||
    arrow.DataType.isDecimal(type) ||
    arrow.DataType.isFixedSizeBinary(type);
  if (fixed) {
    // Typed arrays of one kind; viewed as Uint8Array only to satisfy set()'s types.
    const first = parts[0]!.values as Uint8Array;
    const stride = parts[0]!.stride;
    const Ctor = first.constructor as new (n: number) => Uint8Array;
    const data = new Ctor(length * stride);
    let at = 0;
    for (const p of parts) {
      data.set((p.values as Uint8Array).subarray(0, p.length * stride), at * stride);
      at += p.length;
    }
    return arrow.makeData({ type: type as arrow.Int32, length, nullCount, nullBitmap, data: data as unknown as Int32Array });
  }

  // Remaining layouts (dictionaries, unions, views, fixed-size lists …) are rare
  // in ingest; rebuild them value by value with Arrow's own builder.
  const builder = arrow.makeBuilder({ type, nullValues: [null, undefined] });
  for (const p of parts) {
    const v = arrow.makeVector(p);
    for (let i = 0; i < v.length; i++) builder.append(v.get(i));
  }
  return builder.finish().flush();
}

/**
 * Copies batches that share one schema into a single contiguous RecordBatch
 * (a single batch without an offset is returned as is).
 * @example `concatBatches([a.slice(10), b]).numRows === a.numRows - 10 + b.numRows`
 */
export function concatBatches(batches: readonly arrow.RecordBatch[]): arrow.RecordBatch {
  if (batches.length === 0) throw new RangeError('concatBatches: no batches');
  const schema = batches[0]!.schema;
  for (let i = 1; i < batches.length; i++) {
    const diff = schemaMismatch(schema, batches[i]!.schema);
    if (diff) throw new TypeError(`concatBatches: batch ${i} has a different schema: ${diff}`);
  }
  if (batches.length === 1 && batches[0]!.data.offset === 0) return batches[0]!;
  const data = concatData(
    new arrow.Struct(schema.fields),
    batches.map((b) => b.data),
  );
  return new arrow.RecordBatch(schema, data as arrow.Data<arrow.Struct>);
}
