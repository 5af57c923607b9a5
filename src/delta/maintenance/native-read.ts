// Reads a data file for rewriting through the native column decoder: the
// footer is parsed here (thrift-compact.ts), each column's chunks are decoded
// to Arrow buffers on a worker thread, and the file's deletion vector is
// applied. Only what the decoder supports takes this path — flat columns whose
// Parquet type maps directly onto the table's Arrow type, no column mapping —
// otherwise `null` tells the caller to use the JS scan.

import * as arrow from 'apache-arrow';
import type { Add } from '../actions.ts';
import type { Storage } from '../storage/storage.ts';
import { readDeletionVector } from '../deletion-vector.ts';
import { fromAddPath } from '../partition-values.ts';
import type { Snapshot } from '../snapshot.ts';
import { takeRows } from '../operations/take.ts';
import { native } from '../../native/addon.ts';
import { readRanges } from './column-ranges.ts';
import { readFooter, readFooterOf } from './rowgroup-copy.ts';
import { field, numberField, type TList, type TStruct } from './thrift-compact.ts';

/** One column's chunks as the native decoder takes them (see native/maintenance/column_spec_js.h). */
export interface DecodeColumn {
  type: number;
  typeLength: number;
  maxDef: number;
  chunks: { start: number; end: number; numValues: number; codec: number }[];
}
interface Decoded {
  rows: number;
  nullCount: number;
  values: Buffer;
  validity: Buffer | null;
  offsets: Int32Array | null;
}
const core = native as unknown as { decodeColumns(file: Uint8Array, columns: DecodeColumn[], rows?: Int32Array): Promise<Decoded[]> };

