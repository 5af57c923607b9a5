// Scans a snapshot into Arrow RecordBatches: reads each active data file
// with hyparquet, resolves physical columns (column mapping by name or id),
// drops rows deleted by deletion vectors, attaches partition columns from the
// log and converts every value to the table's logical Arrow type (including
// type-widened columns whose files still hold the narrower type).

import { RecordBatch, Schema, Struct, Table, makeData, type Field } from 'apache-arrow';
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type FileMetaData, type SchemaElement, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Add } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { buildArrowData } from './arrow-data.ts';
import { readDeletionVector } from './deletion-vector.ts';
import { DeltaError } from './errors.ts';
import { storageAsyncBuffer } from './parquet-file.ts';
import { fromAddPath, parsePartitionValue, type PartitionValue } from './partition-values.ts';
import {
  columnMappingId, parseDecimalType, physicalName, type ColumnMappingMode, type DeltaType, type StructField,
} from './schema.ts';
import { loadSnapshot, type Snapshot, type SnapshotOptions } from './snapshot.ts';

/** Options of {@link scanSnapshot}. */
export interface ScanOptions {
  /** Top-level logical column names to return, in this order (all columns when omitted). */
  columns?: string[];
  /**
   * Keeps only files whose partition values satisfy the predicate. Values are
   * typed ({@link PartitionValue}) and keyed by logical column name.
   */
  partitionFilter?: (values: Record<string, PartitionValue>) => boolean;
}

/**
 * Reads the rows of a snapshot as Arrow RecordBatches (one per Parquet row
 * group) whose schema is `snapshot.arrowSchema` (or its projection).
 *
 * @example
 * const snap = await loadSnapshot(storage);
 * for await (const batch of scanSnapshot(storage, snap, { columns: ['id', 'amount'] })) {
 *   console.log(batch.numRows);
 * }
 */
export async function* scanSnapshot(storage: Storage, snapshot: Snapshot, opts: ScanOptions = {}): AsyncIterable<RecordBatch> {
  const plan = planScan(snapshot, opts.columns);
  for (const add of snapshot.files()) {
    const partitionValues = parsePartitions(snapshot, plan, add);
    if (opts.partitionFilter && !opts.partitionFilter(partitionValues)) continue;
    yield* scanFile(storage, snapshot, plan, add, partitionValues);
  }
}

/**
 * Loads a snapshot and reads it whole into an Arrow Table.
 *
 * @example
 * const table = await readTable(new LocalStorage('/data/orders'), { version: 3, columns: ['id'] });
 */
export async function readTable(storage: Storage, opts: SnapshotOptions & ScanOptions = {}): Promise<Table> {
  const snapshot = await loadSnapshot(storage, { version: opts.version, timestamp: opts.timestamp });
  const plan = planScan(snapshot, opts.columns);
  const batches: RecordBatch[] = [];
  for await (const b of scanSnapshot(storage, snapshot, opts)) batches.push(b);
  return new Table(plan.schema, batches);
}

interface ScanPlan {
  schema: Schema;
  /** Output columns in order, with their Delta field and whether they are partition columns. */
  columns: { field: StructField; arrow: Field; partition: boolean }[];
  mode: ColumnMappingMode;
}

function planScan(snapshot: Snapshot, columns: string[] | undefined): ScanPlan {
  const partitions = new Set(snapshot.partitionColumns);
  const byName = new Map(snapshot.schema.fields.map((f, i) => [f.name, i] as const));
  const indexes = columns
    ? columns.map((c) => {
        const i = byName.get(c);
        if (i === undefined) {
          throw new DeltaError(`Column '${c}' does not exist in Delta table ${snapshot.table}; its columns are ${[...byName.keys()].join(', ')}`);
        }
        return i;
      })
    : snapshot.schema.fields.map((_, i) => i);
  const arrowFields = snapshot.arrowSchema.fields;
  const out = indexes.map((i) => ({
    field: snapshot.schema.fields[i],
    arrow: arrowFields[i],
    partition: partitions.has(snapshot.schema.fields[i].name),
  }));
  return { schema: new Schema(out.map((c) => c.arrow), snapshot.arrowSchema.metadata), columns: out, mode: snapshot.columnMappingMode };
}

