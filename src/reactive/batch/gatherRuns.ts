// Copies runs of rows of an Arrow Data into new contiguous Data of the same
// type, buffer by buffer: a long run costs one typed-array copy per buffer
// (value bytes, string bytes, validity bits), a short one a tight loop. The
// row-selecting operators (filterBatch, gatherData) are built on this.
//
// Arrow JS slicing rules honoured here: value and offset buffers of a slice
// are already sliced (row 0 of the Data is element 0), while validity and
// boolean bits keep `Data.offset`; list children are indexed by the parent's
// (absolute) offsets, struct and fixed-size-list children are sliced with
// the parent.
import * as arrow from 'apache-arrow';
import { copyBits, countSetBits } from './bits.ts';
import type { RowRuns } from './rowRuns.ts';

/** Runs shorter than this many elements are copied in a loop (a subarray + set costs more). */
const SHORT_RUN = 48;

type Typed =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** Integer lanes a fixed-width row is copied as (exact for every payload, NaN bits included). */
type Lanes = Int32Array | Uint16Array | Uint8Array;

/**
 * The rows of `runs` (in run order) of `d` as new Data of the same type.
 * @throws Error for layouts it cannot gather (unions, view types, run-end encoding).
 * @example
 * const runs = runsOfMask(mask, d.length);
 * const kept = gatherRuns(d, runs); // kept.length === runs.rows
 */
export function gatherRuns(d: arrow.Data, runs: RowRuns): arrow.Data {
  const m = runs.rows;
  const [nullBitmap, nullCount] = gatherValidity(d, runs);
  const type = d.type;
  const t = arrow.Type;
  switch (d.typeId) {
    case t.Null:
      return arrow.makeData({ type: type as arrow.Null, length: m });
    case t.Bool:
      return arrow.makeData({ type: type as arrow.Bool, length: m, nullCount, nullBitmap, data: gatherBits(d.values as Uint8Array, d.offset, runs) });
    case t.Utf8:
    case t.Binary: {
      const { offsets, bytes } = gatherVarWidth(d.valueOffsets as Int32Array, d.values as Uint8Array, runs);
      return arrow.makeData({ type: type as arrow.Utf8, length: m, nullCount, nullBitmap, valueOffsets: offsets, data: bytes });
    }
    case t.LargeUtf8:
    case t.LargeBinary: {
      const { offsets, bytes } = gatherLargeVarWidth(d.valueOffsets as unknown as BigInt64Array, d.values as Uint8Array, runs);
      return arrow.makeData({ type: type as arrow.LargeUtf8, length: m, nullCount, nullBitmap, valueOffsets: offsets, data: bytes });
    }
    case t.Struct:
      return arrow.makeData({ type: type as arrow.Struct, length: m, nullCount, nullBitmap, children: d.children.map((c) => gatherRuns(c, runs)) });
    case t.List:
    case t.Map: {
      const offsets = d.valueOffsets as Int32Array;
      const out = rebaseOffsets(offsets, runs);
      const child = gatherRuns(d.children[0]!, childRuns(offsets, runs));
      return arrow.makeData({ type: type as arrow.List, length: m, nullCount, nullBitmap, valueOffsets: out, child } as never);
    }
    case t.FixedSizeList: {
      const size = (type as arrow.FixedSizeList).listSize;
      const scaled = { starts: runs.starts.map((s) => s * size), ends: runs.ends.map((e) => e * size), count: runs.count, rows: m * size };
      return arrow.makeData({ type: type as arrow.FixedSizeList, length: m, nullCount, nullBitmap, child: gatherRuns(d.children[0]!, scaled) });
    }
    case t.Dictionary:
      return arrow.makeData({
        type: type as arrow.Dictionary,
        length: m,
        nullCount,
        nullBitmap,
        data: gatherFixed(d.values as Typed, d.stride, runs) as Int32Array,
        dictionary: d.dictionary,
      });
  }
  const view = arrow.DataType.isUtf8View(type) || arrow.DataType.isBinaryView(type);
  if (!view && d.values && ArrayBuffer.isView(d.values) && !d.valueOffsets && d.children.length === 0) {
    // Fixed-width types (ints, floats, dates, times, timestamps, durations, decimals, intervals, fixed-size binary).
    const out = gatherFixed(d.values as Typed, d.stride, runs);
    return new arrow.Data(type, 0, m, nullCount, [undefined, out, nullBitmap, undefined] as never);
  }
  throw new Error(`filterBatch: Arrow type ${String(type)} is not supported`);
}

/** The validity bits of the gathered rows, or undefined when none of them is null. */
function gatherValidity(d: arrow.Data, runs: RowRuns): [Uint8Array | undefined, number] {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return [undefined, 0];
  const out = gatherBits(d.nullBitmap, d.offset, runs);
  const nulls = runs.rows - countSetBits(out, runs.rows);
  return nulls === 0 ? [undefined, 0] : [out, nulls];
}

/** Bits of the runs (source bit = `offset` + row), packed from bit 0, padded to 8 bytes. */
function gatherBits(src: Uint8Array, offset: number, runs: RowRuns): Uint8Array {
  const out = new Uint8Array(((runs.rows + 63) & ~63) >> 3);
  const { starts, ends, count } = runs;
  let at = 0;
  for (let r = 0; r < count; r++) {
    const len = ends[r]! - starts[r]!;
    copyBits(out, at, src, offset + starts[r]!, len);
    at += len;
  }
  return out;
}

