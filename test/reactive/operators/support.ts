// Helpers for the expression operator tests: batches from typed rows, rows
// back out through Arrow JS's getters, a marble scheduler, seeded randomness.
import * as arrow from 'apache-arrow';
import { TestScheduler } from 'rxjs/testing';
import * as assert from 'uvu/assert';
import { date32, float64, int32, int64, schema, utf8, type RowOf, type Schema } from '../../../src/reactive/schema/index.ts';
import { RowBatchBuilder } from '../../../src/reactive/sources/rowBatchBuilder.ts';
import { prng } from '../../support/prng.ts';

/** One RecordBatch of `s` holding `rows` (validated by the schema's own builders). */
export function batchOf<S extends Schema>(s: S, rows: RowOf<S>[]): arrow.RecordBatch {
  return new RowBatchBuilder(s).build(rows, rows.length, (i) => `row ${i}`);
}

/** A batch's rows as plain objects, read through Arrow JS (int64 → bigint, date → epoch ms). */
export function rowsOf(batch: arrow.RecordBatch): Record<string, unknown>[] {
  return batch.toArray().map((r) => ({ ...(r as { toJSON(): Record<string, unknown> }).toJSON() }));
}

/** Column names of a batch, in order. */
export function namesOf(batch: arrow.RecordBatch): string[] {
  return batch.schema.fields.map((f) => f.name);
}

export const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => assert.equal(actual, expected));

/** Seeded PRNG (mulberry32) so random-data tests replay. */
export function random(seed: number): { next(): number; int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  const next = prng(seed);
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
  };
}

/** A comparable form of an engine value: bigints and numeric strings as numbers, dates/objects as text. */
export function norm(x: unknown): null | boolean | number | string {
  if (x === null || x === undefined) return null;
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'string') return x;
  return String(x);
}

/** Equal, with a relative tolerance for doubles. */
export function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}

/** The mixed-type table the DuckDB comparisons run on: 300 seeded rows, 15% nulls per nullable column. */
export function randomMixedBatch(seed: number, words: readonly string[]): arrow.RecordBatch {
  const r = random(seed);
  const s = schema({ id: int64(), i: int32().nullable(), d: float64().nullable(), s: utf8().nullable(), dt: date32().nullable() });
  const data = Array.from({ length: 300 }, (_, k) => ({
    id: k,
    i: r.chance(0.15) ? null : r.int(-50, 50),
    d: r.chance(0.15) ? null : r.int(-4000, 4000) / 8,
    s: r.chance(0.15) ? null : r.pick(words),
    dt: r.chance(0.15) ? null : new Date(Date.UTC(2020, 0, 1) + r.int(0, 2000) * 86_400_000),
  }));
  return batchOf(s, data);
}
