// Arrow schema → Parquet schema: the footer's SchemaElements (depth-first)
// plus, for each Parquet leaf, how to reach and read its Arrow arrays.
import { DataType, Field, Schema, TimeUnit, DateUnit, Precision } from 'apache-arrow';
import { NodeKind, PhysicalType, SourceKind, type NativeSchemaElement } from './native-job.ts';

const Repetition = { required: 0, optional: 1, repeated: 2 } as const;

/** Parquet ConvertedType values (legacy annotations kept for older readers). */
const Converted = {
  utf8: 0,
  map: 1,
  list: 3,
  decimal: 5,
  date: 6,
  timestampMillis: 9,
  timestampMicros: 10,
  uint8: 11,
  uint16: 12,
  uint32: 13,
  uint64: 14,
  int8: 15,
  int16: 16,
} as const;

/** LogicalType union member ids. */
const Logical = { string: 1, map: 2, list: 3, decimal: 5, date: 6, timestamp: 8, integer: 10 } as const;

/** How a leaf's plain-encoded min/max decode back to a StatValue. */
export type StatKind =
  | 'bool'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float'
  | 'double'
  | 'string'
  | 'binary'
  | 'decimal'
  | 'date'
  | 'timestampSec';

/** One step from a parent array to a child on the way to a leaf. */
export interface ChainStep {
  /** Index in the parent's `children` (for the first step: in the record batch). */
  childIndex: number;
  kind: NodeKind;
  /** Parquet OPTIONAL (adds a definition level). */
  optional: boolean;
  field: Field;
}

export interface LeafPlan {
  /** Dotted Arrow path, for messages. */
  name: string;
  /** FileStats path: field names without list/map internals. */
  statsPath: string[];
  pathInSchema: string[];
  chain: ChainStep[];
  leafType: DataType;
  physicalType: PhysicalType;
  typeLength: number;
  source: SourceKind;
  width: number;
  dictLarge: boolean;
  unsignedOrder: boolean;
  maxDef: number;
  maxRep: number;
  stat: StatKind;
  /** Below a list or map: values have no per-row meaning for min/max. */
  repeated: boolean;
}

export interface ParquetSchemaPlan {
  elements: NativeSchemaElement[];
  leaves: LeafPlan[];
}

interface Primitive {
  physicalType: PhysicalType;
  typeLength?: number;
  source: SourceKind;
  width?: number;
  dictLarge?: boolean;
  unsignedOrder?: boolean;
  convertedType?: number;
  scale?: number;
  precision?: number;
  logical?: [kind: number, a?: number, b?: number];
  stat: StatKind;
}

/** Bytes of the smallest two's complement that holds every decimal of `precision` digits. */
export function decimalByteWidth(precision: number): number {
  let bytes = 1;
  while (2n ** BigInt(8 * bytes - 1) <= 10n ** BigInt(precision) - 1n) bytes++;
  return bytes;
}

function unsupported(name: string, type: DataType): Error {
  return new Error(`writeParquet: column '${name}' has unsupported Arrow type ${String(type)}`);
}

