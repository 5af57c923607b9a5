// Row-at-a-time access for the less performance-sensitive kernels (string and
// date functions, casts): read a column's value at row i as a JS value, and
// build a column by setting values row by row.
import { type Col, asStrings, makeCol, MAX_EXACT, normalizeInt64 } from './column.ts';
import type { SqlType } from './sql-type.ts';

/** JS value of a row: number (ints, floats, decimals, dates, exact int64/timestamps), bigint (wide int64/timestamps), string, boolean. */
export type Value = number | bigint | string | boolean;

/** Returns a function reading row i of `c` (null for NULL rows). Scalars read row 0 for every i. */
export function reader(c: Col): (i: number) => Value | null {
  const valid = c.valid;
  const s = c.scalar ? 0 : 1;
  const v = c.values;
  if (c.type.id === 'null') return () => null;
  if (c.type.id === 'boolean') {
    const b = v as Uint8Array;
    return (i) => (valid && !valid[i * s] ? null : b[i * s] === 1);
  }
  if (c.type.id === 'string') {
    const strs = asStrings(c);
    return (i) => (valid && !valid[i * s] ? null : strs[i * s]);
  }
  if (v instanceof Float64Array || v instanceof Int32Array || v instanceof BigInt64Array) {
    return (i) => (valid && !valid[i * s] ? null : v[i * s]);
  }
  throw new Error(`internal: cannot read ${c.type.id} values row by row`);
}

/** Collects row values into a column of the given type. Rows not set are NULL. */
export class ColBuilder {
  private valid: Uint8Array;
  private num: Float64Array | Int32Array | Uint8Array | null = null;
  private big: BigInt64Array | null = null;
  private strs: string[] | null = null;

  constructor(readonly type: SqlType, readonly n: number) {
    this.valid = new Uint8Array(n);
    switch (type.id) {
      case 'boolean': this.num = new Uint8Array(n); break;
      case 'int8': case 'int16': case 'int32': case 'date': this.num = new Int32Array(n); break;
      case 'string': this.strs = new Array<string>(n).fill(''); break;
      case 'null': break;
      default: this.num = new Float64Array(n);
    }
  }

  set(i: number, value: Value | null): void {
    if (value === null) return;
    this.valid[i] = 1;
    if (this.strs) { this.strs[i] = value as string; return; }
    if (this.big) { this.big[i] = typeof value === 'bigint' ? value : BigInt(value as number); return; }
    if (typeof value === 'bigint') {
      if (value >= -MAX_EXACT && value <= MAX_EXACT) { this.num![i] = Number(value); return; }
      // A value beyond ±2^53: switch the whole column to exact 64-bit storage.
      const prev = this.num as Float64Array;
      this.big = new BigInt64Array(this.n);
      for (let k = 0; k < i; k++) if (this.valid[k]) this.big[k] = BigInt(prev[k]);
      this.big[i] = value;
      this.num = null;
      return;
    }
    this.num![i] = typeof value === 'boolean' ? (value ? 1 : 0) : (value as number);
  }

  finish(scalar = false): Col {
    let anyNull = false;
    for (let i = 0; i < this.n; i++) if (!this.valid[i]) { anyNull = true; break; }
    const values = this.strs ?? (this.big ? normalizeInt64(this.big) : this.num);
    return makeCol(this.type, scalar ? 1 : this.n, values, anyNull ? this.valid : null, scalar);
  }
}

/**
 * Applies `fn` to each row of the inputs (NULL in any input → NULL out unless `nullSafe`),
 * producing a column of `type`. Constant when every input is constant.
 */
export function mapRows(type: SqlType, length: number, inputs: Col[], fn: (...values: Value[]) => Value | null, nullSafe = false): Col {
  const scalar = inputs.every((c) => c.scalar);
  const n = scalar ? 1 : length;
  const readers = inputs.map(reader);
  const b = new ColBuilder(type, n);
  const args = new Array<Value | null>(inputs.length);
  for (let i = 0; i < n; i++) {
    let isNull = false;
    for (let k = 0; k < readers.length; k++) {
      const v = readers[k](i);
      if (v === null) isNull = true;
      args[k] = v;
    }
    if (isNull && !nullSafe) continue;
    b.set(i, fn(...(args as Value[])));
  }
  const out = b.finish(scalar);
  return scalar ? { ...out, length } : out;
}