/** Typed partition values of a file, keyed by logical name (the log keys them by physical name under column mapping). */
function parsePartitions(snapshot: Snapshot, plan: ScanPlan, add: Add): Record<string, PartitionValue> {
  const out: Record<string, PartitionValue> = {};
  for (const name of snapshot.partitionColumns) {
    const field = snapshot.schema.fields.find((f) => f.name === name);
    if (!field) throw new DeltaError(`Partition column '${name}' is not in the schema of Delta table ${snapshot.table}`);
    const key = plan.mode === 'none' ? name : physicalName(field, plan.mode);
    const raw = key in add.partitionValues ? add.partitionValues[key] : add.partitionValues[name];
    try {
      out[name] = parsePartitionValue(raw, field.type, name);
    } catch (err) {
      throw new DeltaError(`File ${add.path} of Delta table ${snapshot.table}: ${(err as Error).message}`);
    }
  }
  return out;
}

async function* scanFile(
  storage: Storage,
  snapshot: Snapshot,
  plan: ScanPlan,
  add: Add,
  partitionValues: Record<string, PartitionValue>,
): AsyncIterable<RecordBatch> {
  const path = fromAddPath(add.path);
  const where = `file ${add.path} of Delta table ${snapshot.table}`;
  const deleted = add.deletionVector ? await readDeletionVector(storage, add.deletionVector) : null;
  const file = await storageAsyncBuffer(storage, path, add.size);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new DeltaError(`Cannot read Parquet footer of ${where}: ${(err as Error).message}`);
  }
  const root = parquetSchema(metadata);
  // Resolve each non-partition output column to a top-level Parquet column (or none: nulls).
  const sources = plan.columns.map((c) => (c.partition ? null : resolveChild(root, c.field, plan.mode)));
  const wanted = [...new Set(sources.filter((s): s is SchemaTree => s !== null).map((s) => s.element.name))];
  const readMetadata = readableFooter(metadata);

  let rowStart = 0;
  let deletedPos = 0;
  for (const rg of metadata.row_groups) {
    const n = Number(rg.num_rows);
    const rowEnd = rowStart + n;
    let rows: Record<string, unknown>[] = [];
    if (wanted.length > 0 && n > 0) {
      try {
        rows = await parquetReadObjects({
          file, metadata: readMetadata, columns: wanted, rowStart, rowEnd, compressors, utf8: false, parsers: PARSERS,
        });
      } catch (err) {
        throw new DeltaError(`Cannot read ${where}: ${(err as Error).message}`);
      }
    }
    // Row positions (within this row group) that survive the deletion vector.
    let keep: number[] | null = null;
    if (deleted) {
      keep = [];
      for (let i = 0; i < n; i++) {
        const abs = rowStart + i;
        while (deletedPos < deleted.length && deleted[deletedPos] < abs) deletedPos++;
        if (deletedPos < deleted.length && deleted[deletedPos] === abs) continue;
        keep.push(i);
      }
    }
    const length = keep ? keep.length : n;
    rowStart = rowEnd;
    if (length === 0) continue;
    const children = plan.columns.map((c, ci) => {
      const name = `${c.field.name} (${where})`;
      let values: unknown[];
      if (c.partition) {
        values = new Array(length).fill(partitionValues[c.field.name]);
      } else {
        const src = sources[ci];
        if (!src) values = new Array(length).fill(null);
        else {
          const convert = converter(c.field.type, src, plan.mode, name);
          const key = src.element.name;
          values = new Array(length);
          for (let i = 0; i < length; i++) values[i] = convert(rows[keep ? keep[i] : i][key]);
        }
      }
      return buildArrowData(c.arrow.type, values, name);
    });
    const data = makeData({ type: new Struct(plan.schema.fields), length, nullCount: 0, children });
    yield new RecordBatch(plan.schema, data);
  }
}

