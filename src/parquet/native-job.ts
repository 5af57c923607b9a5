// The job handed to the native encoder (mirrors the layout documented in
// native/parquet/parquet_binding.cc). Built by job.ts; numbers use -1 for "absent".
import { native } from '../native/addon.ts';

/** Offsets buffers as Arrow JS holds them: 32-bit for list/utf8, 64-bit for large variants. */
export type OffsetsArray = Int32Array | BigInt64Array;

/** How the native side reads a leaf's Arrow values (native/parquet/column_spec.h SourceKind). */
export const SourceKind = {
  bool: 0,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  uint8: 5,
  uint16: 6,
  uint32: 7,
  uint64: 8,
  float32: 9,
  float64: 10,
  date64: 11,
  timestampSec: 12,
  binary: 13,
  largeBinary: 14,
  fixedBinary: 15,
  decimal: 16,
  dictionary: 17,
} as const;
export type SourceKind = (typeof SourceKind)[keyof typeof SourceKind];

/** Kinds of arrays on the way from a top-level field to a leaf. */
export const NodeKind = { leaf: 0, struct: 1, list: 2, largeList: 3 } as const;
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind];

/** Parquet's physical Type enum. */
export const PhysicalType = {
  boolean: 0,
  int32: 1,
  int64: 2,
  float: 4,
  double: 5,
  byteArray: 6,
  fixedLenByteArray: 7,
} as const;
export type PhysicalType = (typeof PhysicalType)[keyof typeof PhysicalType];

/** One SchemaElement of the footer, depth-first. */
export interface NativeSchemaElement {
  name: string;
  type: number;
  typeLength: number;
  repetition: number;
  numChildren: number;
  convertedType: number;
  scale: number;
  precision: number;
  fieldId: number;
  /** LogicalType union member id (0 = none) and its parameters, see parquet_binding.cc. */
  logicalKind: number;
  logicalA: number;
  logicalB: number;
}

export interface NativeNode {
  kind: NodeKind;
  optional: boolean;
  length: number;
  validity: Uint8Array | null;
  bitOffset: number;
  offsets: OffsetsArray | null;
}

export interface NativeLeaf {
  data: ArrayBufferView | null;
  bitOffset: number;
  offsets: OffsetsArray | null;
  indexSource: number;
  dictData: Uint8Array | null;
  dictOffsets: OffsetsArray | null;
  dictLength: number;
}

export interface NativeColumn {
  name: string;
  path: string[];
  type: PhysicalType;
  typeLength: number;
  source: SourceKind;
  width: number;
  dictLarge: boolean;
  unsignedOrder: boolean;
  maxDef: number;
  maxRep: number;
  batches: { nodes: NativeNode[]; leaf: NativeLeaf }[];
}

export interface NativeJob {
  codec: number;
  level: number;
  rowGroupSize: number;
  dataPageSize: number;
  dictionary: boolean;
  dictionaryPageSizeLimit: number;
  threads: number;
  createdBy: string;
  keyValue: string[];
  numRows: number;
  batchRows: number[];
  schema: NativeSchemaElement[];
  columns: NativeColumn[];
}

export interface NativeColumnStats {
  nullCount: number;
  /** Plain-encoded, as in the footer. */
  min?: Uint8Array;
  max?: Uint8Array;
}

export interface NativeResult {
  /** The whole file; only when no file descriptor was given. */
  buffer?: Buffer;
  /** Bytes of the file. */
  size: number;
  numRowGroups: number;
  stats: NativeColumnStats[];
}

type WriteFn = (job: NativeJob, fd?: number) => Promise<NativeResult>;

/**
 * Runs the job on the native encoder (off the JS thread). Without `fd` the file comes back as a Buffer;
 * with `fd` (an open, writable descriptor the caller keeps open until the promise settles) it is written
 * there with write(2), column chunk by column chunk, so it is never whole in memory.
 */
export function runNativeJob(job: NativeJob, fd?: number): Promise<NativeResult> {
  const fn = native.writeParquet as WriteFn | undefined;
  if (typeof fn !== 'function') throw new Error('tributary: the native addon has no writeParquet (rebuild it)');
  return fd === undefined ? fn(job) : fn(job, fd);
}
