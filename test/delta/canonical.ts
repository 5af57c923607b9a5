// Canonical JSON form of Arrow data for comparing Tributary scans with
// independent readers (the Python oracle emits the same shape): integers
// and timestamps (µs) as decimal strings, dates as day numbers, decimals as
// fixed-point strings, binary as hex, maps as [key, value] pairs sorted by key.
// Reads Arrow buffers directly: Vector.get() would round timestamps to ms.

import { Data, Type, type Table } from 'apache-arrow';

export type Canon = null | boolean | number | string | Canon[] | { [k: string]: Canon };

/** Rows of a table in canonical form. */
export function canonicalRows(table: Table): Record<string, Canon>[] {
  const names = table.schema.fields.map((f) => f.name);
  const rows: Record<string, Canon>[] = [];
  for (const batch of table.batches) {
    const cols = batch.data.children.map((d) => canonData(d));
    for (let i = 0; i < batch.numRows; i++) {
      const row: Record<string, Canon> = {};
      names.forEach((n, c) => (row[n] = cols[c][i]));
      rows.push(row);
    }
  }
  return rows;
}

/** Sorts rows by their JSON text, for order-insensitive comparison. */
export function sortRows<T>(rows: T[]): T[] {
  return rows.map((r) => [JSON.stringify(r), r] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((x) => x[1]);
}

function isValid(d: Data, i: number): boolean {
  if (!d.nullBitmap || d.nullBitmap.length === 0 || d.nullCount === 0) return true;
  const j = d.offset + i;
  return (d.nullBitmap[j >> 3] & (1 << (j & 7))) !== 0;
}

export function canonData(d: Data): Canon[] {
  const out: Canon[] = new Array(d.length);
  const t = d.type;
  const values = d.values as ArrayLike<number | bigint> & { [i: number]: number | bigint };
  const text = new TextDecoder();
  // Slicing in Arrow JS re-bases value and offset buffers but not validity
  // or boolean bits, which keep using d.offset; struct children are pre-sliced.
  const structCols = t.typeId === Type.Struct ? d.children.map((c) => canonData(c)) : null;
  for (let i = 0; i < d.length; i++) {
    if (!isValid(d, i)) {
      out[i] = null;
      continue;
    }
    const j = d.offset + i;
    switch (t.typeId) {
      case Type.Int:
      case Type.Timestamp:
        out[i] = String(values[i]);
        break;
      case Type.Date:
      case Type.Float: {
        const v = Number(values[i]);
        out[i] = Number.isFinite(v) ? v : String(v).replace('Infinity', 'inf').replace('NaN', 'nan');
        break;
      }
      case Type.Bool:
        out[i] = ((d.values as Uint8Array)[j >> 3] & (1 << (j & 7))) !== 0;
        break;
      case Type.Utf8:
      case Type.Binary: {
        const o = d.valueOffsets as Int32Array;
        const bytes = (d.values as Uint8Array).subarray(o[i], o[i + 1]);
        out[i] = t.typeId === Type.Utf8 ? text.decode(bytes) : Buffer.from(bytes).toString('hex');
        break;
      }
      case Type.Decimal: {
        const w = d.values as Uint32Array;
        let v = 0n;
        for (let k = 3; k >= 0; k--) v = (v << 32n) | BigInt(w[i * 4 + k]);
        v = BigInt.asIntN(128, v);
        const scale = (t as unknown as { scale: number }).scale;
        const neg = v < 0n;
        let s = String(neg ? -v : v);
        if (scale > 0) {
          s = s.padStart(scale + 1, '0');
          s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
        }
        out[i] = neg ? `-${s}` : s;
        break;
      }
      case Type.Struct: {
        const fields = (t as unknown as { children: { name: string }[] }).children;
        const o: Record<string, Canon> = {};
        fields.forEach((f, k) => (o[f.name] = (structCols as Canon[][])[k][i]));
        out[i] = o;
        break;
      }
      case Type.List:
      case Type.Map: {
        const o = d.valueOffsets as Int32Array;
        const child = d.children[0];
        const items = o[i + 1] > o[i] ? canonData(child.slice(o[i], o[i + 1] - o[i])) : [];
        if (t.typeId === Type.List) out[i] = items;
        else {
          const pairs = items.map((e) => [(e as Record<string, Canon>).key, (e as Record<string, Canon>).value] as Canon[]);
          out[i] = pairs.sort((a, b) => (JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1));
        }
        break;
      }
      default:
        throw new Error(`canonical: unsupported Arrow type ${String(t)}`);
    }
  }
  return out;
}
