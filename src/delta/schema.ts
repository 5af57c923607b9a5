// Delta's schema JSON (PROTOCOL.md "Schema Serialization Format") and its
// mapping to Apache Arrow types. Arrow is the in-memory shape of scans and of
// the writer's input, so both directions must be lossless for every type the
// protocol defines that Tributary supports.

import {
  Binary, Bool, DataType as ArrowType, DateDay, Decimal, Field, Float32, Float64, Int16, Int32, Int64, Int8,
  List, Map_, Schema, Struct, TimeUnit, Timestamp, Type, Utf8,
} from 'apache-arrow';
import { UnsupportedTypeError } from './errors.ts';

/** A primitive Delta type name, e.g. `long`, `timestamp_ntz`, `decimal(10,2)`. */
export type PrimitiveType = string;

/** A Delta data type: a primitive name or a nested type object. */
export type DeltaType = PrimitiveType | StructType | ArrayType | MapType;

/** Field metadata: arbitrary JSON (column mapping ids are numbers, comments strings, ...). */
export type FieldMetadata = Record<string, unknown>;

export interface StructField {
  name: string;
  type: DeltaType;
  nullable: boolean;
  metadata: FieldMetadata;
}

export interface StructType {
  type: 'struct';
  fields: StructField[];
}

export interface ArrayType {
  type: 'array';
  elementType: DeltaType;
  containsNull: boolean;
}

export interface MapType {
  type: 'map';
  keyType: DeltaType;
  valueType: DeltaType;
  valueContainsNull: boolean;
}

const PRIMITIVES = new Set([
  'string', 'long', 'integer', 'short', 'byte', 'float', 'double', 'boolean', 'binary', 'date', 'timestamp', 'timestamp_ntz',
]);
const DECIMAL_RE = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

/** Precision and scale of a `decimal(p,s)` type name, or `null` for other types. */
export function parseDecimalType(type: DeltaType): { precision: number; scale: number } | null {
  if (typeof type !== 'string') return null;
  if (type === 'decimal') return { precision: 10, scale: 0 };
  const m = DECIMAL_RE.exec(type);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : null;
}

/**
 * Parses and validates a `metaData.schemaString`.
 *
 * @example
 * parseSchema('{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}}]}')
 */
export function parseSchema(schemaString: string): StructType {
  let json: unknown;
  try {
    json = JSON.parse(schemaString);
  } catch (err) {
    throw new Error(`Delta schema is not valid JSON: ${(err as Error).message}`);
  }
  const t = parseType(json, '<root>');
  if (typeof t === 'string' || t.type !== 'struct') throw new Error('Delta schema root must be a struct type');
  return t;
}

/** Serializes a schema to the JSON string stored in `metaData.schemaString`. */
export function serializeSchema(schema: StructType): string {
  return JSON.stringify(schema);
}

function parseType(json: unknown, where: string): DeltaType {
  if (typeof json === 'string') {
    if (PRIMITIVES.has(json) || parseDecimalType(json) || json === 'variant') return json;
    throw new UnsupportedTypeError(`Unknown Delta type '${json}' for field ${where}`);
  }
  if (json === null || typeof json !== 'object') throw new Error(`Invalid Delta type for field ${where}: ${JSON.stringify(json)}`);
  const o = json as Record<string, unknown>;
  switch (o.type) {
    case 'struct': {
      if (!Array.isArray(o.fields)) throw new Error(`Struct type of field ${where} has no fields array`);
      return {
        type: 'struct',
        fields: o.fields.map((f: unknown) => {
          const fo = f as Record<string, unknown>;
          if (typeof fo?.name !== 'string') throw new Error(`A field of ${where} has no name`);
          return {
            name: fo.name,
            type: parseType(fo.type, fo.name),
            nullable: fo.nullable !== false,
            metadata: (fo.metadata && typeof fo.metadata === 'object' ? fo.metadata : {}) as FieldMetadata,
          };
        }),
      };
    }
    case 'array':
      return { type: 'array', elementType: parseType(o.elementType, `${where}.element`), containsNull: o.containsNull !== false };
    case 'map':
      return {
        type: 'map',
        keyType: parseType(o.keyType, `${where}.key`),
        valueType: parseType(o.valueType, `${where}.value`),
        valueContainsNull: o.valueContainsNull !== false,
      };
    default:
      throw new Error(`Invalid Delta type for field ${where}: ${JSON.stringify(json)}`);
  }
}

