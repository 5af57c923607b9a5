// The benches' orders table (bench/parquet, bench/delta, bench/ingest), generated
// deterministically from a seeded PRNG, so every tool (and every run) writes
// exactly the same data.
import {
  Data,
  Field,
  Float64,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeUnit,
  Timestamp,
  Utf8,
  makeData,
} from 'apache-arrow';
import type { SchemaElement } from 'hyparquet';
import { prng } from './prng.ts';

/** The `status` vocabulary. */
export const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];
// Skewed like real traffic: the first statuses are the common ones.
const STATUS_WEIGHTS = [0.1, 0.2, 0.25, 0.4, 0.05];
/** The `country` vocabulary. */
export const COUNTRIES = [
  'US', 'GB', 'DE', 'FR', 'NL', 'BE', 'ES', 'IT', 'PT', 'IE', 'SE', 'NO', 'DK', 'FI', 'PL',
  'CZ', 'AT', 'CH', 'CA', 'MX', 'BR', 'AR', 'JP', 'KR', 'IN', 'SG', 'AU', 'NZ', 'ZA', 'AE',
];
/** The words `note` is made of. */
export const NOTE_WORDS = [
  'gift', 'wrap', 'please', 'leave', 'at', 'door', 'fragile', 'call', 'before', 'delivery',
  'express', 'reorder', 'customer', 'asked', 'for', 'invoice', 'no', 'plastic', 'side', 'gate',
];

const encoder = new TextEncoder();

/** Accumulates a Utf8 column from pre-encoded pieces without a string per row. */
class Utf8Builder {
  private readonly offsets: Int32Array;
  private readonly validity: Uint8Array;
  private bytes = new Uint8Array(1 << 16);
  private size = 0;
  private row = 0;
  private nulls = 0;

  constructor(private readonly rows: number) {
    this.offsets = new Int32Array(rows + 1);
    this.validity = new Uint8Array((rows + 7) >> 3);
  }

  /** Appends one value made of `parts` joined by `separator` (a byte), or null. */
  push(parts: Uint8Array[] | null, separator = 0x20): void {
    if (parts === null) {
      this.nulls++;
    } else {
      this.validity[this.row >> 3] |= 1 << (this.row & 7);
      for (let p = 0; p < parts.length; p++) {
        if (p > 0) this.append(Uint8Array.of(separator));
        this.append(parts[p]);
      }
    }
    this.offsets[++this.row] = this.size;
  }

  private append(b: Uint8Array): void {
    if (this.size + b.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.size + b.length));
      grown.set(this.bytes.subarray(0, this.size));
      this.bytes = grown;
    }
    this.bytes.set(b, this.size);
    this.size += b.length;
  }

  finish(): Data<Utf8> {
    return makeData({
      type: new Utf8(),
      length: this.rows,
      nullCount: this.nulls,
      nullBitmap: this.nulls > 0 ? this.validity : null,
      valueOffsets: this.offsets,
      data: this.bytes.slice(0, this.size),
    });
  }
}

/** One order's random draws: vocabulary indices rather than strings, so each caller picks its encoding. */
export interface OrderDraw {
  customerId: number;
  amount: number;
  /** Index into {@link STATUSES}. */
  status: number;
  /** Index into {@link COUNTRIES}. */
  country: number;
  /** µs after the previous order (≥ 1, so timestamps strictly increase). */
  tsStep: number;
  /** Indices into {@link NOTE_WORDS}, or null (~70% of rows). */
  note: number[] | null;
}

/**
 * Draws the next order from `r`. The one definition of the draw order, so {@link generateOrders}
 * and any row-at-a-time replay of it (bench/ingest's object stream) yield the same rows.
 * @example
 * const r = prng(20261125); const first = drawOrder(r); // generateOrders(1) row 0
 */
