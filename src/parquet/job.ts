// Builds the native job: for every Parquet leaf and every record batch, the
// chain of Arrow arrays (validity, offsets, values) passed as zero-copy views.
import { DataType, makeData, type Data, type RecordBatch } from 'apache-arrow';
import { codecIds } from './codec.ts';
import type { ResolvedOptions } from './options.ts';
import type { LeafPlan, ParquetSchemaPlan } from './schema.ts';
import {
  NodeKind,
  SourceKind,
  type NativeColumn,
  type NativeJob,
  type NativeLeaf,
  type NativeNode,
  type OffsetsArray,
} from './native-job.ts';

/** `created_by` in the footer. */
export const CREATED_BY = 'tributary version 0.1.0 (build native)';

function indexSource(type: DataType): SourceKind {
  if (!DataType.isInt(type)) throw new Error(`dictionary indices of type ${String(type)} are not integers`);
  const signed: Record<number, SourceKind> = { 8: SourceKind.int8, 16: SourceKind.int16, 32: SourceKind.int32, 64: SourceKind.int64 };
  const unsigned: Record<number, SourceKind> = { 8: SourceKind.uint8, 16: SourceKind.uint16, 32: SourceKind.uint32, 64: SourceKind.uint64 };
  return (type.isSigned ? signed : unsigned)[type.bitWidth]!;
}

function nodeOf(data: Data, kind: NodeKind, optional: boolean): NativeNode {
  const hasNulls = data.nullCount > 0 && data.nullBitmap != null && data.nullBitmap.length > 0;
  return {
    kind,
    optional,
    length: data.length,
    validity: hasNulls ? (data.nullBitmap as Uint8Array) : null,
    bitOffset: data.offset,
    offsets: kind === NodeKind.list || kind === NodeKind.largeList ? (data.valueOffsets as unknown as OffsetsArray) : null,
  };
}

function leafOf(leaf: LeafPlan, data: Data): NativeLeaf {
  const out: NativeLeaf = {
    data: null,
    bitOffset: 0,
    offsets: null,
    indexSource: -1,
    dictData: null,
    dictOffsets: null,
    dictLength: 0,
  };
  if (leaf.source === SourceKind.dictionary) {
    const dictType = data.type as DataType;
    if (!DataType.isDictionary(dictType)) throw new Error(`column '${leaf.name}': expected dictionary data`);
    const dictionary = data.dictionary;
    if (dictionary == null) throw new Error(`column '${leaf.name}': dictionary array without its dictionary`);
    if (dictionary.nullCount > 0) throw new Error(`writeParquet: column '${leaf.name}' has nulls inside its Arrow dictionary`);
    // A dictionary spread over several chunks is joined once (it is small by nature).
    const dict = dictionary.data.length === 1 ? dictionary.data[0]! : dictionary.data.reduce((a, b) => concatData(a, b));
    out.data = data.values as ArrayBufferView;
    out.indexSource = indexSource(dictType.indices);
    out.dictData = dict.values as Uint8Array;
    out.dictOffsets = dict.valueOffsets as unknown as OffsetsArray;
    out.dictLength = dict.length;
    return out;
  }
  out.data = (data.values as ArrayBufferView | undefined) ?? null;
  if (leaf.source === SourceKind.bool) out.bitOffset = data.offset;
  if (leaf.source === SourceKind.binary || leaf.source === SourceKind.largeBinary) {
    out.offsets = data.valueOffsets as unknown as OffsetsArray;
  }
  return out;
}

