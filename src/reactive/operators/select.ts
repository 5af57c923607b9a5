// select: projects each RecordBatch onto a list of Spark SQL expressions,
// `expr AS alias`, and `*` for all input columns.
import * as arrow from 'apache-arrow';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { batchOperator } from './batchOperator.ts';
import { operatorError } from './operatorError.ts';
import type { OperatorOptions } from './operatorOptions.ts';
import { compileOutputColumn, type OutputColumn } from './outputColumn.ts';
import { splitAlias } from './splitAlias.ts';
import { describeValue } from '../schema/valueError.ts';

interface Projection {
  schema: arrow.Schema;
  columns: { column: OutputColumn; source: string }[];
}

/**
 * Replaces each batch by the listed expressions, in order. Each argument is a
 * Spark SQL expression, optionally followed by `AS name` (`` AS `odd name` ``
 * for any name); `*` stands for every input column. Without an alias a column
 * reference keeps its column's name, `s.f` is named `f`, and any other
 * expression is named by its text. A plain column (or `*`) is passed through
 * zero-copy with its exact Arrow type, nullability and metadata; computed
 * columns are nullable. Output names must be distinct ignoring case (Delta
 * column names are case-insensitive).
 *
 * Options go last: `select('a', 'b', { dataset: 'orders' })`. Expressions are
 * compiled at the first batch and again when the schema changes; bad SQL, an
 * unknown column or a duplicate name is an {@link OperatorError} on the error
 * channel naming the expression, dataset and columns. `current_timestamp()`
 * is the same in every expression of one batch. Empty batches are projected too.
 * @example
 * ```ts
 * source.pipe(
 *   select('id', "upper(status) AS status", 'amount * qty AS total', { dataset: 'orders' }),
 * );
 * source.pipe(select('*', 'year(order_date) AS order_year'));
 * ```
 */
export function select(...args: [...expressions: string[], options: OperatorOptions] | string[]): MonoTypeOperatorFunction<arrow.RecordBatch> {
  const last = args[args.length - 1];
  const options: OperatorOptions = last !== undefined && typeof last === 'object' && last !== null ? (last as OperatorOptions) : {};
  const expressions = (options === last ? args.slice(0, -1) : args) as unknown[];
  if (expressions.length === 0) throw new RangeError('select: give at least one expression');
  for (const e of expressions) {
    if (typeof e !== 'string' || e.trim() === '') throw new TypeError(`select: expressions must be non-empty SQL strings, got ${describeValue(e)}`);
  }
  const exprs = expressions as string[];
  const dataset = options.dataset;

  return batchOperator<Projection>({
    context: { operator: 'select', dataset },
    prepare: (schema) => {
      const columns: Projection['columns'] = [];
      const fields: arrow.Field[] = [];
      const seen = new Map<string, string>();
      const add = (column: OutputColumn, name: string, source: string) => {
        const key = name.toLowerCase();
        const earlier = seen.get(key);
        if (earlier !== undefined) throw operatorError({ operator: 'select', subject: `\`${source}\``, dataset }, new Error(`duplicate output column '${name}' (also produced by \`${earlier}\`); add an alias`));
        seen.set(key, source);
        columns.push({ column, source });
        fields.push(column.field(name));
      };
      for (const text of exprs) {
        if (text.trim() === '*') {
          schema.fields.forEach((f, i) => add({ name: f.name, field: () => f, evaluate: (b) => b.data.children[i]! }, f.name, text));
          continue;
        }
        const { sql, alias } = splitAlias(text);
        let column: OutputColumn;
        try {
          column = compileOutputColumn(sql, schema, dataset);
        } catch (e) {
          throw operatorError({ operator: 'select', subject: `\`${text}\``, dataset, schema }, e);
        }
        add(column, alias ?? column.name, text);
      }
      return { schema: new arrow.Schema(fields, schema.metadata), columns };
    },
    apply: (p, batch) => {
      const now = new Date();
      const children = p.columns.map(({ column, source }) => {
        try {
          return column.evaluate(batch, now);
        } catch (e) {
          throw operatorError({ operator: 'select', subject: `\`${source}\``, dataset, schema: batch.schema }, e);
        }
      });
      return new arrow.RecordBatch(p.schema, arrow.makeData({ type: new arrow.Struct(p.schema.fields), length: batch.numRows, nullCount: 0, children }));
    },
  });
}
