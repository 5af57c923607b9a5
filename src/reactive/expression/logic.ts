// Boolean kernels with SQL three-valued logic:
//   TRUE AND NULL = NULL, FALSE AND NULL = FALSE, TRUE OR NULL = TRUE, NOT NULL = NULL.
import { type Col, allScalar, combineValidity, loopLength, makeCol } from './column.ts';
import { T } from './sql-type.ts';

/** AND (`isAnd`) or OR of two boolean columns. */
export function andOr(isAnd: boolean, a: Col, b: Col): Col {
  const n = loopLength(a.length, a, b);
  const x = a.values as Uint8Array;
  const y = b.values as Uint8Array;
  const sa = a.scalar ? 0 : 1;
  const sb = b.scalar ? 0 : 1;
  const out = new Uint8Array(n);
  if (!a.valid && !b.valid) {
    if (isAnd) for (let i = 0; i < n; i++) out[i] = x[i * sa] & y[i * sb];
    else for (let i = 0; i < n; i++) out[i] = x[i * sa] | y[i * sb];
    return makeCol(T.boolean, a.length, out, null, allScalar(a, b));
  }
  const va = a.valid;
  const vb = b.valid;
  const valid = new Uint8Array(n);
  // The dominant value (FALSE for AND, TRUE for OR) decides the result even when the other side is NULL.
  const dom = isAnd ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const okA = va === null || va[i * sa] === 1;
    const okB = vb === null || vb[i * sb] === 1;
    const p = x[i * sa];
    const q = y[i * sb];
    if ((okA && p === dom) || (okB && q === dom)) { out[i] = dom; valid[i] = 1; }
    else if (okA && okB) { out[i] = 1 - dom; valid[i] = 1; }
  }
  return makeCol(T.boolean, a.length, out, valid, allScalar(a, b));
}

export function not(a: Col): Col {
  const x = a.values as Uint8Array;
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] ^ 1;
  return makeCol(T.boolean, a.length, out, a.valid, a.scalar);
}

/** IS [NOT] NULL: never NULL itself. */
export function isNull(a: Col, negated: boolean): Col {
  const n = a.scalar ? 1 : a.length;
  const out = new Uint8Array(n);
  const v = a.valid;
  if (v) for (let i = 0; i < n; i++) out[i] = negated ? v[i] : 1 - v[i];
  else if (negated) out.fill(1);
  if (a.type.id === 'null') out.fill(negated ? 0 : 1);
  return makeCol(T.boolean, a.length, out, null, a.scalar);
}

/** IS [NOT] TRUE / FALSE: NULL counts as neither. */
export function isBool(a: Col, value: boolean, negated: boolean): Col {
  const n = a.scalar ? 1 : a.length;
  const out = new Uint8Array(n);
  const x = a.values as Uint8Array;
  const v = a.valid;
  const want = value ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const hit = (v === null || v[i] === 1) && x !== null && x[i] === want ? 1 : 0;
    out[i] = negated ? 1 - hit : hit;
  }
  return makeCol(T.boolean, a.length, out, null, a.scalar);
}

/** Boolean column of all-`value` (possibly NULL). */
export function constBool(value: boolean | null, length: number): Col {
  return makeCol(T.boolean, length, Uint8Array.of(value ? 1 : 0), value === null ? new Uint8Array(1) : null, true);
}

export { combineValidity };
