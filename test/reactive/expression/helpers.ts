// Test helpers: build a one-batch table from JS columns and read results back as JS values.
import * as arrow from 'apache-arrow';
import { compileExpression } from '../../../src/reactive/expression/index.ts';

export type Columns = Record<string, { type: arrow.DataType; values: unknown[] }>;

export function batchOf(columns: Columns): arrow.RecordBatch {
  const vectors = Object.fromEntries(Object.entries(columns).map(([name, c]) => [name, arrow.vectorFromArray(c.values as never[], c.type)]));
  const table = new arrow.Table(vectors);
  return table.batches[0];
}

/** JS value of a result row: dates as 'yyyy-mm-dd', timestamps as ISO strings, int64 as bigint, decimals as numbers. */
export function jsValue(v: arrow.Vector, i: number): unknown {
  const x = v.get(i) as unknown;
  if (x === null || x === undefined) return null;
  const t = v.type as arrow.DataType;
  if (arrow.DataType.isDate(t)) return new Date(x as number).toISOString().slice(0, 10);
  if (arrow.DataType.isTimestamp(t)) {
    const us = (v.data[0].values as BigInt64Array)[i];
    return `${new Date(Number(us / 1000n)).toISOString().slice(0, 19)}.${String(((us % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, '0')}`;
  }
  if (arrow.DataType.isDecimal(t)) {
    const words = x as Uint32Array;
    let big = 0n;
    for (let k = 3; k >= 0; k--) big = (big << 32n) | BigInt(words[k]);
    return Number(BigInt.asIntN(128, big)) / 10 ** (t as arrow.Decimal).scale;
  }
  return x;
}

export function values(v: arrow.Vector): unknown[] {
  return Array.from({ length: v.length }, (_, i) => jsValue(v, i));
}

/** Evaluates `sql` over `batch` and returns [result type as text, values]. */
export function run(sql: string, batch: arrow.RecordBatch): unknown[] {
  return values(compileExpression(sql, batch.schema).evaluate(batch));
}

/** Evaluates a constant expression (over a one-row batch). */
export function scalar(sql: string): unknown {
  const b = batchOf({ dummy: { type: new arrow.Int32(), values: [0] } });
  return run(sql, b)[0];
}

export function typeOf(sql: string, batch?: arrow.RecordBatch): string {
  const b = batch ?? batchOf({ dummy: { type: new arrow.Int32(), values: [0] } });
  return String(compileExpression(sql, b.schema).type);
}
