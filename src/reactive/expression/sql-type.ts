// The engine's own view of types: Spark SQL types, mapped to and from Arrow.
import * as arrow from 'apache-arrow';

export type IntegralId = 'int8' | 'int16' | 'int32' | 'int64';
export type SqlType =
  | { id: 'null' }
  | { id: 'boolean' }
  | { id: IntegralId }
  | { id: 'float32' | 'float64' }
  | { id: 'decimal'; precision: number; scale: number }
  | { id: 'string' }
  | { id: 'date' }
  /** µs since the epoch; `tz` is the Arrow time zone (null = TIMESTAMP_NTZ). */
  | { id: 'timestamp'; tz: string | null }
  | { id: 'interval' }
  | { id: 'struct'; fields: { name: string; type: SqlType }[] }
  | { id: 'list'; element: SqlType }
  | { id: 'map'; key: SqlType; value: SqlType };

export const T = {
  null: { id: 'null' } as SqlType,
  boolean: { id: 'boolean' } as SqlType,
  int8: { id: 'int8' } as SqlType,
  int16: { id: 'int16' } as SqlType,
  int32: { id: 'int32' } as SqlType,
  int64: { id: 'int64' } as SqlType,
  float32: { id: 'float32' } as SqlType,
  float64: { id: 'float64' } as SqlType,
  string: { id: 'string' } as SqlType,
  date: { id: 'date' } as SqlType,
  timestamp: { id: 'timestamp', tz: 'UTC' } as SqlType,
  interval: { id: 'interval' } as SqlType,
};

const INTEGRAL_RANK: Record<string, number> = { int8: 1, int16: 2, int32: 3, int64: 4 };

export const isIntegral = (t: SqlType): boolean => t.id in INTEGRAL_RANK;
export const isFloating = (t: SqlType): boolean => t.id === 'float32' || t.id === 'float64';
export const isNumeric = (t: SqlType): boolean => isIntegral(t) || isFloating(t) || t.id === 'decimal';
export const isDatetime = (t: SqlType): boolean => t.id === 'date' || t.id === 'timestamp';

/** Spark's name for a type, for error messages. */
export function typeName(t: SqlType): string {
  switch (t.id) {
    case 'null': return 'void';
    case 'int8': return 'tinyint';
    case 'int16': return 'smallint';
    case 'int32': return 'int';
    case 'int64': return 'bigint';
    case 'float32': return 'float';
    case 'float64': return 'double';
    case 'decimal': return `decimal(${t.precision},${t.scale})`;
    case 'timestamp': return t.tz === null ? 'timestamp_ntz' : 'timestamp';
    case 'struct': return `struct<${t.fields.map((f) => `${f.name}:${typeName(f.type)}`).join(',')}>`;
    case 'list': return `array<${typeName(t.element)}>`;
    case 'map': return `map<${typeName(t.key)},${typeName(t.value)}>`;
    default: return t.id;
  }
}

export function sameType(a: SqlType, b: SqlType): boolean {
  return typeName(a) === typeName(b);
}

/** Decimal precision/scale able to hold every value of an integral type (Spark's DecimalType.forType). */
function integralAsDecimal(t: SqlType): { precision: number; scale: number } {
  return { precision: { int8: 3, int16: 5, int32: 10, int64: 20 }[t.id as IntegralId], scale: 0 };
}

/**
 * Widest of two numeric types following Spark: integral widening, integral+decimal → decimal,
 * anything with a float → double (float+float stays float).
 */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  if (a.id === 'null') return b;
  if (b.id === 'null') return a;
  if (isIntegral(a) && isIntegral(b)) return INTEGRAL_RANK[a.id] >= INTEGRAL_RANK[b.id] ? a : b;
  // Spark's numeric precedence: integral < float < double; decimal with a float type becomes double.
  if (a.id === 'float64' || b.id === 'float64') return T.float64;
  if (a.id === 'float32' || b.id === 'float32') return a.id === 'decimal' || b.id === 'decimal' ? T.float64 : T.float32;
  const da = a.id === 'decimal' ? a : integralAsDecimal(a);
  const db = b.id === 'decimal' ? b : integralAsDecimal(b);
  const scale = Math.max(da.scale, db.scale);
  const whole = Math.max(da.precision - da.scale, db.precision - db.scale);
  return { id: 'decimal', precision: Math.min(38, whole + scale), scale };
}

/**
 * Common type for values that must share one type (CASE branches, COALESCE, IN lists),
 * Spark's findWiderTypeForTwo: numerics widen, date+timestamp → timestamp, and a
 * string with any atomic type → string. Null when there is none.
 */
