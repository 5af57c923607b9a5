// Whether two Arrow schemas describe the same columns (names, types, nullability),
// for sources and operators that must not mix batches of different shapes.
import type * as arrow from 'apache-arrow';

/**
 * A description of the first difference between `expected` and `actual`, or
 * undefined when they match. Metadata is ignored.
 * @example `schemaMismatch(a, b)` → `'column "amount": Float64 vs Utf8'`
 */
export function schemaMismatch(expected: arrow.Schema, actual: arrow.Schema): string | undefined {
  if (expected === actual) return undefined;
  const a = expected.fields;
  const b = actual.fields;
  if (a.length !== b.length) return `${a.length} columns (${a.map((f) => f.name).join(', ')}) vs ${b.length} (${b.map((f) => f.name).join(', ')})`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return `column ${i} is "${x.name}" vs "${y.name}"`;
    if (String(x.type) !== String(y.type)) return `column "${x.name}": ${String(x.type)} vs ${String(y.type)}`;
    if (x.nullable !== y.nullable) return `column "${x.name}": nullable ${x.nullable} vs ${y.nullable}`;
  }
  return undefined;
}