// Timestamps come out as bigint µs (INT96 included), dates as day numbers:
// hyparquet's defaults (Date objects) would lose microseconds.
const PARSERS = {
  timestampFromMilliseconds: (ms: bigint) => BigInt(ms) * 1000n,
  timestampFromMicroseconds: (us: bigint) => BigInt(us),
  timestampFromNanoseconds: (ns: bigint) => floorDiv(BigInt(ns), 1000n),
  dateFromDays: (days: number) => days,
};

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * A copy of the footer with two annotations removed before reading:
 * DECIMAL, so hyparquet hands back raw unscaled integers / bytes instead of
 * lossy JS numbers, and MAP, because hyparquet turns maps into objects keyed
 * by stringified keys (losing key types and order); unannotated, a map reads
 * as its repeated key/value group. The original tree still guides conversion.
 */
function readableFooter(metadata: FileMetaData): FileMetaData {
  const strip = (e: SchemaElement) => isDecimalElement(e) || e.converted_type === 'MAP' || e.converted_type === 'MAP_KEY_VALUE' || e.logical_type?.type === 'MAP';
  if (!metadata.schema.some(strip)) return metadata;
  return {
    ...metadata,
    schema: metadata.schema.map((e) => {
      if (!strip(e)) return e;
      const { converted_type: _c, logical_type: _l, ...rest } = e;
      return rest as SchemaElement;
    }),
  };
}

function decimalScale(e: SchemaElement): number {
  const lt = e.logical_type as { type: string; scale?: number } | undefined;
  return e.scale ?? (lt?.type === 'DECIMAL' ? lt.scale ?? 0 : 0);
}

function isDecimalElement(e: SchemaElement): boolean {
  return e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL';
}

/** The child of a Parquet group holding a Delta field: by name, physical name or field id. */
function resolveChild(group: SchemaTree, field: StructField, mode: ColumnMappingMode): SchemaTree | null {
  if (mode === 'id') {
    const id = columnMappingId(field);
    if (id === undefined) throw new DeltaError(`Field '${field.name}' has no delta.columnMapping.id although column mapping mode is id`);
    return group.children.find((c) => c.element.field_id === id) ?? null;
  }
  const name = mode === 'name' ? physicalName(field, mode) : field.name;
  return group.children.find((c) => c.element.name === name) ?? null;
}

type Convert = (value: unknown) => unknown;

/**
 * A function turning hyparquet's value for Parquet node `node` into the
 * normalized value (see arrow-data.ts) of Delta type `type`.
 */