export function drawOrder(r: () => number): OrderDraw {
  const customerId = 1 + Math.floor(r() * 200_000);
  const amount = Math.round(r() * 50_000_00) / 100;
  let u = r();
  let status = 0;
  while (status < STATUS_WEIGHTS.length - 1 && u >= STATUS_WEIGHTS[status]) u -= STATUS_WEIGHTS[status++];
  const country = Math.floor(r() * COUNTRIES.length);
  const tsStep = 1 + Math.floor(r() * 2_000_000); // ~1 s apart on average
  let note: number[] | null = null;
  if (r() < 0.3) {
    const words = 2 + Math.floor(r() * 4);
    note = [];
    for (let w = 0; w < words; w++) note.push(Math.floor(r() * NOTE_WORDS.length));
  }
  return { customerId, amount, status, country, tsStep, note };
}

/**
 * The orders table: id int64 (sequential), customer_id int32 (uniform 1..200k), amount double (2 decimals),
 * status utf8 (5 values), country utf8 (30 values), ts timestamp µs UTC (increasing with jitter),
 * note nullable utf8 (~70% null, short free text). One record batch.
 */
export function generateOrders(rows: number, seed = 20261125): Table {
  const r = prng(seed);
  const statusBytes = STATUSES.map((x) => encoder.encode(x));
  const countryBytes = COUNTRIES.map((x) => encoder.encode(x));
  const wordBytes = NOTE_WORDS.map((x) => encoder.encode(x));
  const id = new BigInt64Array(rows);
  const customer = new Int32Array(rows);
  const amount = new Float64Array(rows);
  const status = new Utf8Builder(rows);
  const country = new Utf8Builder(rows);
  const ts = new BigInt64Array(rows);
  const note = new Utf8Builder(rows);
  let t = Date.UTC(2026, 0, 1) * 1000; // µs, exact in a double until 2^53
  for (let i = 0; i < rows; i++) {
    const o = drawOrder(r);
    id[i] = BigInt(i + 1);
    customer[i] = o.customerId;
    amount[i] = o.amount;
    status.push([statusBytes[o.status]]);
    country.push([countryBytes[o.country]]);
    t += o.tsStep;
    ts[i] = BigInt(t);
    note.push(o.note === null ? null : o.note.map((w) => wordBytes[w]));
  }
  const fields = [
    new Field('id', new Int64(), false),
    new Field('customer_id', new Int32(), false),
    new Field('amount', new Float64(), false),
    new Field('status', new Utf8(), false),
    new Field('country', new Utf8(), false),
    new Field('ts', new Timestamp(TimeUnit.MICROSECOND, 'UTC'), false),
    new Field('note', new Utf8(), true),
  ];
  const children: Data[] = [
    makeData({ type: new Int64(), length: rows, data: id }),
    makeData({ type: new Int32(), length: rows, data: customer }),
    makeData({ type: new Float64(), length: rows, data: amount }),
    status.finish(),
    country.finish(),
    makeData({ type: new Timestamp(TimeUnit.MICROSECOND, 'UTC'), length: rows, data: ts }),
    note.finish(),
  ];
  const schema = new Schema(fields);
  const struct = makeData({ type: new Struct(fields), length: rows, nullCount: 0, children });
  return new Table([new RecordBatch(schema, struct)]);
}

/** Bytes the table's buffers occupy in memory (values, offsets, validity), the bench's MB/s denominator. */
export function arrowByteLength(table: Table): number {
  let total = 0;
  const add = (d: Data): void => {
    total += d.values?.byteLength ?? 0;
    total += d.valueOffsets?.byteLength ?? 0;
    total += d.nullBitmap?.byteLength ?? 0;
    for (const c of d.children) add(c);
  };
  for (const batch of table.batches) for (const c of batch.data.children) add(c);
  return total;
}

/** The orders table's Parquet schema for hyparquet-writer (a fresh array per call): the physical and logical types the other writers use (timestamp µs UTC, utf8 strings). */
export function ordersParquetSchema(): SchemaElement[] {
  return [
    { name: 'root', num_children: 7 },
    { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'customer_id', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'amount', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    { name: 'status', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' },
    { name: 'country', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' },
    { name: 'ts', type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' }, repetition_type: 'REQUIRED' },
    { name: 'note', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'OPTIONAL' },
  ];
}