const PT = { BOOLEAN: 0, INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const CODECS = new Set([0, 1, 2, 4, 6]);

/** The table's data (non-partition) columns as an Arrow schema: what rewritten files hold. */
export function dataSchemaOf(snapshot: Snapshot): arrow.Schema {
  const partitions = new Set(snapshot.partitionColumns);
  return new arrow.Schema(snapshot.arrowSchema.fields.filter((f) => !partitions.has(f.name)), snapshot.arrowSchema.metadata);
}

/** Encoded column chunks of a data file, ready for the native decoder. */
export interface FileColumns {
  /** The bytes the chunk offsets point into (the whole file, or just the chunks' ranges). */
  bytes: Uint8Array;
  /** One entry per wanted column, in the order asked for. */
  columns: DecodeColumn[];
  /** Rows in the file (deleted ones included). */
  numRows: number;
}

/**
 * Reads what decoding the columns of `dataSchema` from `add` takes: the
 * footer (from the file's tail when its size is known) and the byte ranges of
 * the wanted column chunks only. Null when the file needs the JS reader
 * (nested, column-mapped or otherwise unsupported columns).
 */
export async function readFileColumns(storage: Storage, snapshot: Snapshot, add: Add, dataSchema: arrow.Schema): Promise<FileColumns | null> {
  if (snapshot.columnMappingMode !== 'none') return null;
  return readParquetColumns(storage, fromAddPath(add.path), add.size, dataSchema, `Data file ${add.path} of Delta table ${storage.root}`);
}

/**
 * {@link readFileColumns} for any Parquet file of `storage` (`size` in bytes
 * when known; `where` names it in errors).
 */
export async function readParquetColumns(storage: Storage, path: string, size: number | undefined, dataSchema: arrow.Schema, where: string): Promise<FileColumns | null> {
  let bytes: Uint8Array | null = null;
  let meta: TStruct;
  let numRows: number;
  if (typeof size === 'number' && size > 0) {
    ({ meta, numRows } = await readFooterOf(storage, path, size, where));
  } else {
    bytes = await storage.read(path);
    if (!bytes) throw new Error(`${where} is missing`);
    ({ meta, numRows } = readFooter(bytes, where));
  }
  const schema = ((field(meta, 2)?.value as TList | undefined)?.items ?? []) as TStruct[];
  if (schema.length === 0) return null;
  const leaves = schema.slice(1);
  // Flat files only: every element after the root is a leaf.
  if ((numberField(schema[0], 5) ?? 0) !== leaves.length || leaves.some((e) => (numberField(e, 5) ?? 0) > 0)) return null;
  const names = leaves.map((e) => new TextDecoder().decode(field(e, 4)?.value as Uint8Array));
  const rowGroups = ((field(meta, 4)?.value as TList | undefined)?.items ?? []) as TStruct[];

  const columns: DecodeColumn[] = [];
  for (const f of dataSchema.fields) {
    const leaf = names.indexOf(f.name);
    if (leaf < 0 || !compatible(leaves[leaf], f.type)) return null;
    const e = leaves[leaf];
    const repetition = numberField(e, 3) ?? 0;
    if (repetition === 2) return null;
    const chunks: DecodeColumn['chunks'] = [];
    for (const rg of rowGroups) {
      const cc = ((field(rg, 1)?.value as TList).items[leaf]) as TStruct | undefined;
      const md = cc && (field(cc, 3)?.value as TStruct | undefined);
      if (!md) return null;
      const codec = numberField(md, 4) ?? 0;
      if (!CODECS.has(codec)) return null;
      const data = numberField(md, 9) ?? 0;
      const dict = numberField(md, 11);
      const start = dict !== undefined && dict > 0 && dict < data ? dict : data;
      chunks.push({ start, end: start + (numberField(md, 7) ?? 0), numValues: numberField(md, 5) ?? 0, codec });
    }
    columns.push({ type: numberField(e, 1) ?? -1, typeLength: numberField(e, 2) ?? 0, maxDef: repetition === 1 ? 1 : 0, chunks });
  }
  if (!bytes) {
    const chunks = columns.flatMap((c) => c.chunks);
    const wanted = chunks.reduce((s, ch) => s + ch.end - ch.start, 0);
    if (wanted > size! / 2) {
      bytes = await storage.read(path);
      if (!bytes) throw new Error(`${where} is missing`);
    } else {
      // Only the chunks' byte ranges, gathered into one buffer the decoder reads at remapped offsets.
      const ranges = await readRanges(storage, path, chunks.map((ch) => [ch.start, ch.end] as const));
      for (const ch of chunks) [ch.start, ch.end] = [ranges.at(ch.start), ranges.at(ch.start) + ch.end - ch.start];
      bytes = ranges.bytes;
    }
  }
  return { bytes, columns, numRows };
}

/**
 * The live rows of `add` (deletion vector applied) as one batch of
 * `dataSchema`, decoded natively; null when the file needs the JS reader.
 */
export async function readFileNative(storage: Storage, snapshot: Snapshot, add: Add, dataSchema: arrow.Schema): Promise<arrow.RecordBatch | null> {
  const file = await readFileColumns(storage, snapshot, add, dataSchema);
  if (!file) return null;
  const numRows = file.numRows;
  let batch: arrow.RecordBatch;
  try {
    batch = await decodeFileColumns(file, dataSchema);
  } catch {
    // An encoding the native decoder lacks (or a file it cannot parse): the JS reader decides.
    return null;
  }
  if (add.deletionVector) {
    const deleted = await readDeletionVector(storage, add.deletionVector);
    const keep = new Int32Array(numRows - deleted.length);
    let d = 0;
    let k = 0;
    for (let r = 0; r < numRows; r++) {
      if (d < deleted.length && deleted[d] === r) d++;
      else keep[k++] = r;
    }
    batch = takeRows(batch, keep.subarray(0, k));
  }
  return batch;
}

/**
 * Decodes the columns of `file` (read for `schema`) into one batch — only
 * the rows `rows` (ascending) when given, page by page, so a few rows of a
 * long column cost one page of memory. Throws when the decoder lacks an
 * encoding the file uses.
 */
export async function decodeFileColumns(file: FileColumns, schema: arrow.Schema, rows?: Int32Array): Promise<arrow.RecordBatch> {
  const decoded = await core.decodeColumns(file.bytes, file.columns, rows);
  const length = rows ? rows.length : file.numRows;
  const children = schema.fields.map((f, i) => toArrowData(f.type, decoded[i], length));
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children }));
}