export function commonType(a: SqlType, b: SqlType): SqlType | null {
  if (sameType(a, b)) return a;
  if (a.id === 'null') return b;
  if (b.id === 'null') return a;
  if (isNumeric(a) && isNumeric(b)) return widerNumeric(a, b);
  if (isDatetime(a) && isDatetime(b)) return a.id === 'timestamp' ? a : b;
  if (a.id === 'timestamp' && b.id === 'timestamp') return a;
  const atomic = (t: SqlType): boolean => t.id !== 'struct' && t.id !== 'list' && t.id !== 'map' && t.id !== 'interval';
  if ((a.id === 'string' && atomic(b)) || (b.id === 'string' && atomic(a))) return T.string;
  return null;
}

/**
 * Type both sides of a comparison are cast to, as Spark's binary comparison coercion:
 * a string against a number/date/timestamp/boolean is cast to that type.
 */
export function comparisonType(a: SqlType, b: SqlType): SqlType | null {
  if (a.id === 'string' && b.id !== 'string' && b.id !== 'null' && isAtomic(b)) return b;
  if (b.id === 'string' && a.id !== 'string' && a.id !== 'null' && isAtomic(a)) return a;
  if (a.id === 'timestamp' && b.id === 'timestamp') return a;
  const c = commonType(a, b);
  return c;
}

const isAtomic = (t: SqlType): boolean => t.id !== 'struct' && t.id !== 'list' && t.id !== 'map' && t.id !== 'interval';

/** Maps an Arrow type to the engine's type, or throws naming the unsupported type. */
export function fromArrowType(type: arrow.DataType, what: string): SqlType {
  const t = arrow.Type;
  switch (type.typeId) {
    case t.Null: return T.null;
    case t.Bool: return T.boolean;
    case t.Int: {
      const i = type as arrow.Int;
      // Unsigned types widen to the next signed one so every value fits (uint64 → bigint may wrap, as in Spark readers).
      const bits = i.isSigned ? i.bitWidth : Math.min(64, i.bitWidth * 2);
      return { id: bits === 8 ? 'int8' : bits === 16 ? 'int16' : bits === 32 ? 'int32' : 'int64' };
    }
    case t.Float: return (type as arrow.Float).precision === arrow.Precision.DOUBLE ? T.float64 : T.float32;
    case t.Decimal: return { id: 'decimal', precision: (type as arrow.Decimal).precision, scale: (type as arrow.Decimal).scale };
    case t.Utf8: case t.LargeUtf8: return T.string;
    case t.Date: return T.date;
    case t.Timestamp: return { id: 'timestamp', tz: (type as arrow.Timestamp).timezone ?? null };
    case t.Dictionary: return fromArrowType((type as arrow.Dictionary).dictionary, what);
    case t.Struct: return { id: 'struct', fields: (type as arrow.Struct).children.map((f) => ({ name: f.name, type: fromArrowType(f.type, `${what}.${f.name}`) })) };
    case t.List: case t.LargeList: return { id: 'list', element: fromArrowType((type as arrow.List).children[0].type, `${what}[]`) };
    case t.Map: {
      const entries = (type as arrow.Map_).children[0].type as arrow.Struct;
      return { id: 'map', key: fromArrowType(entries.children[0].type, `${what} key`), value: fromArrowType(entries.children[1].type, `${what} value`) };
    }
  }
  throw new Error(`Column ${what} has Arrow type ${String(type)}, which expressions do not support`);
}

/** The Arrow type a result of this type is produced as. */
export function toArrowType(t: SqlType): arrow.DataType {
  switch (t.id) {
    case 'null': return new arrow.Null();
    case 'boolean': return new arrow.Bool();
    case 'int8': return new arrow.Int8();
    case 'int16': return new arrow.Int16();
    case 'int32': return new arrow.Int32();
    case 'int64': return new arrow.Int64();
    case 'float32': return new arrow.Float32();
    case 'float64': return new arrow.Float64();
    case 'decimal': return new arrow.Decimal(t.scale, t.precision, 128);
    case 'string': return new arrow.Utf8();
    case 'date': return new arrow.DateDay();
    case 'timestamp': return new arrow.TimestampMicrosecond(t.tz);
    case 'struct': return new arrow.Struct(t.fields.map((f) => new arrow.Field(f.name, toArrowType(f.type), true)));
    case 'list': return new arrow.List(new arrow.Field('element', toArrowType(t.element), true));
    case 'map': case 'interval': break;
  }
  throw new Error(`A ${typeName(t)} value cannot be produced as an Arrow column`);
}
