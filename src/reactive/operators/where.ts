// where: keeps the rows of each RecordBatch that satisfy a Spark SQL predicate
// or a vectorised TypeScript function over the batch's columns. Named `where`
// (not `filter`) so it never shadows RxJS's element-level `filter`.
import * as arrow from 'apache-arrow';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { compilePredicate, filterBatch } from '../expression/index.ts';
import type { Schema } from '../schema/schema.ts';
import { batchOperator } from './batchOperator.ts';
import { columnsOf, declaredMismatch, type ColumnsOf } from './columns.ts';
import type { OperatorOptions, TypedOperatorOptions } from './operatorOptions.ts';
import { describeValue } from '../schema/valueError.ts';

/**
 * Which rows to keep, one entry per row: a `Uint8Array` (non-zero keeps), a
 * boolean array (`true` keeps; `false`, `null`, `undefined` drop) or a Bool
 * Vector (NULL drops, as in SQL).
 */
export type RowMask = Uint8Array | readonly (boolean | null | undefined)[] | arrow.Vector<arrow.Bool>;

/** A vectorised row predicate: columns of the batch in, one keep/drop entry per row out. */
export type RowPredicate<S extends Schema = Schema> = (columns: ColumnsOf<S>, batch: arrow.RecordBatch) => RowMask;

/**
 * Keeps the rows of each batch where `predicate` is TRUE; rows where it is
 * FALSE or NULL are dropped, as in SQL `WHERE`.
 *
 * - A string is a Spark SQL boolean expression, compiled at the first batch
 *   and again whenever the batch schema changes. Bad SQL, an unknown column or
 *   a non-boolean expression is an {@link OperatorError} on the error channel
 *   at the first batch, naming the expression, the dataset and the columns.
 * - A function gets the batch's columns as Arrow Vectors and returns a
 *   {@link RowMask}. Give `options.schema` (or the type argument) to type the
 *   columns from a typed schema: a misspelt column is then a compile error.
 *
 * Batches left with no rows are not emitted (nor are empty input batches); a
 * batch whose rows all pass is emitted as is, otherwise the kept rows are
 * copied into a new batch with the same schema.
 * @example
 * ```ts
 * const orders = schema({ id: int64(), amount: float64(), status: utf8() }, { name: 'orders' });
 * fromRows(rows, { schema: orders }).pipe(
 *   where("amount > 100 AND status <> 'void'", { dataset: 'orders' }),
 *   where((c) => c.amount.toArray().map((a) => a % 2 === 0), { schema: orders }),
 * );
 * ```
 */
export function where(predicate: string, options?: OperatorOptions): MonoTypeOperatorFunction<arrow.RecordBatch>;
export function where<S extends Schema = Schema>(predicate: RowPredicate<S>, options?: TypedOperatorOptions<S>): MonoTypeOperatorFunction<arrow.RecordBatch>;
export function where<S extends Schema>(predicate: string | RowPredicate<S>, options: TypedOperatorOptions<S> = {}): MonoTypeOperatorFunction<arrow.RecordBatch> {
  const dataset = options.dataset;
  if (typeof predicate === 'string') {
    const context = { operator: 'where', subject: `\`${predicate}\``, dataset };
    return batchOperator({
      context,
      prepare: (schema) => compilePredicate(predicate, schema, { table: dataset }),
      apply: (compiled, batch) => {
        if (batch.numRows === 0) return undefined;
        const { mask, trueCount } = compiled.mask(batch);
        return trueCount === 0 ? undefined : filterBatch(batch, mask);
      },
    });
  }
  if (typeof predicate !== 'function') throw new TypeError(`where: expected a SQL string or a function, got ${describeValue(predicate)}`);
  const declared = options.schema;
  const context = { operator: 'where', subject: '(function)', dataset };
  return batchOperator({
    context,
    prepare: (schema) => {
      const diff = declared && declaredMismatch(declared, schema);
      if (diff) throw new Error(`the batch does not match options.schema: ${diff}`);
      return null;
    },
    apply: (_, batch) => {
      if (batch.numRows === 0) return undefined;
      const { mask, kept } = toMask(predicate(columnsOf(batch) as ColumnsOf<S>, batch), batch.numRows);
      return kept === 0 ? undefined : kept === batch.numRows ? batch : filterBatch(batch, mask);
    },
  });
}

/** Normalises a RowMask to 0/1 bytes (the form filterBatch takes). */
function toMask(m: unknown, n: number): { mask: Uint8Array; kept: number } {
  const length = m instanceof arrow.Vector || m instanceof Uint8Array || Array.isArray(m) ? (m as { length: number }).length : -1;
  if (length < 0) throw new Error(`the predicate returned ${describeValue(m)}; return a Uint8Array, a boolean array or a Bool Vector with one entry per row`);
  if (length !== n) throw new Error(`the predicate returned ${length} entries for a batch of ${n} rows`);
  const mask = new Uint8Array(n);
  let kept = 0;
  if (m instanceof Uint8Array) {
    for (let i = 0; i < n; i++) { const x = m[i] !== 0 ? 1 : 0; mask[i] = x; kept += x; }
  } else if (m instanceof arrow.Vector) {
    if (!arrow.DataType.isBool(m.type)) throw new Error(`the predicate returned a Vector of ${String(m.type)}; a mask Vector must be Bool`);
    let i = 0;
    for (const x of m as arrow.Vector<arrow.Bool>) { if (x === true) { mask[i] = 1; kept++; } i++; }
  } else {
    const a = m as readonly unknown[];
    for (let i = 0; i < n; i++) {
      const x = a[i];
      if (x === true) { mask[i] = 1; kept++; }
      else if (x !== false && x != null) throw new Error(`the predicate's entry for row ${i} is ${describeValue(x)}; expected true, false or null`);
    }
  }
  return { mask, kept };
}