/**
 * Whether Tributary's Parquet writer stores a column of `type` so that the
 * native decoder reads it back (see {@link compatible}).
 */
export function decodesNatively(type: arrow.DataType): boolean {
  switch (type.typeId) {
    case arrow.Type.Int:
      return (type as arrow.Int).isSigned;
    case arrow.Type.Float:
      return (type as arrow.Float).precision !== arrow.Precision.HALF;
    case arrow.Type.Bool:
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
      return true;
    case arrow.Type.Date:
      return (type as arrow.Date_).unit === arrow.DateUnit.DAY;
    case arrow.Type.Timestamp:
      return (type as arrow.Timestamp).unit === arrow.TimeUnit.MICROSECOND;
    default:
      return false;
  }
}

/** Whether a flat Parquet leaf decodes straight into the Arrow type. */
function compatible(e: TStruct, type: arrow.DataType): boolean {
  const pt = numberField(e, 1);
  const converted = numberField(e, 6);
  const logical = field(e, 10)?.value as TStruct | undefined;
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      if (!t.isSigned) return false;
      return t.bitWidth === 64 ? pt === PT.INT64 : pt === PT.INT32;
    }
    case arrow.Type.Float:
      return (type as arrow.Float).precision === arrow.Precision.DOUBLE ? pt === PT.DOUBLE : (type as arrow.Float).precision === arrow.Precision.SINGLE && pt === PT.FLOAT;
    case arrow.Type.Bool:
      return pt === PT.BOOLEAN;
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
      return pt === PT.BYTE_ARRAY && converted !== 5 /* DECIMAL */;
    case arrow.Type.Date:
      return (type as arrow.Date_).unit === arrow.DateUnit.DAY && pt === PT.INT32;
    case arrow.Type.Timestamp: {
      if ((type as arrow.Timestamp).unit !== arrow.TimeUnit.MICROSECOND || pt !== PT.INT64) return false;
      if (converted === 10) return true; // TIMESTAMP_MICROS
      const ts = logical && (field(logical, 8)?.value as TStruct | undefined); // LogicalType.TIMESTAMP
      const unit = ts && (field(ts, 2)?.value as TStruct | undefined);
      return !!unit && field(unit, 2) !== undefined; // TimeUnit.MICROS
    }
    default:
      return false;
  }
}

function toArrowData(type: arrow.DataType, d: Decoded, rows: number): arrow.Data {
  if (d.rows !== rows) throw new Error(`native decoder returned ${d.rows} rows, the footer says ${rows}`);
  const v = d.values;
  const nullBitmap = d.validity ? new Uint8Array(d.validity.buffer, d.validity.byteOffset, d.validity.length) : undefined;
  const common = { type, length: rows, nullCount: d.nullCount, nullBitmap };
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      if (t.bitWidth === 64) return arrow.makeData({ ...common, data: new BigInt64Array(v.buffer, v.byteOffset, rows) } as never);
      const i32 = new Int32Array(v.buffer, v.byteOffset, rows);
      const data = t.bitWidth === 32 ? i32 : t.bitWidth === 16 ? Int16Array.from(i32) : Int8Array.from(i32);
      return arrow.makeData({ ...common, data } as never);
    }
    case arrow.Type.Timestamp:
      return arrow.makeData({ ...common, data: new BigInt64Array(v.buffer, v.byteOffset, rows) } as never);
    case arrow.Type.Date:
      return arrow.makeData({ ...common, data: new Int32Array(v.buffer, v.byteOffset, rows) } as never);
    case arrow.Type.Float:
      return arrow.makeData({
        ...common,
        data: (type as arrow.Float).precision === arrow.Precision.DOUBLE ? new Float64Array(v.buffer, v.byteOffset, rows) : new Float32Array(v.buffer, v.byteOffset, rows),
      } as never);
    case arrow.Type.Bool:
      return arrow.makeData({ ...common, data: new Uint8Array(v.buffer, v.byteOffset, v.length) } as never);
    default:
      return arrow.makeData({ ...common, valueOffsets: d.offsets!, data: new Uint8Array(v.buffer, v.byteOffset, v.length) } as never);
  }
}
