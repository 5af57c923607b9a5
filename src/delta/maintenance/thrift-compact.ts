// A generic reader and writer of Thrift's compact protocol, keeping every
// field with its id and wire type. Row-group copying edits a few offsets in a
// Parquet footer and must write everything else back exactly — including
// fields this code does not know — so it works on this lossless tree rather
// than on typed structs. A shape names the fields to decode; the others are
// kept as their raw bytes and written back as read, so a footer costs a
// handful of objects per column chunk instead of one per value.

/** Compact-protocol wire types. */
export const enum TType {
  True = 1,
  False = 2,
  Byte = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  Double = 7,
  Binary = 8,
  List = 9,
  Set = 10,
  Map = 11,
  Struct = 12,
}

/** A decoded value; i64 stays a number while it is a safe integer. */
export type TValue = boolean | number | bigint | Uint8Array | TList | TMap | TStruct | TRaw;
/** A field value left encoded (see {@link TShape}): its bytes as they were read. */
export interface TRaw {
  kind: 'raw';
  bytes: Uint8Array;
}
/**
 * The fields of a struct to decode, by id: `true` decodes the field entirely,
 * a nested shape applies to a struct field or to the structs of a list field.
 * Strings, lists, maps and structs not named are kept raw.
 */
export type TShape = { readonly [id: number]: TShape | true };
export interface TList {
  kind: 'list';
  elemType: TType;
  items: TValue[];
}
export interface TMap {
  kind: 'map';
  keyType: TType;
  valueType: TType;
  entries: [TValue, TValue][];
}
export interface TField {
  id: number;
  type: TType;
  value: TValue;
}
export interface TStruct {
  kind: 'struct';
  fields: TField[];
}

/** The field `id` of a struct, if present. */
export function field(s: TStruct, id: number): TField | undefined {
  return s.fields.find((f) => f.id === id);
}

/** The value of field `id` as a number (i8/i16/i32/i64), if present. */
export function numberField(s: TStruct, id: number): number | undefined {
  const f = field(s, id);
  if (!f) return undefined;
  return typeof f.value === 'bigint' ? Number(f.value) : (f.value as number);
}

/** Sets (or adds, keeping ids ascending) an i64 field. */
export function setI64(s: TStruct, id: number, value: number): void {
  const f = field(s, id);
  if (f) {
    f.type = TType.I64;
    f.value = value;
    return;
  }
  s.fields.push({ id, type: TType.I64, value });
  s.fields.sort((a, b) => a.id - b.id);
}

/** Removes fields by id. */
export function dropFields(s: TStruct, ids: readonly number[]): void {
  s.fields = s.fields.filter((f) => !ids.includes(f.id));
}

/** Reads one struct from `bytes` at `offset` (all of it, or what `shape` names); returns it and the offset after it. */
export function readStruct(bytes: Uint8Array, offset = 0, shape?: TShape): { value: TStruct; end: number } {
  const r = new Reader(bytes, offset);
  const value = r.struct(shape);
  return { value, end: r.pos };
}

function isRaw(v: TValue): v is TRaw {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && v.kind === 'raw';
}

/** Serializes a struct. */
export function writeStruct(s: TStruct): Uint8Array {
  const w = new Writer();
  w.struct(s);
  return w.finish();
}

class Reader {
  constructor(
    private readonly b: Uint8Array,
    public pos: number,
  ) {}

  /** A list or set header: its element count and element type. */
  private listHeader(): { n: number; elemType: TType } {
    const h = this.byte();
    const n = h >> 4;
    return { n: n === 15 ? Number(this.varint()) : n, elemType: (h & 0x0f) as TType };
  }

  private byte(): number {
    if (this.pos >= this.b.length) throw new Error('Thrift: unexpected end of data');
    return this.b[this.pos++];
  }

  private varint(): number | bigint {
    let result = 0;
    let shift = 0;
    for (;;) {
      const x = this.byte();
      if (shift < 49) {
        result += (x & 0x7f) * 2 ** shift;
        if (!(x & 0x80)) return result;
        shift += 7;
      } else {
        // Past 49 bits: finish in bigint.
        let big = BigInt(result) + (BigInt(x & 0x7f) << BigInt(shift));
        let s = shift + 7;
        let y = x;
        while (y & 0x80) {
          y = this.byte();
          big += BigInt(y & 0x7f) << BigInt(s);
          s += 7;
        }
        return big;
      }
    }
  }

  private zigzag(): number | bigint {
    const v = this.varint();
    if (typeof v === 'number') return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    const r = (v >> 1n) ^ -(v & 1n);
    return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
  }

