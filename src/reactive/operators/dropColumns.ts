// dropColumns: removes named columns from each RecordBatch (zero-copy).
import * as arrow from 'apache-arrow';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { describeValue } from '../schema/valueError.ts';
import { batchOperator } from './batchOperator.ts';
import type { OperatorOptions } from './operatorOptions.ts';

interface Kept {
  schema: arrow.Schema;
  indices: number[];
}

/**
 * Removes the named columns (matched exactly, else ignoring case) and keeps
 * the rest in order, zero-copy. Unlike Spark's `drop`, a name the batch does
 * not have is an error (an {@link OperatorError} at the first batch naming the
 * column and the columns there are), so a typo does not silently keep data;
 * dropping every column is an error too. Options go last.
 * @example
 * ```ts
 * source.pipe(dropColumns('_raw', 'debug_info', { dataset: 'orders' }));
 * ```
 */
export function dropColumns(...args: [...names: string[], options: OperatorOptions] | string[]): MonoTypeOperatorFunction<arrow.RecordBatch> {
  const last = args[args.length - 1];
  const options: OperatorOptions = last !== undefined && typeof last === 'object' && last !== null ? (last as OperatorOptions) : {};
  const names = (options === last ? args.slice(0, -1) : args) as unknown[];
  if (names.length === 0) throw new RangeError('dropColumns: give at least one column name');
  for (const n of names) if (typeof n !== 'string' || n === '') throw new TypeError(`dropColumns: column names must be non-empty strings, got ${describeValue(n)}`);
  const dataset = options.dataset;

  return batchOperator<Kept>({
    context: { operator: 'dropColumns', subject: (names as string[]).map((n) => `'${n}'`).join(', '), dataset },
    prepare: (schema) => {
      const fields = schema.fields;
      const drop = new Set<number>();
      for (const name of names as string[]) {
        let i = fields.findIndex((f) => f.name === name);
        if (i < 0) i = fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
        if (i < 0) throw new Error(`Column '${name}' not found${dataset ? ` in table ${dataset}` : ''} [${fields.map((f) => f.name).join(', ')}]`);
        drop.add(i);
      }
      const indices = fields.flatMap((_, i) => (drop.has(i) ? [] : [i]));
      if (indices.length === 0) throw new Error(`dropping [${(names as string[]).join(', ')}] would leave no columns`);
      return { schema: new arrow.Schema(indices.map((i) => fields[i]!), schema.metadata), indices };
    },
    apply: ({ schema, indices }, batch) => {
      const children = indices.map((i) => batch.data.children[i]!);
      return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
    },
  });
}
