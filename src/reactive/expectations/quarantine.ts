// quarantine: the built-in version of DLT's documented quarantine pattern
// (spec §2.6). Rows breaking any rule leave the stream and are written, with
// the names of the rules they broke, to a quarantine Delta table (or a sink);
// valid rows go on. Unlike the documented `NOT(rule1 AND rule2)` pattern, a
// rule evaluating to NULL counts as broken, so no row falls between the two
// outputs.
import * as arrow from 'apache-arrow';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { DeltaTable } from '../../delta/table.ts';
import { filterBatch } from '../expression/filter-batch.ts';
import { checkOperator } from './checkOperator.ts';
import { datasetOf, sqlRules, type Check, type ExpectationOptions, type ExpectationRules } from './expectation.ts';
import { ExpectationDefinitionError } from './errors.ts';

/** Column listing the rules a quarantined row broke. */
export const FAILED_EXPECTATIONS_COLUMN = '_failed_expectations';
/** Column holding when the row was quarantined (UTC, microseconds). */
export const QUARANTINED_AT_COLUMN = '_quarantined_at';

/** Receives each batch of quarantined rows; a returned promise is awaited. */
export type QuarantineSink = (rows: arrow.RecordBatch) => void | Promise<unknown>;

/**
 * Where quarantined rows go: an open DeltaTable, a table directory (created
 * on the first quarantined batch with {@link quarantineSchema} when missing),
 * or a sink function.
 */
export type QuarantineTarget = DeltaTable | string | QuarantineSink;

/** Options of {@link quarantine}. */
export interface QuarantineOptions extends ExpectationOptions {
  /** `{ name: sqlConstraint }`; a row is quarantined when any is not TRUE. */
  rules: ExpectationRules;
  to: QuarantineTarget;
  /** Clock for `_quarantined_at` (tests). Default `() => new Date()`. */
  clock?: () => Date;
}

const failedListType = () => new arrow.List(new arrow.Field('element', new arrow.Utf8(), false));
const quarantinedAtType = () => new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'UTC');

/**
 * The schema of a quarantine table for data of `schema`: its columns plus
 * `_failed_expectations: list<utf8>` and `_quarantined_at: timestamp[µs, UTC]`.
 * @example
 * const q = await DeltaTable.create('/data/orders_quarantine', { schema: quarantineSchema(batch.schema) });
 */
export function quarantineSchema(schema: arrow.Schema): arrow.Schema {
  for (const name of [FAILED_EXPECTATIONS_COLUMN, QUARANTINED_AT_COLUMN]) {
    if (schema.fields.some((f) => f.name.toLowerCase() === name)) throw new Error(`Cannot quarantine data that already has a column named '${name}'`);
  }
  return new arrow.Schema([
    ...schema.fields,
    new arrow.Field(FAILED_EXPECTATIONS_COLUMN, failedListType(), false),
    new arrow.Field(QUARANTINED_AT_COLUMN, quarantinedAtType(), false),
  ]);
}

/**
 * The rows of `input` selected by `removed`, with the two quarantine columns:
 * the names of the rules (`names[k]`, whose pass mask is `masks[k]`) each row
 * broke, and `at`.
 */
export function quarantineBatch(input: arrow.RecordBatch, removed: Uint8Array, names: readonly string[], masks: Uint8Array[], at: Date): arrow.RecordBatch {
  const schema = quarantineSchema(input.schema);
  const rows = filterBatch(input, removed);
  const broken: string[][] = [];
  for (let i = 0; i < input.numRows; i++) {
    if (removed[i] === 1) broken.push(names.filter((_, k) => masks[k]![i] === 0));
  }
  const m = rows.numRows;
  const failed = arrow.vectorFromArray(broken, failedListType()).data[0]!;
  const micros = BigInt(at.getTime()) * 1000n;
  const when = arrow.makeData({ type: quarantinedAtType(), length: m, nullCount: 0, data: new BigInt64Array(m).fill(micros) });
  const children = [...rows.data.children, failed, when];
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: m, nullCount: 0, children }));
}

/** A function writing quarantine batches to `to`. */
function writerFor(to: QuarantineTarget, dataset: string): QuarantineSink {
  if (typeof to === 'function') return to;
  if (to instanceof DeltaTable) {
    return async (rows) => {
      try {
        await to.append(rows);
      } catch (err) {
        throw new Error(`Quarantine of dataset '${dataset}': writing ${rows.numRows} row(s) to Delta table ${to.storage.root} failed: ${(err as Error).message}`, { cause: err });
      }
    };
  }
  if (typeof to === 'string') {
    let table: Promise<DeltaTable> | null = null;
    return async (rows) => {
      table ??= DeltaTable.create(to, { schema: rows.schema, mode: 'ignore' });
      let t: DeltaTable;
      try {
        t = await table;
      } catch (err) {
        table = null;
        throw new Error(`Quarantine of dataset '${dataset}': cannot create Delta table ${to}: ${(err as Error).message}`, { cause: err });
      }
      await writerFor(t, dataset)(rows);
    };
  }
  throw new ExpectationDefinitionError('(quarantine)', dataset, 'quarantine `to` must be a DeltaTable, a table path or a function');
}

/** The Check behind {@link quarantine}; also used by `expectAllOrDrop(rules, { quarantine })`. */
export function quarantineCheck(rules: ExpectationRules, to: QuarantineTarget, dataset: string, clock: () => Date = () => new Date()): Check {
  const sql = sqlRules(rules, dataset);
  const write = writerFor(to, dataset);
  const names = sql.map((r) => r.name);
  return {
    names,
    action: 'drop',
    dataset,
    evaluate: (input) => sql.map((r) => r.passMask(input)),
    divert: (input, removed, masks) => write(quarantineBatch(input, removed, names, masks, clock())),
  };
}

/**
 * Splits each batch: rows breaking any of `rules` (FALSE or NULL) are written
 * to the quarantine target with `_failed_expectations` (names of the rules
 * they broke) and `_quarantined_at`; the valid rows are emitted. The write
 * finishes before the batch goes downstream, so a crash never loses
 * quarantined rows silently; a failed write errors the stream (with a Delta
 * target the table is unchanged) and the batch is not emitted. Batches are
 * processed one at a time in order. Metrics: per-rule counts, and the
 * quarantined rows in `dropped_records`. Only rows this operator removes are
 * quarantined (rows an earlier drop-expectation of the chain removed are not).
 * @example
 * ```ts
 * const q = await DeltaTable.create('/data/orders_quarantine', { schema: quarantineSchema(orderSchema) });
 * rows$.pipe(
 *   quarantine({ dataset: 'orders', rules: { valid_id: 'id IS NOT NULL', positive: 'amount > 0' }, to: q }),
 * );
 * ```
 */
export function quarantine(options: QuarantineOptions): MonoTypeOperatorFunction<arrow.RecordBatch> {
  const dataset = datasetOf(options);
  return checkOperator(quarantineCheck(options.rules, options.to, dataset, options.clock), options);
}