function primitive(name: string, type: DataType): Primitive {
  if (DataType.isBool(type)) return { physicalType: PhysicalType.boolean, source: SourceKind.bool, stat: 'bool' };
  if (DataType.isInt(type)) {
    const { bitWidth, isSigned } = type;
    if (bitWidth === 64) {
      return isSigned
        ? { physicalType: PhysicalType.int64, source: SourceKind.int64, stat: 'int64' }
        : {
            physicalType: PhysicalType.int64,
            source: SourceKind.uint64,
            unsignedOrder: true,
            convertedType: Converted.uint64,
            logical: [Logical.integer, 64, 0],
            stat: 'uint64',
          };
    }
    if (isSigned) {
      if (bitWidth === 32) return { physicalType: PhysicalType.int32, source: SourceKind.int32, stat: 'int32' };
      return {
        physicalType: PhysicalType.int32,
        source: bitWidth === 8 ? SourceKind.int8 : SourceKind.int16,
        convertedType: bitWidth === 8 ? Converted.int8 : Converted.int16,
        logical: [Logical.integer, bitWidth, 1],
        stat: 'int32',
      };
    }
    const sources: Record<number, SourceKind> = { 8: SourceKind.uint8, 16: SourceKind.uint16, 32: SourceKind.uint32 };
    const converted: Record<number, number> = { 8: Converted.uint8, 16: Converted.uint16, 32: Converted.uint32 };
    return {
      physicalType: PhysicalType.int32,
      source: sources[bitWidth]!,
      unsignedOrder: true,
      convertedType: converted[bitWidth]!,
      logical: [Logical.integer, bitWidth, 0],
      stat: 'uint32',
    };
  }
  if (DataType.isFloat(type)) {
    if (type.precision === Precision.SINGLE) return { physicalType: PhysicalType.float, source: SourceKind.float32, stat: 'float' };
    if (type.precision === Precision.DOUBLE) return { physicalType: PhysicalType.double, source: SourceKind.float64, stat: 'double' };
    throw unsupported(name, type);
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) {
    return {
      physicalType: PhysicalType.byteArray,
      source: DataType.isUtf8(type) ? SourceKind.binary : SourceKind.largeBinary,
      convertedType: Converted.utf8,
      logical: [Logical.string],
      stat: 'string',
    };
  }
  if (DataType.isBinary(type) || DataType.isLargeBinary(type)) {
    return {
      physicalType: PhysicalType.byteArray,
      source: DataType.isBinary(type) ? SourceKind.binary : SourceKind.largeBinary,
      stat: 'binary',
    };
  }
  if (DataType.isFixedSizeBinary(type)) {
    return {
      physicalType: PhysicalType.fixedLenByteArray,
      typeLength: type.byteWidth,
      source: SourceKind.fixedBinary,
      width: type.byteWidth,
      stat: 'binary',
    };
  }
  if (DataType.isDecimal(type)) {
    const { precision, scale, bitWidth } = type;
    if (bitWidth !== 128 && bitWidth !== 256) throw unsupported(name, type);
    if (!(precision >= 1 && precision <= (bitWidth === 128 ? 38 : 76))) {
      throw new Error(`writeParquet: column '${name}' has decimal precision ${precision} outside 1..${bitWidth === 128 ? 38 : 76}`);
    }
    // Always FIXED_LEN_BYTE_ARRAY: every reader (Spark, DuckDB, hyparquet) accepts it.
    return {
      physicalType: PhysicalType.fixedLenByteArray,
      typeLength: decimalByteWidth(precision),
      source: SourceKind.decimal,
      width: bitWidth / 8,
      convertedType: Converted.decimal,
      scale,
      precision,
      logical: [Logical.decimal, scale, precision],
      stat: 'decimal',
    };
  }
  if (DataType.isDate(type)) {
    return {
      physicalType: PhysicalType.int32,
      source: type.unit === DateUnit.DAY ? SourceKind.int32 : SourceKind.date64,
      convertedType: Converted.date,
      logical: [Logical.date],
      stat: 'date',
    };
  }
  if (DataType.isTimestamp(type)) {
    const utc = type.timezone != null && type.timezone !== '' ? 1 : 0;
    // Parquet has no seconds: those are written as milliseconds.
    const unit = type.unit === TimeUnit.NANOSECOND ? 3 : type.unit === TimeUnit.MICROSECOND ? 2 : 1;
    // The legacy TIMESTAMP_* annotations mean "adjusted to UTC", so only then.
    const converted = utc && unit === 1 ? Converted.timestampMillis : utc && unit === 2 ? Converted.timestampMicros : undefined;
    return {
      physicalType: PhysicalType.int64,
      source: type.unit === TimeUnit.SECOND ? SourceKind.timestampSec : SourceKind.int64,
      convertedType: converted,
      logical: [Logical.timestamp, utc, unit],
      stat: type.unit === TimeUnit.SECOND ? 'timestampSec' : 'int64',
    };
  }
  if (DataType.isDictionary(type)) {
    const v = type.dictionary;
    if (!(DataType.isUtf8(v) || DataType.isLargeUtf8(v) || DataType.isBinary(v) || DataType.isLargeBinary(v))) {
      throw unsupported(name, type);
    }
    const isString = DataType.isUtf8(v) || DataType.isLargeUtf8(v);
    return {
      physicalType: PhysicalType.byteArray,
      source: SourceKind.dictionary,
      dictLarge: DataType.isLargeUtf8(v) || DataType.isLargeBinary(v),
      convertedType: isString ? Converted.utf8 : undefined,
      logical: isString ? [Logical.string] : undefined,
      stat: isString ? 'string' : 'binary',
    };
  }
  throw unsupported(name, type);
}

function element(name: string, repetition: number, extra: Partial<NativeSchemaElement> = {}): NativeSchemaElement {
  return {
    name,
    type: -1,
    typeLength: -1,
    repetition,
    numChildren: -1,
    convertedType: -1,
    scale: -1,
    precision: -1,
    fieldId: -1,
    logicalKind: 0,
    logicalA: 0,
    logicalB: 0,
    ...extra,
  };
}

class Planner {
  readonly elements: NativeSchemaElement[] = [];
  readonly leaves: LeafPlan[] = [];
  private readonly unusedIds: Set<string>;

  constructor(private readonly fieldIds: Record<string, number>) {
    this.unusedIds = new Set(Object.keys(fieldIds));
  }

  finish(): void {
    if (this.unusedIds.size > 0) {
      throw new Error(`writeParquet: option 'fieldIds' names unknown field path(s): ${[...this.unusedIds].join(', ')}`);
    }
  }

  private fieldId(path: string): number {
    const id = this.fieldIds[path];
    if (id === undefined) return -1;
    this.unusedIds.delete(path);
    return id;
  }

