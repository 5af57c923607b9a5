// Sequence values as JavaScript values that order like Spark orders the SQL
// values: numbers and bigints for integers, dates, timestamps (µs) and
// decimals (unscaled; one scale per column), strings, booleans, and arrays of
// those for struct sequencing (compared field by field, NULL first).
import * as arrow from 'apache-arrow';
import { contiguous, keyReader, type KeyValue } from '../merge/keys.ts';

/** One comparable sequence value; arrays are struct sequences. */
export type SeqValue = KeyValue | null | SeqValue[];

/** The rank of an event at equal sequence values: a delete sorts after (beats) an upsert. */
export const UPSERT = 0;
export const DELETE = 1;
export const TRUNCATE = 2;

/**
 * Spark's ordering of two sequence values: NULL first, structs field by field.
 * @example compareSeq([1, 'b'], [1, 'a']) // 1
 */
export function compareSeq(a: SeqValue, b: SeqValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compareSeq(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  // Same column type on both sides: JS < orders numbers with bigints, strings by code unit.
  return (a as KeyValue) < (b as KeyValue) ? -1 : (a as KeyValue) > (b as KeyValue) ? 1 : 0;
}

/** Reads the comparable value of every row of a sequence column (a struct: one array per row). */
export function seqValues(data: arrow.Data): SeqValue[] {
  const d = contiguous(data);
  const n = d.length;
  const out = new Array<SeqValue>(n);
  if (d.typeId === arrow.Type.Struct) {
    const parts = d.children.map((c) => seqValues(c));
    for (let i = 0; i < n; i++) out[i] = d.nullCount > 0 && !d.getValid(i) ? null : parts.map((p) => p[i]);
    return out;
  }
  if (d.typeId === arrow.Type.Float) {
    // Spark orders NaN above every number.
    const read = keyReader(d);
    for (let i = 0; i < n; i++) {
      const v = read(i);
      out[i] = typeof v === 'number' && Number.isNaN(v) ? Infinity : v;
    }
    return out;
  }
  const orderable = [arrow.Type.Int, arrow.Type.Timestamp, arrow.Type.Date, arrow.Type.Decimal, arrow.Type.Utf8, arrow.Type.Bool, arrow.Type.Binary];
  if (!orderable.includes(d.typeId)) {
    throw new TypeError(`type ${String(d.type)} is not orderable (AUTOCDC_SEQUENCING_COLUMN_NOT_ORDERABLE)`);
  }
  const read = keyReader(d);
  for (let i = 0; i < n; i++) out[i] = read(i);
  return out;
}

/** Text of a sequence value for messages. */
export function seqText(v: SeqValue): string {
  if (v === null) return 'NULL';
  if (Array.isArray(v)) return `{${v.map(seqText).join(', ')}}`;
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** JSON-safe encoding of a sequence value (bigints tagged), for durable CDC state. */
export function encodeSeq(v: SeqValue): unknown {
  if (typeof v === 'bigint') return { n: String(v) };
  if (Array.isArray(v)) return v.map(encodeSeq);
  return v;
}

/** Inverse of {@link encodeSeq}. */
export function decodeSeq(v: unknown): SeqValue {
  if (Array.isArray(v)) return v.map(decodeSeq);
  if (v !== null && typeof v === 'object' && typeof (v as { n?: unknown }).n === 'string') return BigInt((v as { n: string }).n);
  return v as SeqValue;
}
