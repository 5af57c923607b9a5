// One schema with every Delta type Tributary supports, and rows that probe each
// type's edges (extremes, pre-epoch dates and instants, astral-plane text,
// nulls at every nesting level). Values are in the oracle's normalised form,
// so the same rows are what every engine must read back.
import type { DeltaField, Row } from './oracle.ts';

export const allTypesFields: DeltaField[] = [
  { name: 'id', type: 'long', nullable: false },
  { name: 'part', type: 'string', nullable: true },
  { name: 'i8', type: 'byte', nullable: true },
  { name: 'i16', type: 'short', nullable: true },
  { name: 'i32', type: 'integer', nullable: true },
  { name: 'i64', type: 'long', nullable: true },
  { name: 'f32', type: 'float', nullable: true },
  { name: 'f64', type: 'double', nullable: true },
  { name: 'flag', type: 'boolean', nullable: true },
  { name: 'text', type: 'string', nullable: true },
  { name: 'bytes', type: 'binary', nullable: true },
  { name: 'day', type: 'date', nullable: true },
  { name: 'ts', type: 'timestamp', nullable: true },
  { name: 'ts_ntz', type: 'timestamp_ntz', nullable: true },
  { name: 'amount', type: 'decimal(18,4)', nullable: true },
  { name: 'big', type: 'decimal(38,10)', nullable: true },
  {
    name: 'address',
    type: {
      type: 'struct',
      fields: [
        { name: 'city', type: 'string', nullable: true },
        { name: 'zip', type: 'integer', nullable: true },
        { name: 'geo', type: { type: 'struct', fields: [{ name: 'lat', type: 'double', nullable: true }, { name: 'lon', type: 'double', nullable: true }] }, nullable: true },
      ],
    },
    nullable: true,
  },
  { name: 'tags', type: { type: 'array', elementType: 'string', containsNull: true }, nullable: true },
  { name: 'scores', type: { type: 'map', keyType: 'string', valueType: 'long', valueContainsNull: true }, nullable: true },
];

/** Row `id` with varied values; `part` cycles so a partitioned table gets several partitions. */
export function allTypesRow(id: number): Row {
  const parts = ['north', 'south', 'e\u00e4st'];
  const k = id % 7;
  return {
    id: String(id),
    part: parts[id % parts.length],
    i8: [-128, 127, 0, -1, 5, 100, -7][k],
    i16: [-32768, 32767, 0, 1234, -2, 9, 77][k],
    i32: [-2147483648, 2147483647, 0, 42, -42, 7, id][k],
    i64: ['-9223372036854775808', '9223372036854775807', '9007199254740993', '0', '-1', '123456789012', String(id * 1000)][k],
    f32: [1.5, -0.25, 3.4028234663852886e38, 1.401298464324817e-45, 0, 65504, 0.5][k],
    f64: [Math.PI, -1e308, 'NaN', 'Infinity', '-Infinity', 5e-324, 0.1][k],
    flag: k % 2 === 0,
    text: ['', 'plain', 'h\u00e9llo w\u00f6rld', '\u{1F600} emoji', 'quote " and \\ back', 'line\nbreak', '\u4e2d\u6587'][k],
    bytes: ['', '00ff10', 'deadbeef', '00', 'ffffffff', '0102030405', '7f'][k],
    day: ['1970-01-01', '1969-12-31', '2024-02-29', '0001-01-01', '9999-12-31', '1900-03-01', '2026-11-25'][k],
    ts: ['1970-01-01T00:00:00.000000Z', '1969-12-31T23:59:59.999999Z', '2024-02-29T12:34:56.123456Z', '2000-01-01T00:00:00.000001Z', '2262-04-11T23:47:16.854775Z', '1900-01-01T00:00:00.000000Z', '2026-11-25T08:00:00.500000Z'][k],
    ts_ntz: ['2024-01-01T00:00:00.000000', '1969-07-20T20:17:40.000000', '2038-01-19T03:14:08.000001', '1970-01-01T00:00:00.000000', '2099-12-31T23:59:59.999999', '1955-11-05T06:00:00.250000', '2026-11-25T08:00:00.000000'][k],
    amount: ['0.0000', '-12345678901234.5678', '99999999999999.9999', '0.0001', '-0.0001', '42.4200', '1.0000'][k],
    big: ['0.0000000000', '1234567890123456789012345678.0123456789', '-9999999999999999999999999999.9999999999', '0.0000000001', '-1.5000000000', '3.1415926536', '10.0000000000'][k],
    address: [
      { city: 'Z\u00fcrich', zip: 8001, geo: { lat: 47.37, lon: 8.54 } },
      { city: null, zip: null, geo: null },
      { city: 'Oslo', zip: 150, geo: { lat: null, lon: 10.75 } },
      null,
      { city: '', zip: 0, geo: { lat: -90, lon: 180 } },
      { city: 'Lagos', zip: 100001, geo: { lat: 6.45, lon: 3.39 } },
      { city: 'Lima', zip: 15001, geo: null },
    ][k],
    tags: [['a', 'b'], [], null, ['x', null, 'z'], ['\u{1F680}'], [''], ['one']][k],
    scores: [[['a', '1'], ['b', null]], [], null, [['k', '-9223372036854775808']], [['\u00fc', '7']], [['y', '2'], ['z', '0']], [['only', '5']]][k],
  };
}

/** A row whose nullable columns are all null. */
export function nullRow(id: number, part: string | null = 'north'): Row {
  const row: Row = {};
  for (const f of allTypesFields) row[f.name] = null;
  return { ...row, id: String(id), part };
}

export function allTypesRows(from: number, count: number): Row[] {
  return Array.from({ length: count }, (_, i) => allTypesRow(from + i));
}
