// A micro-batch of change events made ready for reduction: the selected
// output columns, the sequence value of each event (as Arrow, for SCD2's
// __START_AT/__END_AT, and as comparable JS values), its kind (upsert,
// delete, truncate). All checks on the batch happen here, before
// the target is read.
import * as arrow from 'apache-arrow';
import { compileExpression, compilePredicate, type CompiledExpression, type CompiledPredicate } from '../../reactive/expression/index.ts';
import { ApplyChangesError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import { keyTextAt } from './rowKey.ts';
import { DELETE, TRUNCATE, UPSERT, seqValues, type SeqValue } from './sequence.ts';

/** A validated micro-batch of change events. */
export interface ChangeBatch {
  /** The output (target) columns of every event, in target column order. */
  rows: arrow.RecordBatch;
  /** The sequence value of every event as Arrow data (a struct for struct sequencing). */
  seq: arrow.Data;
  /** The sequence value of every event, comparable with compareSeq. */
  order: SeqValue[];
  /** UPSERT, DELETE or TRUNCATE per event. */
  kind: Uint8Array;
}

/** Turns source batches of one schema into {@link ChangeBatch}es. */
export type ChangePreparer = (batch: arrow.RecordBatch) => ChangeBatch;

/**
 * Compiles the sequence expressions and delete/truncate conditions against
 * `schema`, returning the per-batch preparation.
 * @throws ApplyChangesError for an expression that does not compile or a sequence type that does not order.
 */
export function changePreparer(plan: ResolvedOptions, schema: arrow.Schema): ChangePreparer {
  const where = `applyChanges into ${plan.table}`;
  const compileOr = <T>(f: () => T, what: string): T => {
    try {
      return f();
    } catch (err) {
      throw new ApplyChangesError(`${where}: ${what}: ${(err as Error).message}`, { cause: err });
    }
  };
  const names = schema.fields.map((f) => f.name);
  const seqParts: { name: string; column: number; expr?: CompiledExpression }[] = plan.sequenceBy.map((s, i) => {
    const column = names.indexOf(s);
    if (column >= 0) return { name: s, column };
    const expr = compileOr(() => compileExpression(s, schema, { table: plan.table }), `sequenceBy '${s}'`);
    return { name: plan.structSequence ? `col${i + 1}` : s, column: -1, expr };
  });
  const deletes: CompiledPredicate | undefined = plan.applyAsDeletes !== undefined
    ? compileOr(() => compilePredicate(plan.applyAsDeletes!, schema, { table: plan.table }), `applyAsDeletes '${plan.applyAsDeletes}'`)
    : undefined;
  const truncates: CompiledPredicate | undefined = plan.applyAsTruncates !== undefined
    ? compileOr(() => compilePredicate(plan.applyAsTruncates!, schema, { table: plan.table }), `applyAsTruncates '${plan.applyAsTruncates}'`)
    : undefined;
  const outIdx = plan.columns.map((c) => names.indexOf(c));
  const outSchema = new arrow.Schema(outIdx.map((i) => schema.fields[i]));

  return (batch) => {
    const n = batch.numRows;
    const partData = seqParts.map((p) => (p.expr ? p.expr.evaluate(batch).data[0] : batch.data.children[p.column]));
    let seq: arrow.Data;
    if (plan.structSequence) {
      const fields = partData.map((d, i) => new arrow.Field(seqParts[i].name, d.type, true));
      seq = arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children: partData });
    } else seq = partData[0];
    let order: SeqValue[];
    try {
      order = seqValues(seq);
    } catch (err) {
      throw new ApplyChangesError(`${where}: sequenceBy ${plan.sequenceBy.join(', ')}: ${(err as Error).message}`);
    }
    const kind = new Uint8Array(n);
    const del = deletes?.mask(batch).mask;
    const trunc = truncates?.mask(batch).mask;
    for (let i = 0; i < n; i++) kind[i] = trunc && trunc[i] === 1 ? TRUNCATE : del && del[i] === 1 ? DELETE : UPSERT;
    // Only a column (or struct field) with NULLs can give a NULL sequence value.
    const mayBeNull = seq.nullCount > 0 || (plan.structSequence && seq.children.some((c) => c.nullCount > 0));
    for (let i = 0; mayBeNull && i < n; i++) {
      const o = order[i];
      const isNull = o === null || (Array.isArray(o) && o.some((x) => x === null));
      if (isNull) {
        const what = kind[i] === TRUNCATE ? 'a TRUNCATE event' : `the event with ${keyTextAt(batch, plan.keys, i)}`;
        throw new ApplyChangesError(
          `${where}: sequenceBy ${plan.sequenceBy.join(', ')} is NULL for ${what} (row ${i} of the micro-batch); NULL sequence values are not supported`,
        );
      }
    }
    const rows = new arrow.RecordBatch(
      outSchema,
      arrow.makeData({ type: new arrow.Struct(outSchema.fields), length: n, nullCount: 0, children: outIdx.map((i) => batch.data.children[i]) }),
    );
    return { rows, seq, order, kind };
  };
}
