// Row keys for uniqueness checks: the values of some columns of each row as
// one JS value usable in a Set. Values are normalised so the same logical key
// matches across column types a Delta table and a stream may disagree on
// (int32 vs int64, timestamp units, date units); NULL is an ordinary key
// value (GROUP BY semantics).
import * as arrow from 'apache-arrow';

/** A row key: one column's normalised value, or the text of several. */
export type RowKey = number | string | boolean | bigint | null;

const MICROS_PER: Record<number, bigint> = {
  [arrow.TimeUnit.SECOND]: 1_000_000n,
  [arrow.TimeUnit.MILLISECOND]: 1000n,
  [arrow.TimeUnit.MICROSECOND]: 1n,
};

const small = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

/** Reads row i of one column (single-chunk data) as a normalised key part. */
function partReader(d: arrow.Data, vector: arrow.Vector): (i: number) => RowKey {
  const type = d.type as arrow.DataType;
  const bitmap = d.nullCount > 0 ? d.nullBitmap : undefined;
  const valid = bitmap && bitmap.length > 0 ? (i: number) => ((bitmap[(d.offset + i) >> 3]! >> ((d.offset + i) & 7)) & 1) === 1 : () => true;
  switch (d.typeId) {
    case arrow.Type.Int: {
      if ((type as arrow.Int).bitWidth === 64) {
        const v = d.values as unknown as BigInt64Array | BigUint64Array;
        return (i) => (valid(i) ? small(BigInt(v[d.offset + i])) : null);
      }
      const v = d.values as Int32Array;
      return (i) => (valid(i) ? v[d.offset + i]! : null);
    }
    case arrow.Type.Float: {
      if ((type as arrow.Float).precision === arrow.Precision.HALF) break;
      const v = d.values as Float64Array;
      return (i) => (valid(i) ? v[d.offset + i]! : null);
    }
    case arrow.Type.Date: {
      if ((type as arrow.Date_).unit === arrow.DateUnit.DAY) {
        const v = d.values as Int32Array;
        return (i) => (valid(i) ? v[d.offset + i] : null);
      }
      const v = d.values as unknown as BigInt64Array;
      return (i) => (valid(i) ? Math.floor(Number(v[d.offset + i]) / 86_400_000) : null);
    }
    case arrow.Type.Timestamp: {
      const unit = (type as arrow.Timestamp).unit;
      const per = MICROS_PER[unit];
      const v = d.values as unknown as BigInt64Array;
      return (i) => (valid(i) ? small(per === undefined ? v[d.offset + i] / 1000n : v[d.offset + i] * per) : null);
    }
    case arrow.Type.Decimal: {
      const dec = type as arrow.Decimal;
      const count = dec.bitWidth / 32;
      const words = d.values as Uint32Array;
      return (i) => {
        if (!valid(i)) return null;
        let big = 0n;
        const start = (d.offset + i) * count;
        for (let k = count - 1; k >= 0; k--) big = (big << 32n) | BigInt(words[start + k]);
        return `${BigInt.asIntN(count * 32, big)}e-${dec.scale}`;
      };
    }
  }
  return (i) => {
    const x = vector.get(i) as unknown;
    if (x === null || x === undefined) return null;
    if (typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean') return x;
    if (typeof x === 'bigint') return small(x);
    if (x instanceof Uint8Array) return `0x${Buffer.from(x).toString('hex')}`;
    return JSON.stringify(x, (_k, y: unknown) => (typeof y === 'bigint' ? `${y}n` : y));
  };
}

/** The positions of `keys` in `schema` (exact name first, then case-insensitive); throws naming a missing one. */
export function keyColumns(schema: arrow.Schema, keys: readonly string[], where: string): number[] {
  return keys.map((k) => {
    let i = schema.fields.findIndex((f) => f.name === k);
    if (i < 0) i = schema.fields.findIndex((f) => f.name.toLowerCase() === k.toLowerCase());
    if (i < 0) throw new Error(`key column '${k}' is not in ${where} (columns: ${schema.fields.map((f) => f.name).join(', ')})`);
    return i;
  });
}

/**
 * The key of every row of `batch` over the columns at `columns`: the value
 * itself for one column, a JSON array text for several.
 * @example
 * rowKeys(batch, keyColumns(batch.schema, ['id'], 'the batch')); // [1, 2, 2, null]
 */
export function rowKeys(batch: arrow.RecordBatch, columns: readonly number[]): RowKey[] {
  const readers = columns.map((c) => partReader(batch.data.children[c]!, batch.getChildAt(c)!));
  const n = batch.numRows;
  const out = new Array<RowKey>(n);
  if (readers.length === 1) {
    const read = readers[0]!;
    for (let i = 0; i < n; i++) out[i] = read(i);
    return out;
  }
  // Tag bigints so they stay distinct from strings that spell the same digits.
  const replacer = (_k: string, y: unknown) => (typeof y === 'bigint' ? { n: String(y) } : y);
  for (let i = 0; i < n; i++) out[i] = JSON.stringify(readers.map((r) => r(i)), replacer);
  return out;
}