/** Joins two binary/utf8 Data (dictionary chunks) into one with fresh offsets. */
function concatData(a: Data, b: Data): Data {
  const large = a.valueOffsets instanceof BigInt64Array;
  const n = a.length + b.length;
  const bytesA = Number(a.valueOffsets[a.length]) - Number(a.valueOffsets[0]);
  const bytesB = Number(b.valueOffsets[b.length]) - Number(b.valueOffsets[0]);
  const values = new Uint8Array(bytesA + bytesB);
  values.set((a.values as Uint8Array).subarray(Number(a.valueOffsets[0]), Number(a.valueOffsets[a.length])), 0);
  values.set((b.values as Uint8Array).subarray(Number(b.valueOffsets[0]), Number(b.valueOffsets[b.length])), bytesA);
  const offsets = large ? new BigInt64Array(n + 1) : new Int32Array(n + 1);
  for (let i = 0; i <= a.length; i++) {
    const v = Number(a.valueOffsets[i]) - Number(a.valueOffsets[0]);
    offsets[i] = (large ? BigInt(v) : v) as never;
  }
  for (let i = 1; i <= b.length; i++) {
    const v = Number(b.valueOffsets[i]) - Number(b.valueOffsets[0]) + bytesA;
    offsets[a.length + i] = (large ? BigInt(v) : v) as never;
  }
  return makeData({ type: a.type, length: n, nullCount: 0, valueOffsets: offsets, data: values } as never) as Data;
}

function columnOf(leaf: LeafPlan, batches: readonly RecordBatch[]): NativeColumn {
  return {
    name: leaf.name,
    path: leaf.pathInSchema,
    type: leaf.physicalType,
    typeLength: leaf.typeLength,
    source: leaf.source,
    width: leaf.width,
    dictLarge: leaf.dictLarge,
    unsignedOrder: leaf.unsignedOrder,
    maxDef: leaf.maxDef,
    maxRep: leaf.maxRep,
    batches: batches.map((batch) => {
      const nodes: NativeNode[] = [];
      let data = batch.data as Data;
      for (const step of leaf.chain) {
        const child = data.children[step.childIndex];
        if (child == null) throw new Error(`writeParquet: column '${leaf.name}' is missing from a record batch`);
        data = child as Data;
        nodes.push(nodeOf(data, step.kind, step.optional));
      }
      return { nodes, leaf: leafOf(leaf, data) };
    }),
  };
}

/** Checks what the native side cannot phrase well: per-batch column lengths and top-level nullability. */
function checkBatches(plan: ParquetSchemaPlan, batches: readonly RecordBatch[]): void {
  for (const [b, batch] of batches.entries()) {
    batch.schema.fields.forEach((field, i) => {
      const data = batch.data.children[i] as Data | undefined;
      if (data == null) throw new Error(`writeParquet: column '${field.name}' is missing from record batch ${b}`);
      if (data.length !== batch.numRows) {
        throw new Error(
          `writeParquet: column '${field.name}' has ${data.length} rows but record batch ${b} has ${batch.numRows}`,
        );
      }
      if (!field.nullable && data.nullCount > 0) {
        throw new Error(`writeParquet: column '${field.name}' is not nullable but has ${data.nullCount} nulls`);
      }
    });
  }
  if (plan.leaves.length === 0) throw new Error('writeParquet: the schema has no leaf columns');
}

/** The full native job for `batches` (all sharing the planned schema). */
export function buildNativeJob(plan: ParquetSchemaPlan, batches: readonly RecordBatch[], options: ResolvedOptions): NativeJob {
  checkBatches(plan, batches);
  const keyValue: string[] = [];
  for (const [k, v] of Object.entries(options.keyValueMetadata)) keyValue.push(k, v);
  const batchRows = batches.map((b) => b.numRows);
  return {
    codec: codecIds[options.compression],
    level: options.compressionLevel,
    rowGroupSize: options.rowGroupSize,
    dataPageSize: options.dataPageSize,
    dictionary: options.dictionary,
    dictionaryPageSizeLimit: options.dictionaryPageSizeLimit,
    threads: options.threads,
    createdBy: CREATED_BY,
    keyValue,
    numRows: batchRows.reduce((a, b) => a + b, 0),
    batchRows,
    schema: plan.elements,
    columns: plan.leaves.map((leaf) => columnOf(leaf, batches)),
  };
}
