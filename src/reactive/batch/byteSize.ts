// The bytes a batch's rows occupy in Arrow buffers, counting only the slice a
// (possibly sliced) Data views — what a writer will actually copy.
import * as arrow from 'apache-arrow';

/**
 * Buffer bytes of `data`'s visible rows (validity, offsets, values, children).
 * @example `dataByteSize(makeVector(Int32Array.from([1, 2])).data[0]) === 8`
 */
export function dataByteSize(data: arrow.Data): number {
  const len = data.length;
  const t = data.type;
  let bytes = data.nullCount > 0 ? (len + 7) >> 3 : 0;
  const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
  if (arrow.DataType.isStruct(t)) {
    for (const c of data.children) bytes += dataByteSize(c);
  } else if (arrow.DataType.isList(t) || arrow.DataType.isMap(t)) {
    const o = offsets as Int32Array;
    bytes += (len + 1) * 4;
    const child = data.children[0]!;
    bytes += dataByteSize(child.slice(o[0]!, o[len]! - o[0]!));
  } else if (offsets && (arrow.DataType.isUtf8(t) || arrow.DataType.isBinary(t) || arrow.DataType.isLargeUtf8(t) || arrow.DataType.isLargeBinary(t))) {
    bytes += (len + 1) * offsets.BYTES_PER_ELEMENT + Number(offsets[len]!) - Number(offsets[0]!);
  } else if (arrow.DataType.isBool(t)) {
    bytes += (len + 7) >> 3;
  } else if (data.values && data.values.BYTES_PER_ELEMENT) {
    bytes += len * data.stride * data.values.BYTES_PER_ELEMENT;
  } else {
    // Other layouts (unions, views, dictionaries): fall back to whole buffers.
    bytes += data.byteLength;
  }
  return bytes;
}

/**
 * Buffer bytes of a RecordBatch's rows.
 * @example `batchByteSize(batch) / batch.numRows` is the average row width
 */
export function batchByteSize(batch: arrow.RecordBatch): number {
  let bytes = 0;
  for (const c of batch.data.children) bytes += dataByteSize(c);
  return bytes;
}