/** The widest integer lanes that divide both a row's bytes and the buffer's alignment. */
function laneBytes(rowBytes: number, byteOffset: number): 1 | 2 | 4 {
  if (rowBytes % 4 === 0 && byteOffset % 4 === 0) return 4;
  if (rowBytes % 2 === 0 && byteOffset % 2 === 0) return 2;
  return 1;
}

function lanes(a: ArrayBufferView, bytes: 1 | 2 | 4): Lanes {
  const n = a.byteLength / bytes;
  return bytes === 4 ? new Int32Array(a.buffer, a.byteOffset, n) : bytes === 2 ? new Uint16Array(a.buffer, a.byteOffset, n) : new Uint8Array(a.buffer, a.byteOffset, n);
}

/** Gathers `stride` elements per row of a fixed-width value buffer, copying integer lanes. */
function gatherFixed(src: Typed, stride: number, runs: RowRuns): Typed {
  const Ctor = src.constructor as new (n: number) => Typed;
  const out = new Ctor(runs.rows * stride);
  const rowBytes = stride * src.BYTES_PER_ELEMENT;
  const width = laneBytes(rowBytes, src.byteOffset);
  copyRuns(lanes(out, width), lanes(src, width), runs, rowBytes / width);
  return out;
}

/** Copies `per` lanes per row of each run from `src` to consecutive positions of `out`. */
function copyRuns(out: Lanes, src: Lanes, runs: RowRuns, per: number): void {
  const { starts, ends, count } = runs;
  let at = 0;
  for (let r = 0; r < count; r++) {
    const a = starts[r]! * per;
    const len = ends[r]! * per - a;
    if (len < SHORT_RUN) for (let j = 0; j < len; j++) out[at + j] = src[a + j]!;
    else out.set(src.subarray(a, a + len), at);
    at += len;
  }
}

/** Offsets of the gathered rows (from 0), from the 32-bit offsets of the source rows. */
function rebaseOffsets(offsets: Int32Array, runs: RowRuns): Int32Array {
  const out = new Int32Array(runs.rows + 1);
  const { starts, ends, count } = runs;
  let at = 0;
  let total = 0;
  for (let r = 0; r < count; r++) {
    const a = starts[r]!;
    const b = ends[r]!;
    const shift = total - offsets[a]!;
    for (let i = a + 1; i <= b; i++) out[++at] = offsets[i]! + shift;
    total += offsets[b]! - offsets[a]!;
  }
  return out;
}

/** The child element runs under the parent's runs (empty runs skipped, touching runs merged). */
function childRuns(offsets: Int32Array, runs: RowRuns): RowRuns {
  const starts = new Int32Array(runs.count);
  const ends = new Int32Array(runs.count);
  let count = 0;
  let rows = 0;
  for (let r = 0; r < runs.count; r++) {
    const a = offsets[runs.starts[r]!]!;
    const b = offsets[runs.ends[r]!]!;
    if (a === b) continue;
    if (count > 0 && ends[count - 1] === a) ends[count - 1] = b;
    else {
      starts[count] = a;
      ends[count++] = b;
    }
    rows += b - a;
  }
  return { starts, ends, count, rows };
}

/** Offsets and bytes of gathered variable-width rows (utf8, binary). */
function gatherVarWidth(offsets: Int32Array, bytes: Uint8Array, runs: RowRuns): { offsets: Int32Array; bytes: Uint8Array } {
  const outOffsets = rebaseOffsets(offsets, runs);
  const out = new Uint8Array(outOffsets[runs.rows]!);
  const { starts, ends, count } = runs;
  let at = 0;
  for (let r = 0; r < count; r++) {
    const a = offsets[starts[r]!]!;
    const len = offsets[ends[r]!]! - a;
    if (len < SHORT_RUN) for (let j = 0; j < len; j++) out[at + j] = bytes[a + j]!;
    else out.set(bytes.subarray(a, a + len), at);
    at += len;
  }
  return { offsets: outOffsets, bytes: out };
}

/** As {@link gatherVarWidth}, for 64-bit offsets (large utf8, large binary). */
function gatherLargeVarWidth(offsets: BigInt64Array, bytes: Uint8Array, runs: RowRuns): { offsets: BigInt64Array; bytes: Uint8Array } {
  const outOffsets = new BigInt64Array(runs.rows + 1);
  const { starts, ends, count } = runs;
  let at = 0;
  let total = 0;
  for (let r = 0; r < count; r++) {
    const base = Number(offsets[starts[r]!]!);
    for (let i = starts[r]! + 1; i <= ends[r]!; i++) outOffsets[++at] = BigInt(total + Number(offsets[i]!) - base);
    total += Number(offsets[ends[r]!]!) - base;
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (let r = 0; r < count; r++) {
    const a = Number(offsets[starts[r]!]!);
    const b = Number(offsets[ends[r]!]!);
    out.set(bytes.subarray(a, b), pos);
    pos += b - a;
  }
  return { offsets: outOffsets, bytes: out };
}
