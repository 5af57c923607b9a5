// Builds Arrow Data from plain JS values in the normalized representation
// scans produce. Written directly against makeData (not Arrow's builders)
// because the builders take timestamps as ms numbers and decimals as raw
// words: microseconds and 38-digit decimals must survive exactly.

import {
  Data, DataType as ArrowType, Decimal, Field, List, Map_, Struct, Type, makeData,
} from 'apache-arrow';

/**
 * Normalized value per Arrow type: Utf8 string; Binary Uint8Array; Bool
 * boolean; Int8/16/32, Float, DateDay (days) number; Int64 and Timestamp(µs)
 * bigint; Decimal the unscaled bigint; List an array; Struct an object keyed
 * by field name; Map an array of [key, value] pairs; null/undefined for null.
 */
export type NormalizedValue = unknown;

/**
 * Arrow Data of `type` holding `values`. `where` names the column in errors.
 *
 * @example
 * buildArrowData(new Int64(), [1n, null, 3n], 'id')
 */
export function buildArrowData(type: ArrowType, values: ArrayLike<NormalizedValue>, where: string): Data {
  const length = values.length;
  const { nullBitmap, nullCount } = validity(values);
  const bad = (v: unknown): Error => new Error(`Column '${where}': value ${describe(v)} does not fit Arrow type ${String(type)}`);
  switch (type.typeId) {
    case Type.Utf8:
    case Type.Binary: {
      const encoder = new TextEncoder();
      const parts: Uint8Array[] = new Array(length);
      let total = 0;
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        let b: Uint8Array;
        if (typeof v === 'string') b = encoder.encode(v);
        else if (v instanceof Uint8Array) b = v;
        else throw bad(v);
        parts[i] = b;
        total += b.length;
      }
      const offsets = new Int32Array(length + 1);
      const data = new Uint8Array(total);
      let pos = 0;
      for (let i = 0; i < length; i++) {
        const b = parts[i];
        if (b) {
          data.set(b, pos);
          pos += b.length;
        }
        offsets[i + 1] = pos;
      }
      return makeData({ type, length, nullCount, nullBitmap, valueOffsets: offsets, data } as never);
    }
    case Type.Bool: {
      const data = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (typeof v !== 'boolean') throw bad(v);
        if (v) data[i >> 3] |= 1 << (i & 7);
      }
      return makeData({ type, length, nullCount, nullBitmap, data } as never);
    }
    case Type.Int: {
      const t = type as unknown as { bitWidth: number; isSigned: boolean };
      if (t.bitWidth === 64) {
        const data = new BigInt64Array(length);
        for (let i = 0; i < length; i++) {
          const v = values[i];
          if (v === null || v === undefined) continue;
          if (typeof v === 'bigint') data[i] = v;
          else if (typeof v === 'number' && Number.isInteger(v)) data[i] = BigInt(v);
          else throw bad(v);
        }
        return makeData({ type, length, nullCount, nullBitmap, data } as never);
      }
      const data = t.bitWidth === 8 ? new Int8Array(length) : t.bitWidth === 16 ? new Int16Array(length) : new Int32Array(length);
      const lim = 2 ** (t.bitWidth - 1);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        const n = typeof v === 'bigint' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < -lim || n >= lim) throw bad(v);
        data[i] = n;
      }
      return makeData({ type, length, nullCount, nullBitmap, data } as never);
    }
    case Type.Float: {
      const data = (type as unknown as { precision: number }).precision === 1 ? new Float32Array(length) : new Float64Array(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (typeof v === 'number') data[i] = v;
        else if (typeof v === 'bigint') data[i] = Number(v);
        else throw bad(v);
      }
      return makeData({ type, length, nullCount, nullBitmap, data } as never);
    }
    case Type.Date: {
      const data = new Int32Array(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(v);
        data[i] = v;
      }
      return makeData({ type, length, nullCount, nullBitmap, data } as never);
    }
    case Type.Timestamp: {
      const data = new BigInt64Array(length);
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (typeof v !== 'bigint') throw bad(v);
        data[i] = v;
      }
      return makeData({ type, length, nullCount, nullBitmap, data } as never);
    }
    case Type.Decimal: {
      const t = type as Decimal;
      const words = t.bitWidth / 32;
      const data = new Uint32Array(length * words);
      const mask = (1n << BigInt(t.bitWidth)) - 1n;
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (typeof v !== 'bigint') throw bad(v);
        let u = BigInt.asUintN(t.bitWidth, v) & mask; // two's complement
        for (let w = 0; w < words; w++) {
          data[i * words + w] = Number(u & 0xffffffffn);
          u >>= 32n;
        }
      }
      return makeData({ type, length, nullCount, nullBitmap, data } as never);
    }
    case Type.List: {
      const child = (type as List).children[0] as Field;
      const offsets = new Int32Array(length + 1);
      const flat: NormalizedValue[] = [];
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) {
          if (!Array.isArray(v)) throw bad(v);
          for (const e of v) flat.push(e);
        }
        offsets[i + 1] = flat.length;
      }
      const childData = buildArrowData(child.type, flat, `${where}.element`);
      return makeData({ type, length, nullCount, nullBitmap, valueOffsets: offsets, child: childData } as never);
    }
    case Type.Struct: {
      const fields = (type as Struct).children as Field[];
      const children = fields.map((f) => {
        const col: NormalizedValue[] = new Array(length);
        for (let i = 0; i < length; i++) {
          const v = values[i];
          if (v === null || v === undefined) {
            col[i] = null;
            continue;
          }
          if (typeof v !== 'object') throw bad(v);
          col[i] = (v as Record<string, unknown>)[f.name];
        }
        return buildArrowData(f.type, col, `${where}.${f.name}`);
      });
      return makeData({ type, length, nullCount, nullBitmap, children } as never);
    }
    case Type.Map: {
      const entries = (type as Map_).children[0] as Field<Struct>;
      const offsets = new Int32Array(length + 1);
      const flat: Record<string, unknown>[] = [];
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) {
          if (!Array.isArray(v)) throw bad(v);
          for (const pair of v as [unknown, unknown][]) flat.push({ key: pair[0], value: pair[1] });
        }
        offsets[i + 1] = flat.length;
      }
      const childData = buildArrowData(entries.type, flat, `${where}.entries`);
      return makeData({ type, length, nullCount, nullBitmap, valueOffsets: offsets, child: childData } as never);
    }
    default:
      throw new Error(`Column '${where}': Arrow type ${String(type)} is not supported by Tributary scans`);
  }
}

function validity(values: ArrayLike<unknown>): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === null || values[i] === undefined) nullCount++;
  if (nullCount === 0) return { nullBitmap: undefined, nullCount };
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== null && values[i] !== undefined) bitmap[i >> 3] |= 1 << (i & 7);
  }
  return { nullBitmap: bitmap, nullCount };
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `binary(${v.length} bytes)`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'object') return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))?.slice(0, 80) ?? String(v);
  return `${typeof v} ${String(v)}`;
}
