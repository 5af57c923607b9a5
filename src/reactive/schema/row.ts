// The row type a schema accepts, derived at compile time from its field types.
import type { FieldType, InputOf } from './field.ts';

/** Named field types: the argument of `schema()` and `struct()`. */
export type Fields = Readonly<Record<string, FieldType>>;

type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K]['isNullable'] extends true ? never : K }[keyof F];
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K]['isNullable'] extends true ? K : never }[keyof F];

/** Flattens an intersection so editors show one object type. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The input row of a set of fields: non-nullable fields are required,
 * nullable ones optional and may be null.
 */
export type RowInput<F extends Fields> = Simplify<
  { [K in RequiredKeys<F>]: InputOf<F[K]> } & { [K in OptionalKeys<F>]?: InputOf<F[K]> | null }
>;
