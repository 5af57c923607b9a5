// Reads a data file for rewriting through the native column decoder: the
// footer is parsed here (thrift-compact.ts) into a plan, each column's chunks
// are decoded to Arrow buffers on a worker thread (local files: only those
// chunks are read), and the file's deletion vector is applied. Only what the decoder supports takes this path — flat columns whose
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
import { readFooter, readFooterOf } from './rowgroup-copy.ts';
import { field, numberField, type TList, type TStruct } from './thrift-compact.ts';

/** One column to decode: its Parquet physical type and its chunks' byte ranges. */
export interface DecodeColumn {
  type: number;
  typeLength: number;
  maxDef: number;
  chunks: { start: number; end: number; numValues: number; codec: number }[];
}
/** A natively decoded column in Arrow layout. */
export interface Decoded {
  rows: number;
  nullCount: number;
  values: Uint8Array;
  validity: Uint8Array | null;
  offsets: Int32Array | null;
}
const core = native as unknown as { decodeColumns(file: Uint8Array | number, columns: DecodeColumn[], rows?: Int32Array): Promise<Decoded[]> };

const PT = { BOOLEAN: 0, INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const CODECS = new Set([0, 1, 2, 4, 6]);

/** The table's data (non-partition) columns as an Arrow schema: what rewritten files hold. */
export function dataSchemaOf(snapshot: Snapshot): arrow.Schema {
  const partitions = new Set(snapshot.partitionColumns);
  return new arrow.Schema(snapshot.arrowSchema.fields.filter((f) => !partitions.has(f.name)), snapshot.arrowSchema.metadata);
}

/** How to decode a file's columns natively: one column spec per requested field, with its Arrow type. */
export interface NativeReadPlan {
  columns: DecodeColumn[];
  types: arrow.DataType[];
  /** Physical rows of the file (before its deletion vector). */
  numRows: number;
}

/**
 * The native decoding plan of the columns of `schema` in a file with footer
 * `meta`; null when the native decoder cannot read them (the JS reader can).
 */
export function planNativeRead(snapshot: Snapshot, meta: TStruct, schema: arrow.Schema): NativeReadPlan | null {
  return snapshot.columnMappingMode === 'none' ? planColumns(meta, schema) : null;
}

/**
 * The native decoding plan of the columns of `schema` (found by name) in any
 * Parquet file with footer `meta`; null when the native decoder cannot read
 * them.
 */
export function planColumns(meta: TStruct, schema: arrow.Schema): NativeReadPlan | null {
  const elements = ((field(meta, 2)?.value as TList | undefined)?.items ?? []) as TStruct[];
  if (elements.length === 0) return null;
  const leaves = elements.slice(1);
  // Flat files only: every element after the root is a leaf.
  if ((numberField(elements[0], 5) ?? 0) !== leaves.length || leaves.some((e) => (numberField(e, 5) ?? 0) > 0)) return null;
  const names = leaves.map((e) => new TextDecoder().decode(field(e, 4)?.value as Uint8Array));
  const rowGroups = ((field(meta, 4)?.value as TList | undefined)?.items ?? []) as TStruct[];
  const columns: DecodeColumn[] = [];
  const types: arrow.DataType[] = [];
  for (const f of schema.fields) {
    const leaf = names.indexOf(f.name);
    if (leaf < 0 || !compatible(leaves[leaf], f.type)) return null;
    const e = leaves[leaf];
    const repetition = numberField(e, 3) ?? 0;
    if (repetition === 2) return null;
    const chunks: DecodeColumn['chunks'] = [];
    for (const rg of rowGroups) {
      const cc = (field(rg, 1)?.value as TList).items[leaf] as TStruct | undefined;
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
    types.push(f.type);
  }
  return { columns, types, numRows: numberField(meta, 3) ?? 0 };
}

/** The plan restricted to some of its columns (indexes into it), in that order. */
export function subPlan(plan: NativeReadPlan, columns: readonly number[]): NativeReadPlan {
  return { columns: columns.map((i) => plan.columns[i]), types: columns.map((i) => plan.types[i]), numRows: plan.numRows };
}

/**
 * The live rows of `add` (deletion vector applied) as one batch of
 * `schema`, decoded natively; null when the file needs the JS reader.
 * Local files are read through a descriptor, only the columns' chunks.
 */
export async function readFileNative(storage: Storage, snapshot: Snapshot, add: Add, schema: arrow.Schema): Promise<arrow.RecordBatch | null> {
  if (snapshot.columnMappingMode !== 'none') return null;
  const path = fromAddPath(add.path);
  const where = `Data file ${add.path} of Delta table ${storage.root}`;
  if (storage.readFile && process.platform !== 'win32') {
    const plan = planNativeRead(snapshot, (await readFooterOf(storage, path, add.size, where)).meta, schema);
    return plan && readPlanned(storage, add, schema, plan);
  }
  const bytes = await storage.read(path);
  if (!bytes) throw new Error(`${where} is missing`);
  const plan = planNativeRead(snapshot, readFooter(bytes, where).meta, schema);
  return plan && readPlanned(storage, add, schema, plan, bytes);
}

/**
 * The live rows of `add` as one batch of `schema`, decoded by `plan` (from
 * the file's footer); null when the native decoder cannot. `bytes`: the
 * whole file, when already read.
 */
export async function readPlanned(storage: Storage, add: Add, schema: arrow.Schema, plan: NativeReadPlan, bytes?: Uint8Array): Promise<arrow.RecordBatch | null> {
  const decoded = bytes
    ? await decodeNative(bytes, plan)
    : await withColumns(storage, add, plan.columns, (file, columns) => decodeNative(file, { ...plan, columns }));
  return decoded === false ? null : liveBatch(storage, add, schema, plan, decoded);
}

/**
 * Runs `use` on the data file of `add` as the native core reads it: an open
 * descriptor where the storage hands one out (only the needed chunks are then
 * read), else the file's bytes.
 */
export async function withSource<T>(storage: Storage, add: Add, bytes: Uint8Array | undefined, use: (file: Uint8Array | number) => Promise<T>): Promise<T> {
  return withFile(storage, fromAddPath(add.path), `Data file ${add.path} of Delta table ${storage.root}`, bytes, use);
}

/**
 * Runs `use` on the parts of the data file of `add` that `columns` read:
 * an open descriptor where the storage hands one out (only their chunks are
 * then read), else one ranged read spanning their chunks, with the chunks'
 * offsets rebased to it — a key probe of a table on S3 fetches the key
 * column, not the file.
 */
export async function withColumns<T>(storage: Storage, add: Add, columns: DecodeColumn[], use: (file: Uint8Array | number, columns: DecodeColumn[]) => Promise<T>): Promise<T> {
  if (storage.readFile && process.platform !== 'win32') return withSource(storage, add, undefined, (file) => use(file, columns));
  let lo = Infinity;
  let hi = 0;
  for (const c of columns) {
    for (const ch of c.chunks) {
      if (ch.end <= ch.start) continue;
      lo = Math.min(lo, ch.start);
      hi = Math.max(hi, ch.end);
    }
  }
  if (!(hi > lo)) return withSource(storage, add, undefined, (file) => use(file, columns));
  const bytes = await storage.readRange(fromAddPath(add.path), lo, hi);
  const rebased = columns.map((c) => ({
    ...c,
    chunks: c.chunks.map((ch) => (ch.end <= ch.start ? { ...ch, start: 0, end: 0 } : { ...ch, start: ch.start - lo, end: ch.end - lo })),
  }));
  return use(bytes, rebased);
}

/** {@link withSource} for any file of `storage` (`where` names it in errors). */
export async function withFile<T>(storage: Storage, path: string, where: string, bytes: Uint8Array | undefined, use: (file: Uint8Array | number) => Promise<T>): Promise<T> {
  const missing = () => new Error(`${where} is missing`);
  if (bytes) return use(bytes);
  // Descriptors: POSIX only (see native/maintenance/column_reader.cc).
  if (storage.readFile && process.platform !== 'win32') {
    const out = await storage.readFile(path, async (fd) => ({ value: await use(fd) }));
    if (out === null) throw missing();
    return out.value;
  }
  const whole = await storage.read(path);
  if (!whole) throw missing();
  return use(whole);
}

/**
 * Decodes a plan's columns from a file's bytes or descriptor into one batch
 * of `schema` — only the rows `rows` (ascending) when given, page by page, so
 * a few rows of a long column cost one page of memory. Throws when the
 * decoder lacks an encoding the file uses.
 */
export async function decodeRows(file: Uint8Array | number, schema: arrow.Schema, plan: NativeReadPlan, rows?: Int32Array): Promise<arrow.RecordBatch> {
  const decoded = await core.decodeColumns(file, plan.columns, rows);
  return decodedBatch(schema, plan, decoded, rows ? rows.length : plan.numRows);
}

/** Decodes a plan's columns from a file's bytes or descriptor; false when the native decoder cannot. */
async function decodeNative(file: Uint8Array | number, plan: NativeReadPlan): Promise<Decoded[] | false> {
  try {
    return await core.decodeColumns(file, plan.columns);
  } catch {
    // An encoding the native decoder lacks (or a file it cannot parse): the JS reader decides.
    return false;
  }
}

async function liveBatch(storage: Storage, add: Add, schema: arrow.Schema, plan: NativeReadPlan, decoded: Decoded[]): Promise<arrow.RecordBatch> {
  let batch = decodedBatch(schema, plan, decoded, plan.numRows);
  if (add.deletionVector) {
    const deleted = await readDeletionVector(storage, add.deletionVector);
    const keep = new Int32Array(plan.numRows - deleted.length);
    let d = 0;
    let k = 0;
    for (let r = 0; r < plan.numRows; r++) {
      if (d < deleted.length && deleted[d] === r) d++;
      else keep[k++] = r;
    }
    batch = takeRows(batch, keep.subarray(0, k));
  }
  return batch;
}

/** Natively decoded columns (the plan's, in its order) as one batch of `schema`. */
export function decodedBatch(schema: arrow.Schema, plan: NativeReadPlan, decoded: Decoded[], rows: number): arrow.RecordBatch {
  const children = plan.types.map((t, i) => toArrowData(t, decoded[i], rows));
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children }));
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
