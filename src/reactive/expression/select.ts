// Row-wise choice between columns of one type: the kernel behind CASE, IF,
// COALESCE and NULLIF. `pick[i]` names the column supplying row i (-1 = NULL).
import { type Col, asI64, asStrings, makeCol, normalizeInt64 } from './column.ts';
import type { SqlType } from './sql-type.ts';

export function choose(type: SqlType, length: number, cols: Col[], pick: Int32Array, scalar: boolean): Col {
  const n = pick.length;
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = pick[i];
    if (k < 0) continue;
    const c = cols[k];
    valid[i] = c.valid === null || c.valid[c.scalar ? 0 : i] === 1 ? 1 : 0;
  }
  const strides = cols.map((c) => (c.scalar ? 0 : 1));
  let values: Col['values'];
  if (type.id === 'string') {
    const src = cols.map((c) => asStrings(c));
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) { const k = pick[i]; out[i] = k < 0 ? '' : src[k][i * strides[k]]; }
    values = out;
  } else if (type.id === 'null') {
    values = null;
  } else if (cols.some((c) => c.values instanceof BigInt64Array)) {
    const src = cols.map((c) => asI64(c));
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) { const k = pick[i]; if (k >= 0) out[i] = src[k][i * strides[k]]; }
    values = normalizeInt64(out);
  } else {
    const src = cols.map((c) => c.values as Float64Array | Int32Array | Uint8Array);
    const out = type.id === 'boolean' ? new Uint8Array(n) : type.id === 'int8' || type.id === 'int16' || type.id === 'int32' || type.id === 'date' ? new Int32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) { const k = pick[i]; if (k >= 0) out[i] = src[k][i * strides[k]]; }
    values = out;
  }
  let allValid = true;
  for (let i = 0; i < n; i++) if (!valid[i]) { allValid = false; break; }
  return makeCol(type, length, values, allValid ? null : valid, scalar);
}
