// The typed schema builder.
export { schema, Schema, type RowOf, type SchemaOptions } from './schema.ts';
export { FieldType, type InputOf, type ElementInput } from './field.ts';
export type { Fields, RowInput } from './row.ts';
export type { ColumnBuilder, RowLike } from './columnBuilder.ts';
export { ValueError } from './valueError.ts';
export { int8, int16, int32, int64 } from './int.ts';
export { float32, float64 } from './float.ts';
export { bool } from './bool.ts';
export { utf8 } from './utf8.ts';
export { binary } from './binary.ts';
export { date32 } from './date32.ts';
export { timestamp, type TimeUnitName } from './timestamp.ts';
export { decimal } from './decimal.ts';
export { list } from './list.ts';
export { struct } from './struct.ts';
export { map, type MapInput } from './map.ts';
