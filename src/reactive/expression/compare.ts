// Comparison kernels (=, <>, <, <=, >, >=, <=>) over two columns of the same
// type. Numbers compare as doubles (exact for every stored value), wide int64
// as BigInt, strings by UTF-8 bytes (= Unicode code point order, as Spark),
// and NaN equals NaN and sorts above every other number, as in Spark.
import { type Col, type Utf8, allScalar, asI64, asStrings, combineValidity, compareBytes, compareCodePoints, isUtf8, loopLength, makeCol } from './column.ts';
import { T } from './sql-type.ts';

export type CmpOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

const FLIP: Record<CmpOp, CmpOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

type Num = Float64Array | Int32Array | Uint8Array;

/** Three-valued comparison: NULL when either side is NULL. Both columns must already share a type. */
export function compareCols(op: CmpOp, a: Col, b: Col): Col {
  const n = loopLength(a.length, a, b);
  const out = new Uint8Array(n);
  const valid = combineValidity(n, a, b);
  const av = a.values;
  const bv = b.values;
  if (a.type.id === 'string') compareStrings(op, a, b, out, n);
  else if (av instanceof BigInt64Array || bv instanceof BigInt64Array) compareBig(op, asI64(a), a.scalar, asI64(b), b.scalar, out, n);
  else {
    compareNumbers(op, av as Num, a.scalar, bv as Num, b.scalar, out, n);
    if (a.type.id === 'float32' || a.type.id === 'float64') fixNaN(op, av as Num, a.scalar, bv as Num, b.scalar, out, n);
  }
  return makeCol(T.boolean, a.length, out, valid, allScalar(a, b));
}

/** `a <=> b`: never NULL; NULL <=> NULL is TRUE. */
export function nullSafeEqual(a: Col, b: Col): Col {
  const eq = compareCols('=', a, b);
  const n = loopLength(a.length, a, b);
  const out = eq.values as Uint8Array;
  if (a.valid || b.valid) {
    const sa = a.scalar ? 0 : 1;
    const sb = b.scalar ? 0 : 1;
    for (let i = 0; i < n; i++) {
      const va = a.valid === null || a.valid[i * sa] === 1;
      const vb = b.valid === null || b.valid[i * sb] === 1;
      if (!va || !vb) out[i] = va === vb ? 1 : 0;
    }
  }
  return makeCol(T.boolean, a.length, out, null, eq.scalar);
}

function compareNumbers(op: CmpOp, a: Num, as: boolean, b: Num, bs: boolean, out: Uint8Array, n: number): void {
  if (as && !bs) return compareNumbers(FLIP[op], b, bs, a, as, out, n);
  if (bs) {
    const y = b[0];
    switch (op) {
      case '=': for (let i = 0; i < n; i++) out[i] = a[i] === y ? 1 : 0; break;
      case '<>': for (let i = 0; i < n; i++) out[i] = a[i] !== y ? 1 : 0; break;
      case '<': for (let i = 0; i < n; i++) out[i] = a[i] < y ? 1 : 0; break;
      case '<=': for (let i = 0; i < n; i++) out[i] = a[i] <= y ? 1 : 0; break;
      case '>': for (let i = 0; i < n; i++) out[i] = a[i] > y ? 1 : 0; break;
      case '>=': for (let i = 0; i < n; i++) out[i] = a[i] >= y ? 1 : 0; break;
    }
    return;
  }
  switch (op) {
    case '=': for (let i = 0; i < n; i++) out[i] = a[i] === b[i] ? 1 : 0; break;
    case '<>': for (let i = 0; i < n; i++) out[i] = a[i] !== b[i] ? 1 : 0; break;
    case '<': for (let i = 0; i < n; i++) out[i] = a[i] < b[i] ? 1 : 0; break;
    case '<=': for (let i = 0; i < n; i++) out[i] = a[i] <= b[i] ? 1 : 0; break;
    case '>': for (let i = 0; i < n; i++) out[i] = a[i] > b[i] ? 1 : 0; break;
    case '>=': for (let i = 0; i < n; i++) out[i] = a[i] >= b[i] ? 1 : 0; break;
  }
}

