// One SQL output column of select / withColumns, compiled for one input
// schema. A bare column reference passes the input column through untouched
// (zero-copy, exact Arrow type and nullability, any type — also types the
// expression engine cannot compute with); anything else is evaluated by the
// expression engine.
import * as arrow from 'apache-arrow';
import { compileExpression, ExpressionTypeError, parseExpression } from '../expression/index.ts';
import { concatData } from '../batch/concatBatches.ts';

/** A compiled output column. */
export interface OutputColumn {
  /** The name it gets without an alias: the column's name, a struct field's name, or the expression text. */
  readonly name: string;
  /** Its Arrow field under `name`. */
  field(name: string): arrow.Field;
  /** Its data for `batch` (a batch of the schema it was compiled for); `now` fixes current_timestamp(). */
  evaluate(batch: arrow.RecordBatch, now: Date): arrow.Data;
}

/**
 * Finds a top-level column as the expression engine does: exact name first,
 * then a unique case-insensitive match.
 * @throws ExpressionTypeError naming the column, the table and the columns there are.
 */
export function resolveColumn(name: string, schema: arrow.Schema, sql: string, pos: number, table?: string): number {
  const fields = schema.fields;
  const exact = fields.findIndex((f) => f.name === name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  const matches = fields.flatMap((f, i) => (f.name.toLowerCase() === lower ? [i] : []));
  if (matches.length > 1) throw new ExpressionTypeError(`Column '${name}' is ambiguous: it matches ${matches.map((i) => `'${fields[i]!.name}'`).join(' and ')}`, sql, pos);
  if (matches.length === 0) throw new ExpressionTypeError(`Column '${name}' not found${table ? ` in table ${table}` : ''} [${fields.map((f) => f.name).join(', ')}]`, sql, pos);
  return matches[0]!;
}

/**
 * Compiles `sql` as an output column over `schema`.
 * @throws the expression engine's errors (syntax, unknown column, types).
 */
export function compileOutputColumn(sql: string, schema: arrow.Schema, table?: string): OutputColumn {
  const expr = parseExpression(sql);
  if (expr.kind === 'column') {
    const index = resolveColumn(expr.name, schema, sql, expr.pos, table);
    const f = schema.fields[index]!;
    return {
      name: f.name,
      field: (name) => (name === f.name ? f : new arrow.Field(name, f.type, f.nullable, f.metadata)),
      evaluate: (batch) => batch.data.children[index]!,
    };
  }
  const compiled = compileExpression(sql, schema, { table });
  return {
    // Spark names `s.f` after the field, other expressions after their text.
    name: expr.kind === 'field' ? expr.name : sql.trim(),
    // Nullability of a computed value is not known ahead of the data.
    field: (name) => new arrow.Field(name, compiled.type, true),
    evaluate: (batch, now) => {
      const v = compiled.evaluate(batch, { now });
      return v.data.length === 1 ? v.data[0]! : concatData(v.type, [...v.data]);
    },
  };
}