  /**
   * Adds the elements of `field` (named `parquetName` in the file) and its leaves.
   * `idPath` keys fieldIds; `statsPath` is the FileStats path so far.
   */
  visit(
    field: Field,
    parquetName: string,
    childIndex: number,
    chain: ChainStep[],
    pathInSchema: string[],
    statsPath: string[],
    idPath: string,
    required: boolean,
  ): void {
    const type = field.type as DataType;
    const optional = field.nullable && !required;
    const rep = optional ? Repetition.optional : Repetition.required;
    const fieldId = this.fieldId(idPath);
    const path = [...pathInSchema, parquetName];
    const name = idPath;
    if (DataType.isStruct(type)) {
      if (type.children.length === 0) throw new Error(`writeParquet: column '${name}' is a struct without fields, which Parquet cannot store`);
      const step: ChainStep = { childIndex, kind: NodeKind.struct, optional, field };
      this.elements.push(element(parquetName, rep, { numChildren: type.children.length, fieldId }));
      type.children.forEach((child, i) =>
        this.visit(child, child.name, i, [...chain, step], path, [...statsPath, child.name], `${idPath}.${child.name}`, false),
      );
      return;
    }
    if (DataType.isList(type) || DataType.isLargeList(type)) {
      const step: ChainStep = { childIndex, kind: DataType.isList(type) ? NodeKind.list : NodeKind.largeList, optional, field };
      this.elements.push(
        element(parquetName, rep, { numChildren: 1, convertedType: Converted.list, logicalKind: Logical.list, fieldId }),
      );
      this.elements.push(element('list', Repetition.repeated, { numChildren: 1 }));
      const child = type.children[0]!;
      this.visit(child, 'element', 0, [...chain, step], [...path, 'list'], statsPath, `${idPath}.element`, false);
      return;
    }
    if (DataType.isMap(type)) {
      const step: ChainStep = { childIndex, kind: NodeKind.list, optional, field };
      this.elements.push(
        element(parquetName, rep, { numChildren: 1, convertedType: Converted.map, logicalKind: Logical.map, fieldId }),
      );
      this.elements.push(element('key_value', Repetition.repeated, { numChildren: 2 }));
      const entries = type.children[0]!;
      const entryStep: ChainStep = { childIndex: 0, kind: NodeKind.struct, optional: false, field: entries };
      const [key, value] = (entries.type as DataType).children as [Field, Field];
      const inner = [...chain, step, entryStep];
      const kvPath = [...path, 'key_value'];
      this.visit(key, 'key', 0, inner, kvPath, [...statsPath, 'key'], `${idPath}.key`, true);
      this.visit(value, 'value', 1, inner, kvPath, [...statsPath, 'value'], `${idPath}.value`, false);
      return;
    }
    const p = primitive(name, type);
    const fullChain = [...chain, { childIndex, kind: NodeKind.leaf, optional, field }];
    let maxDef = 0;
    let maxRep = 0;
    for (const s of fullChain) {
      if (s.optional) maxDef++;
      if (s.kind === NodeKind.list || s.kind === NodeKind.largeList) {
        maxDef++;
        maxRep++;
      }
    }
    this.elements.push(
      element(parquetName, rep, {
        type: p.physicalType,
        typeLength: p.typeLength ?? -1,
        convertedType: p.convertedType ?? -1,
        scale: p.scale ?? -1,
        precision: p.precision ?? -1,
        fieldId,
        logicalKind: p.logical?.[0] ?? 0,
        logicalA: p.logical?.[1] ?? 0,
        logicalB: p.logical?.[2] ?? 0,
      }),
    );
    this.leaves.push({
      name,
      statsPath,
      pathInSchema: path,
      chain: fullChain,
      leafType: type,
      physicalType: p.physicalType,
      typeLength: p.typeLength ?? 0,
      source: p.source,
      width: p.width ?? 0,
      dictLarge: p.dictLarge ?? false,
      unsignedOrder: p.unsignedOrder ?? false,
      maxDef,
      maxRep,
      stat: p.stat,
      repeated: maxRep > 0,
    });
  }
}

/**
 * Maps an Arrow schema to Parquet: lists become `<name> (LIST) { repeated group list { element } }`,
 * maps `<name> (MAP) { repeated group key_value { key; value } }`; throws an Error naming the column for
 * types Parquet cannot hold here (unions, intervals, float16, ...).
 *
 * @example
 * const plan = planSchema(table.schema);
 * plan.leaves.map((l) => l.pathInSchema.join('.'));
 */
export function planSchema(schema: Schema, fieldIds: Record<string, number> = {}): ParquetSchemaPlan {
  if (schema.fields.length === 0) throw new Error('writeParquet: the schema has no fields');
  const planner = new Planner(fieldIds);
  planner.elements.push(element('schema', -1, { numChildren: schema.fields.length }));
  schema.fields.forEach((f, i) => planner.visit(f, f.name, i, [], [], [f.name], f.name, false));
  planner.finish();
  return { elements: planner.elements, leaves: planner.leaves };
}