/** Re-evaluates rows involving NaN with Spark's rule: NaN = NaN, NaN > any other value. */
function fixNaN(op: CmpOp, a: Num, as: boolean, b: Num, bs: boolean, out: Uint8Array, n: number): void {
  // Cheap scan first: most columns hold no NaN, so the common case is one tight loop per side.
  if (!hasNaN(a, as ? 1 : n) && !hasNaN(b, bs ? 1 : n)) return;
  const sa = as ? 0 : 1;
  const sb = bs ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const x = a[i * sa];
    const y = b[i * sb];
    if (x === x && y === y) continue;
    const c = x !== x ? (y !== y ? 0 : 1) : -1;
    out[i] = decide(op, c);
  }
}

function hasNaN(v: Num, n: number): boolean {
  if (!(v instanceof Float64Array)) return false;
  for (let i = 0; i < n; i++) if (v[i] !== v[i]) return true;
  return false;
}

function decide(op: CmpOp, c: number): number {
  switch (op) {
    case '=': return c === 0 ? 1 : 0;
    case '<>': return c !== 0 ? 1 : 0;
    case '<': return c < 0 ? 1 : 0;
    case '<=': return c <= 0 ? 1 : 0;
    case '>': return c > 0 ? 1 : 0;
    case '>=': return c >= 0 ? 1 : 0;
  }
}

function compareBig(op: CmpOp, a: BigInt64Array, as: boolean, b: BigInt64Array, bs: boolean, out: Uint8Array, n: number): void {
  const sa = as ? 0 : 1;
  const sb = bs ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const x = a[i * sa];
    const y = b[i * sb];
    out[i] = decide(op, x < y ? -1 : x > y ? 1 : 0);
  }
}

function compareStrings(op: CmpOp, a: Col, b: Col, out: Uint8Array, n: number): void {
  const av = a.values;
  const bv = b.values;
  if (isUtf8(av) && (isUtf8(bv) || b.scalar)) {
    const bu: Utf8 = isUtf8(bv) ? bv : new Utf8Scalar(asStrings(b)[0]);
    compareUtf8(op, av, a.scalar, bu, b.scalar, out, n);
    return;
  }
  if (isUtf8(bv) && a.scalar) {
    compareUtf8(FLIP[op], bv, b.scalar, new Utf8Scalar(asStrings(a)[0]), true, out, n);
    return;
  }
  const x = asStrings(a);
  const y = asStrings(b);
  const sa = a.scalar ? 0 : 1;
  const sb = b.scalar ? 0 : 1;
  if (op === '=' || op === '<>') {
    const eq = op === '=' ? 1 : 0;
    for (let i = 0; i < n; i++) out[i] = x[i * sa] === y[i * sb] ? eq : 1 - eq;
    return;
  }
  for (let i = 0; i < n; i++) out[i] = decide(op, compareCodePoints(x[i * sa], y[i * sb]));
}

/** A one-value Utf8 for comparing a column against a string literal. */
class Utf8Scalar implements Utf8 {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
  constructor(s: string) {
    this.bytes = new TextEncoder().encode(s);
    this.offsets = Int32Array.of(0, this.bytes.length);
  }
}

function compareUtf8(op: CmpOp, a: Utf8, as: boolean, b: Utf8, bs: boolean, out: Uint8Array, n: number): void {
  const ao = a.offsets, ab = a.bytes, bo = b.offsets, bb = b.bytes;
  const sa = as ? 0 : 1;
  const sb = bs ? 0 : 1;
  if (op === '=' || op === '<>') {
    const eq = op === '=' ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const s1 = ao[i * sa], e1 = ao[i * sa + 1], s2 = bo[i * sb], e2 = bo[i * sb + 1];
      let same = e1 - s1 === e2 - s2;
      if (same) for (let k = 0; k < e1 - s1; k++) if (ab[s1 + k] !== bb[s2 + k]) { same = false; break; }
      out[i] = same ? eq : 1 - eq;
    }
    return;
  }
  for (let i = 0; i < n; i++) out[i] = decide(op, compareBytes(ab, ao[i * sa], ao[i * sa + 1], bb, bo[i * sb], bo[i * sb + 1]));
}