function converter(type: DeltaType, node: SchemaTree, mode: ColumnMappingMode, where: string): Convert {
  const el = node.element;
  const fail = (v: unknown, why = ''): never => {
    throw new DeltaError(
      `Column ${where}: cannot read Parquet ${el.type ?? 'group'}${el.converted_type ? `/${el.converted_type}` : ''} value ` +
        `${describe(v)} as Delta type ${typeof type === 'string' ? type : type.type}${why ? ` (${why})` : ''}`,
    );
  };
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        return (v) => (v == null ? null : typeof v === 'string' ? v : v instanceof Uint8Array ? DECODER.decode(v) : fail(v));
      case 'binary':
        return (v) => (v == null ? null : v instanceof Uint8Array ? v : typeof v === 'string' ? ENCODER.encode(v) : fail(v));
      case 'boolean':
        return (v) => (v == null ? null : typeof v === 'boolean' ? v : fail(v));
      case 'byte':
      case 'short':
      case 'integer':
        return (v) => (v == null ? null : typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : fail(v));
      case 'long':
        return (v) => (v == null ? null : typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : fail(v));
      case 'float':
      case 'double':
        return (v) => (v == null ? null : typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : fail(v));
      case 'date':
        return (v) => (v == null ? null : typeof v === 'number' ? v : fail(v));
      case 'timestamp':
      case 'timestamp_ntz': {
        // date → timestamp_ntz is an allowed type widening: midnight of that day.
        const fromDate = el.converted_type === 'DATE' || el.logical_type?.type === 'DATE';
        return (v) => (v == null ? null : typeof v === 'bigint' ? v : fromDate && typeof v === 'number' ? BigInt(v) * 86_400_000_000n : fail(v));
      }
    }
    const dec = parseDecimalType(type);
    if (dec) {
      const fileScale = isDecimalElement(el) ? decimalScale(el) : 0;
      if (fileScale > dec.scale) fail('?', `file scale ${fileScale} exceeds table scale ${dec.scale}`);
      const factor = 10n ** BigInt(dec.scale - fileScale);
      return (v) => {
        if (v == null) return null;
        let unscaled: bigint;
        if (typeof v === 'bigint') unscaled = v;
        else if (typeof v === 'number' && Number.isInteger(v)) unscaled = BigInt(v);
        else if (v instanceof Uint8Array) unscaled = bytesToBigInt(v);
        else return fail(v);
        return unscaled * factor;
      };
    }
    return (v) => fail(v, 'unsupported type');
  }
  switch (type.type) {
    case 'struct': {
      const kids = type.fields.map((f) => {
        const child = resolveChild(node, f, mode);
        return { name: f.name, key: child?.element.name, convert: child ? converter(f.type, child, mode, `${where}.${f.name}`) : null };
      });
      return (v) => {
        if (v == null) return null;
        if (typeof v !== 'object') return fail(v);
        const o = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const k of kids) out[k.name] = k.convert && k.key !== undefined ? k.convert(o[k.key]) : null;
        return out;
      };
    }
    case 'array': {
      const elementNode = listElement(node);
      if (!elementNode) return (v) => fail(v, 'not a Parquet list');
      const convert = converter(type.elementType, elementNode, mode, `${where}.element`);
      return (v) => (v == null ? null : Array.isArray(v) ? v.map(convert) : fail(v));
    }
    case 'map': {
      const kv = node.children[0];
      const keyNode = kv?.children.find((c) => c.element.name === 'key') ?? kv?.children[0];
      const valueNode = kv?.children.find((c) => c.element.name === 'value') ?? kv?.children[1];
      if (!kv || !keyNode || !valueNode) return (v) => fail(v, 'not a Parquet map');
      const keyConvert = converter(type.keyType, keyNode, mode, `${where}.key`);
      const valueConvert = converter(type.valueType, valueNode, mode, `${where}.value`);
      const kvName = kv.element.name;
      const keyName = keyNode.element.name;
      const valueName = valueNode.element.name;
      // With the MAP annotation stripped (see readableFooter) hyparquet yields
      // { key_value: [{ key, value }, ...] }, keeping typed keys and entry order.
      return (v) => {
        if (v == null) return null;
        if (typeof v !== 'object') return fail(v);
        const entries = (v as Record<string, unknown>)[kvName];
        if (entries == null) return [];
        if (!Array.isArray(entries)) return fail(v);
        return entries.map((e: Record<string, unknown>) => [keyConvert(e[keyName]), valueConvert(e[valueName])]);
      };
    }
    default:
      return (v) => fail(v, 'unsupported type');
  }
}

/** The element node of a Parquet LIST (3-level, or legacy 2-level). */
function listElement(node: SchemaTree): SchemaTree | null {
  const repeated = node.children[0];
  if (!repeated) return null;
  if (repeated.children.length === 1 && repeated.element.repetition_type === 'REPEATED') return repeated.children[0];
  return repeated;
}

function bytesToBigInt(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return BigInt.asIntN(b.length * 8, v);
}

const DECODER = new TextDecoder();
const ENCODER = new TextEncoder();

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `binary(${v.length} bytes)`;
  if (typeof v === 'bigint') return `${v}n`;
  if (v && typeof v === 'object') return 'object';
  return `${typeof v} ${String(v)}`;
}
