// The skeleton shared by the expression operators: per subscription, prepare
// (compile) once per distinct input schema, transform each batch, drop what
// the transform drops, and turn any failure into an OperatorError on the
// error channel — never a throw out of `next`.
import type { RecordBatch, Schema as ArrowSchema } from 'apache-arrow';
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { schemaMismatch } from '../batch/schemaMismatch.ts';
import { operatorError, type OperatorErrorContext } from './operatorError.ts';

/** How one operator handles the batches of one input schema. */
export interface BatchOperatorSpec<State> {
  /** Error context for failures that carry no more specific one. */
  context: OperatorErrorContext;
  /** Compiles for a schema; runs at the first batch and whenever the schema changes. */
  prepare(schema: ArrowSchema): State;
  /** The output batch, or undefined to emit nothing. */
  apply(state: State, batch: RecordBatch): RecordBatch | undefined;
}

/**
 * Builds a RecordBatch operator from a spec. Compiled state is reused for
 * batches whose schema is the same object or structurally equal (names,
 * types, nullability), so sources that rebuild equal schemas do not recompile.
 */
export function batchOperator<State>(spec: BatchOperatorSpec<State>): MonoTypeOperatorFunction<RecordBatch> {
  return (source) =>
    new Observable<RecordBatch>((subscriber) => {
      let schema: ArrowSchema | undefined;
      let state: State | undefined;
      return source.subscribe({
        next: (batch) => {
          let out: RecordBatch | undefined;
          try {
            if (schema === undefined || (batch.schema !== schema && schemaMismatch(schema, batch.schema) !== undefined)) {
              state = spec.prepare(batch.schema);
              schema = batch.schema;
            }
            out = spec.apply(state as State, batch);
          } catch (e) {
            subscriber.error(operatorError({ ...spec.context, schema: batch.schema }, e));
            return;
          }
          // Outside the try: an error thrown downstream is not this operator's.
          if (out !== undefined) subscriber.next(out);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}