// Arrow field metadata is string → string. Delta metadata values may be JSON
// numbers, booleans, arrays or objects, so non-strings are stored as JSON
// text and these keys (whose values are never plain strings) decode back.
const JSON_VALUED_KEYS = new Set([
  'delta.columnMapping.id', 'delta.identity.start', 'delta.identity.step', 'delta.identity.highWaterMark',
  'delta.identity.allowExplicitInsert', 'delta.typeChanges', 'parquet.field.id', 'delta.invariants.json',
]);

function metadataToArrow(md: FieldMetadata): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(md)) out.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  return out;
}

function metadataFromArrow(md: Map<string, string>): FieldMetadata {
  const out: FieldMetadata = {};
  for (const [k, v] of md) {
    if (JSON_VALUED_KEYS.has(k) || (v.length > 0 && (v[0] === '{' || v[0] === '[') && isJson(v))) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // not JSON after all: keep the string
      }
    }
    out[k] = v;
  }
  return out;
}

function isJson(v: string): boolean {
  try {
    JSON.parse(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Arrow schema of a Delta schema: the shape of scanned RecordBatches.
 * Field metadata (column mapping, invariants, comments) is carried over.
 */
export function toArrowSchema(schema: StructType): Schema {
  return new Schema(schema.fields.map((f) => toArrowField(f)));
}

/** The Arrow field of one Delta struct field. */
export function toArrowField(field: StructField): Field {
  return new Field(field.name, toArrowType(field.type, field.name), field.nullable, metadataToArrow(field.metadata));
}

/** The Arrow type of a Delta type; `fieldName` names the field in errors. */
export function toArrowType(type: DeltaType, fieldName: string): ArrowType {
  if (typeof type === 'string') {
    switch (type) {
      case 'string': return new Utf8();
      case 'long': return new Int64();
      case 'integer': return new Int32();
      case 'short': return new Int16();
      case 'byte': return new Int8();
      case 'float': return new Float32();
      case 'double': return new Float64();
      case 'boolean': return new Bool();
      case 'binary': return new Binary();
      case 'date': return new DateDay();
      case 'timestamp': return new Timestamp(TimeUnit.MICROSECOND, 'UTC');
      case 'timestamp_ntz': return new Timestamp(TimeUnit.MICROSECOND);
      case 'variant':
        throw new UnsupportedTypeError(`Field '${fieldName}' has type variant, which Tributary does not support`);
    }
    const dec = parseDecimalType(type);
    if (dec) {
      if (dec.precision < 1 || dec.precision > 38 || dec.scale > dec.precision) {
        throw new UnsupportedTypeError(`Field '${fieldName}' has invalid decimal type ${type}`);
      }
      return new Decimal(dec.scale, dec.precision, 128);
    }
    throw new UnsupportedTypeError(`Field '${fieldName}' has unknown Delta type '${type}'`);
  }
  switch (type.type) {
    case 'struct':
      return new Struct(type.fields.map((f) => toArrowField(f)));
    case 'array':
      return new List(new Field('element', toArrowType(type.elementType, `${fieldName}.element`), type.containsNull));
    case 'map': {
      const key = new Field('key', toArrowType(type.keyType, `${fieldName}.key`), false);
      const value = new Field('value', toArrowType(type.valueType, `${fieldName}.value`), type.valueContainsNull);
      const entries = new Struct<{ key: ArrowType; value: ArrowType }>([key, value] as Field<ArrowType>[]);
      return new Map_(new Field('entries', entries, false), false);
    }
  }
}

/**
 * The Delta schema of an Arrow schema (for creating tables from Arrow data).
 * Unsupported Arrow types (unsigned ints, time-of-day, intervals, unions,
 * non-µs/ns timestamps...) raise an Error naming the field.
 */
export function fromArrowSchema(schema: Schema): StructType {
  return { type: 'struct', fields: schema.fields.map((f) => fromArrowField(f)) };
}

/** The Delta struct field of one Arrow field. */
export function fromArrowField(field: Field): StructField {
  return {
    name: field.name,
    type: fromArrowType(field.type, field.name),
    nullable: field.nullable,
    metadata: metadataFromArrow(field.metadata),
  };
}

/** The Delta type of an Arrow type; `fieldName` names the field in errors. */
export function fromArrowType(type: ArrowType, fieldName: string): DeltaType {
  const unsupported = () =>
    new UnsupportedTypeError(`Field '${fieldName}' has Arrow type ${String(type)}, which has no Delta equivalent`);
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Binary:
    case Type.LargeBinary:
      return 'binary';
    case Type.Bool:
      return 'boolean';
    case Type.Int: {
      const t = type as Int8;
      if (!t.isSigned) throw unsupported();
      return t.bitWidth === 8 ? 'byte' : t.bitWidth === 16 ? 'short' : t.bitWidth === 32 ? 'integer' : 'long';
    }
    case Type.Float: {
      const t = type as Float32 | Float64;
      if (t.precision === 1) return 'float';
      if (t.precision === 2) return 'double';
      throw unsupported(); // half floats
    }
    case Type.Decimal: {
      const t = type as Decimal;
      if (t.precision > 38) throw unsupported();
      return `decimal(${t.precision},${t.scale})`;
    }
    case Type.Date:
      return 'date';
    case Type.Timestamp: {
      const t = type as Timestamp;
      // Delta stores microseconds; coarser units widen losslessly, nanoseconds would truncate.
      if (t.unit === TimeUnit.NANOSECOND) throw unsupported();
      return t.timezone ? 'timestamp' : 'timestamp_ntz';
    }
    case Type.Struct: {
      const t = type as Struct;
      return { type: 'struct', fields: t.children.map((c) => fromArrowField(c)) };
    }
    case Type.List: {
      const child = (type as List).children[0];
      return { type: 'array', elementType: fromArrowType(child.type, `${fieldName}.element`), containsNull: child.nullable };
    }
    case Type.Map: {
      const entries = (type as Map_).children[0].type as Struct;
      const [k, v] = entries.children;
      return {
        type: 'map',
        keyType: fromArrowType(k.type, `${fieldName}.key`),
        valueType: fromArrowType(v.type, `${fieldName}.value`),
        valueContainsNull: v.nullable,
      };
    }
    default:
      throw unsupported();
  }
}

/** Physical (Parquet) column name of a field under column mapping mode `mode`. */
export function physicalName(field: StructField, mode: ColumnMappingMode): string {
  if (mode === 'none') return field.name;
  const p = field.metadata['delta.columnMapping.physicalName'];
  if (typeof p !== 'string' || p === '') {
    throw new Error(`Field '${field.name}' has no delta.columnMapping.physicalName although column mapping mode is ${mode}`);
  }
  return p;
}

/** Column mapping id of a field, if any. */
export function columnMappingId(field: StructField): number | undefined {
  const id = field.metadata['delta.columnMapping.id'];
  return typeof id === 'number' ? id : typeof id === 'string' && id !== '' ? Number(id) : undefined;
}

export type ColumnMappingMode = 'none' | 'name' | 'id';

/** The table's column mapping mode from its configuration. */
export function columnMappingMode(configuration: Record<string, string>): ColumnMappingMode {
  const m = configuration['delta.columnMapping.mode'] ?? 'none';
  if (m !== 'none' && m !== 'name' && m !== 'id') throw new Error(`Unknown delta.columnMapping.mode '${m}'`);
  return m;
}

/** True when the Delta type (or a type nested in it) is `variant`. */
export function containsVariant(type: DeltaType): boolean {
  if (typeof type === 'string') return type === 'variant';
  if (type.type === 'struct') return type.fields.some((f) => containsVariant(f.type));
  if (type.type === 'array') return containsVariant(type.elementType);
  return containsVariant(type.keyType) || containsVariant(type.valueType);
}