  value(type: TType, shape?: TShape): TValue {
    switch (type) {
      case TType.True:
        return true;
      case TType.False:
        return false;
      case TType.Byte: {
        const x = this.byte();
        return x > 127 ? x - 256 : x;
      }
      case TType.I16:
      case TType.I32:
      case TType.I64:
        return this.zigzag();
      case TType.Double: {
        if (this.pos + 8 > this.b.length) throw new Error('Thrift: unexpected end of data');
        const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case TType.Binary: {
        const n = Number(this.varint());
        if (this.pos + n > this.b.length) throw new Error('Thrift: binary runs past the end of data');
        const v = this.b.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case TType.List:
      case TType.Set: {
        const { n, elemType } = this.listHeader();
        const items: TValue[] = new Array(n);
        // Booleans inside lists are one byte each (1 true, 2 false).
        for (let i = 0; i < n; i++) items[i] = elemType === TType.True || elemType === TType.False ? this.byte() === 1 : this.value(elemType, shape);
        return { kind: 'list', elemType, items };
      }
      case TType.Map: {
        const n = Number(this.varint());
        if (n === 0) return { kind: 'map', keyType: TType.Byte, valueType: TType.Byte, entries: [] };
        const kv = this.byte();
        const keyType = (kv >> 4) as TType;
        const valueType = (kv & 0x0f) as TType;
        const entries: [TValue, TValue][] = [];
        for (let i = 0; i < n; i++) entries.push([this.value(keyType), this.value(valueType)]);
        return { kind: 'map', keyType, valueType, entries };
      }
      case TType.Struct:
        return this.struct(shape);
      default:
        throw new Error(`Thrift: unknown compact type ${type as number}`);
    }
  }

  struct(shape?: TShape): TStruct {
    const fields: TField[] = [];
    let last = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return { kind: 'struct', fields };
      const type = (h & 0x0f) as TType;
      const delta = h >> 4;
      const id = delta === 0 ? (this.zigzag() as number) : last + delta;
      last = id;
      const sub = shape?.[id];
      if (shape && sub === undefined && type >= TType.Binary) {
        const start = this.pos;
        this.skip(type);
        fields.push({ id, type, value: { kind: 'raw', bytes: this.b.subarray(start, this.pos) } });
      } else {
        fields.push({ id, type, value: this.value(type, sub === true ? undefined : sub) });
      }
    }
  }

  /** Moves past one value without decoding it. */
  private skip(type: TType): void {
    switch (type) {
      case TType.True:
      case TType.False:
        return;
      case TType.Byte:
        this.byte();
        return;
      case TType.I16:
      case TType.I32:
      case TType.I64:
        this.varint();
        return;
      case TType.Double:
        this.pos += 8;
        if (this.pos > this.b.length) throw new Error('Thrift: unexpected end of data');
        return;
      case TType.Binary: {
        // The length first: `pos += varint()` would add it to the position from before the varint.
        const n = Number(this.varint());
        this.pos += n;
        if (this.pos > this.b.length) throw new Error('Thrift: binary runs past the end of data');
        return;
      }
      case TType.List:
      case TType.Set: {
        const { n, elemType } = this.listHeader();
        for (let i = 0; i < n; i++) {
          if (elemType === TType.True || elemType === TType.False) this.byte();
          else this.skip(elemType);
        }
        return;
      }
      case TType.Map: {
        const n = Number(this.varint());
        if (n === 0) return;
        const kv = this.byte();
        for (let i = 0; i < n; i++) {
          this.skip((kv >> 4) as TType);
          this.skip((kv & 0x0f) as TType);
        }
        return;
      }
      case TType.Struct:
        for (;;) {
          const h = this.byte();
          if (h === 0) return;
          if ((h >> 4) === 0) this.zigzag(); // a field id written in full
          this.skip((h & 0x0f) as TType);
        }
      default:
        throw new Error(`Thrift: unknown compact type ${type as number}`);
    }
  }
}

class Writer {
  private buf = new Uint8Array(4096);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(x: number): void {
    this.ensure(1);
    this.buf[this.len++] = x & 0xff;
  }

  private varint(v: number | bigint): void {
    if (typeof v === 'bigint') {
      let x = v;
      while (x >= 0x80n) {
        this.byte(Number(x & 0x7fn) | 0x80);
        x >>= 7n;
      }
      this.byte(Number(x));
      return;
    }
    let x = v;
    while (x >= 0x80) {
      this.byte((x % 128) | 0x80);
      x = Math.floor(x / 128);
    }
    this.byte(x);
  }

  private zigzag(v: number | bigint): void {
    if (typeof v === 'bigint' || !Number.isSafeInteger(v * 2)) {
      const b = BigInt(v);
      this.varint(b >= 0n ? b << 1n : ((-b) << 1n) - 1n);
    } else {
      this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
    }
  }

  value(type: TType, v: TValue): void {
    if (isRaw(v)) {
      this.ensure(v.bytes.length);
      this.buf.set(v.bytes, this.len);
      this.len += v.bytes.length;
      return;
    }
    switch (type) {
      case TType.True:
      case TType.False:
        return; // carried in the field header
      case TType.Byte:
        this.byte(v as number);
        return;
      case TType.I16:
      case TType.I32:
      case TType.I64:
        this.zigzag(v as number | bigint);
        return;
      case TType.Double: {
        this.ensure(8);
        new DataView(this.buf.buffer, this.len, 8).setFloat64(0, v as number, true);
        this.len += 8;
        return;
      }
      case TType.Binary: {
        const b = v as Uint8Array;
        this.varint(b.length);
        this.ensure(b.length);
        this.buf.set(b, this.len);
        this.len += b.length;
        return;
      }
      case TType.List:
      case TType.Set: {
        const l = v as TList;
        const n = l.items.length;
        if (n < 15) this.byte((n << 4) | l.elemType);
        else {
          this.byte(0xf0 | l.elemType);
          this.varint(n);
        }
        for (const item of l.items) {
          if (l.elemType === TType.True || l.elemType === TType.False) this.byte(item ? 1 : 2);
          else this.value(l.elemType, item);
        }
        return;
      }
      case TType.Map: {
        const m = v as TMap;
        this.varint(m.entries.length);
        if (m.entries.length === 0) return;
        this.byte((m.keyType << 4) | m.valueType);
        for (const [k, x] of m.entries) {
          this.value(m.keyType, k);
          this.value(m.valueType, x);
        }
        return;
      }
      case TType.Struct:
        this.struct(v as TStruct);
        return;
    }
  }

  struct(s: TStruct): void {
    let last = 0;
    for (const f of s.fields) {
      let type = f.type;
      if (type === TType.True || type === TType.False) type = f.value ? TType.True : TType.False;
      const delta = f.id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
      else {
        this.byte(type);
        this.zigzag(f.id);
      }
      last = f.id;
      this.value(type, f.value);
    }
    this.byte(0);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
