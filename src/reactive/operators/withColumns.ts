// withColumns: adds or replaces columns of each RecordBatch, each given as a
// Spark SQL expression or a vectorised TypeScript function over the batch's
// columns.
import * as arrow from 'apache-arrow';
import type { MonoTypeOperatorFunction } from 'rxjs';
import type { Schema } from '../schema/schema.ts';
import { describeValue } from '../schema/valueError.ts';
import { batchOperator } from './batchOperator.ts';
import { toColumnData, type ColumnValue } from './columnValue.ts';
import { columnsOf, declaredMismatch, type ColumnsOf } from './columns.ts';
import { operatorError, type OperatorErrorContext } from './operatorError.ts';
import type { TypedOperatorOptions } from './operatorOptions.ts';
import { compileOutputColumn, type OutputColumn } from './outputColumn.ts';

/** A vectorised column function: the input batch's columns in, one value per row out. */
export type ColumnFunction<S extends Schema = Schema> = (columns: ColumnsOf<S>, batch: arrow.RecordBatch) => ColumnValue;

/** New or replaced columns by name: a Spark SQL expression or a {@link ColumnFunction}. */
export type ColumnDefinitions<S extends Schema = Schema> = Readonly<Record<string, string | ColumnFunction<S>>>;

type Slot =
  | { kind: 'input'; index: number }
  | { kind: 'sql'; name: string; column: OutputColumn; context: OperatorErrorContext }
  | { kind: 'function'; name: string; fn: ColumnFunction<Schema>; context: OperatorErrorContext };

interface Layout {
  slots: Slot[];
  /** Output schema for the last batch; rebuilt only when a function's result type changes. */
  schema: arrow.Schema | undefined;
  input: arrow.Schema;
  /** Types given to plain-array results, fixed after the first batch. */
  inferred: Map<string, arrow.DataType>;
}

/**
 * Adds or replaces columns. A name that matches an input column (ignoring
 * case, as Delta does) replaces it in place, under the new spelling; other
 * names are appended in the order given. Every definition is evaluated
 * against the *input* batch (like Spark's `withColumns(Map)`), so one
 * definition cannot see another: chain a second `withColumns` for that.
 *
 * - A string is a Spark SQL expression, compiled at the first batch and when
 *   the schema changes (errors: an {@link OperatorError} on the error channel
 *   naming column, expression, dataset and columns). A bare column reference
 *   copies that column zero-copy with its exact type.
 * - A function gets the columns as Arrow Vectors — typed from `options.schema`
 *   or the type argument — and returns a {@link ColumnValue}: a Vector, a typed
 *   array, or a plain array whose type is inferred from its values once and
 *   kept for the rest of the stream. Computed columns are nullable.
 * @example
 * ```ts
 * const orders = schema({ id: int64(), amount: float64(), qty: int32() });
 * source.pipe(
 *   withColumns({
 *     total: 'amount * qty',
 *     amount: 'round(amount, 2)',                       // replaced in place
 *     big: (c) => Array.from(c.amount, (a) => a !== null && a > 1000),
 *   }, { schema: orders, dataset: 'orders' }),
 * );
 * ```
 */
export function withColumns<S extends Schema = Schema>(columns: ColumnDefinitions<S>, options: TypedOperatorOptions<S> = {}): MonoTypeOperatorFunction<arrow.RecordBatch> {
  if (columns === null || typeof columns !== 'object') throw new TypeError(`withColumns: expected an object of column definitions, got ${describeValue(columns)}`);
  const names = Object.keys(columns);
  if (names.length === 0) throw new RangeError('withColumns: give at least one column');
  const lower = new Map<string, string>();
  for (const name of names) {
    const def = columns[name];
    if (name === '') throw new TypeError('withColumns: column names must be non-empty');
    if (typeof def !== 'function' && (typeof def !== 'string' || def.trim() === '')) {
      throw new TypeError(`withColumns: column '${name}' must be a SQL string or a function, got ${describeValue(def)}`);
    }
    const clash = lower.get(name.toLowerCase());
    if (clash !== undefined) throw new TypeError(`withColumns: columns '${clash}' and '${name}' differ only in case (Delta column names are case-insensitive)`);
    lower.set(name.toLowerCase(), name);
  }
  const { dataset, schema: declared } = options;

  return batchOperator<Layout>({
    context: { operator: 'withColumns', dataset },
    prepare: (input) => {
      const diff = declared && declaredMismatch(declared, input);
      if (diff) throw new Error(`the batch does not match options.schema: ${diff}`);
      const slots: Slot[] = input.fields.map((_, index) => ({ kind: 'input', index }));
      for (const name of names) {
        const def = columns[name]!;
        const context: OperatorErrorContext = { operator: 'withColumns', subject: typeof def === 'string' ? `${name} = \`${def}\`` : `${name} = (function)`, dataset };
        let slot: Slot;
        if (typeof def === 'string') {
          try {
            slot = { kind: 'sql', name, column: compileOutputColumn(def, input, dataset), context };
          } catch (e) {
            throw operatorError({ ...context, schema: input }, e);
          }
        } else {
          slot = { kind: 'function', name, fn: def as ColumnFunction<Schema>, context };
        }
        const exact = input.fields.findIndex((f) => f.name === name);
        const at = exact >= 0 ? exact : input.fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
        if (at >= 0) slots[at] = slot;
        else slots.push(slot);
      }
      return { slots, schema: undefined, input, inferred: new Map() };
    },
    apply: (layout, batch) => {
      const now = new Date();
      const n = batch.numRows;
      const children: arrow.Data[] = [];
      let view: ReturnType<typeof columnsOf> | undefined;
      for (const slot of layout.slots) {
        if (slot.kind === 'input') {
          children.push(batch.data.children[slot.index]!);
          continue;
        }
        try {
          if (slot.kind === 'sql') {
            children.push(slot.column.evaluate(batch, now));
          } else {
            view ??= columnsOf(batch);
            children.push(toColumnData(slot.fn(view as ColumnsOf<Schema>, batch), slot.name, n, layout.inferred));
          }
        } catch (e) {
          throw operatorError({ ...slot.context, schema: batch.schema }, e);
        }
      }
      const schema = outputSchema(layout, children);
      return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }));
    },
  });
}

/** The output schema, rebuilt only when a function's result changes type. */
function outputSchema(layout: Layout, children: arrow.Data[]): arrow.Schema {
  const cached = layout.schema;
  if (cached && layout.slots.every((s, i) => s.kind !== 'function' || String(cached.fields[i]!.type) === String(children[i]!.type))) return cached;
  const fields = layout.slots.map((s, i) => {
    if (s.kind === 'input') return layout.input.fields[s.index]!;
    if (s.kind === 'sql') return s.column.field(s.name);
    return new arrow.Field(s.name, children[i]!.type, true);
  });
  return (layout.schema = new arrow.Schema(fields, layout.input.metadata));
}
