// CSV parsing checked against DuckDB's CSV reader on the same file, with the
// input cut into awkward chunks (mid-quote, mid-CRLF, mid-UTF-8 character).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lastValueFrom, toArray } from 'rxjs';
import { Readable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromCsv } from '../../../src/reactive/sources/fromCsv.ts';
import { bool, date32, decimal, float64, int32, int64, list, schema, timestamp, utf8 } from '../../../src/reactive/schema/index.ts';
import { query, queryBatches } from '../support/duckdb.ts';
import { rowsJSON } from '../support/batches.ts';

const orders = schema(
  {
    id: int64(),
    qty: int32().nullable(),
    amount: float64(),
    status: utf8(),
    note: utf8().nullable(),
    ok: bool(),
    day: date32(),
    ts: timestamp('us', 'UTC'),
    price: decimal(9, 2),
  },
  { name: 'orders' },
);

const CSV =
  'id,qty,amount,status,note,ok,day,ts,price\r\n' +
  '1,10,1.5,paid,"hello, world",true,2026-11-25,2026-11-25T10:00:00.123456Z,12.30\r\n' +
  '2,,-0.25,"sh""ipped","multi\r\nline ü",FALSE,2000-02-29,2000-02-29 00:00:00Z,-0.01\r\n' +
  '3,7,1e3,新しい,,true,1970-01-01,1970-01-01T00:00:00Z,9999999.99\r\n' +
  '4,-3,0,"",🎉 émoji,false,1999-12-31,1999-12-31T23:59:59.999999Z,0\r\n' +
  '9007199254740993,0,3.25,x,"",True,2026-01-01,2026-01-01T00:00:00Z,1.1';

function chunks(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

test('values match DuckDB reading the same CSV, for any chunking', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-csv-'));
  try {
    const file = join(dir, 'orders.csv');
    writeFileSync(file, CSV);
    const cols = 'id::VARCHAR, qty, amount, status, note, ok, day::VARCHAR, ts::VARCHAR, price::VARCHAR';
    const duck = await query(
      `SELECT ${cols} FROM read_csv('${file}', header = true, delim = ',', allow_quoted_nulls = false, quote = '"', escape = '"', ` +
        `columns = {'id':'BIGINT','qty':'INTEGER','amount':'DOUBLE','status':'VARCHAR','note':'VARCHAR','ok':'BOOLEAN','day':'DATE','ts':'TIMESTAMPTZ','price':'DECIMAL(9,2)'})`,
    );
    for (const size of [1, 3, 7, 64, 1 << 16]) {
      const batches = await lastValueFrom(fromCsv(Readable.from(chunks(CSV, size)), { schema: orders, batchSize: 2 }).pipe(toArray()));
      assert.equal(batches.map((b) => b.numRows), [2, 2, 1], `chunk size ${size}`);
      const ours = await queryBatches(batches, `SELECT ${cols} FROM t`);
      assert.equal(ours, duck, `chunk size ${size}`);
    }
    // LF-only and CR-only line breaks read the same as CRLF.
    const crlf = await lastValueFrom(fromCsv([CSV], { schema: orders }).pipe(toArray()));
    for (const eol of ['\n', '\r']) {
      const other = await lastValueFrom(fromCsv([CSV.replaceAll('\r\n', eol)], { schema: orders }).pipe(toArray()));
      assert.is(rowsJSON(other).replaceAll(JSON.stringify(eol).slice(1, -1), '\\r\\n'), rowsJSON(crlf));
    }
    // Unquoted empty is NULL, quoted "" is the empty string (DuckDB with allow_quoted_nulls = false).
    assert.is(duck[2]![4], null);
    assert.is(duck[3]![3], '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('header maps columns by name; missing nullable columns are null; no header uses schema order', async () => {
  const s = schema({ a: int32(), b: utf8().nullable(), c: float64().nullable() });
  const withHeader = await lastValueFrom(fromCsv(['x,a,b\n', '9,1,p\n8,2,\n'], { schema: s }).pipe(toArray()));
  assert.is(rowsJSON(withHeader), JSON.stringify([{ a: 1, b: 'p', c: null }, { a: 2, b: null, c: null }]));
  const noHeader = await lastValueFrom(fromCsv(['1;"p;q";2.5\n2;NA;NA'], { schema: s, header: false, delimiter: ';', nullValue: 'NA' }).pipe(toArray()));
  assert.is(rowsJSON(noHeader), JSON.stringify([{ a: 1, b: 'p;q', c: 2.5 }, { a: 2, b: null, c: null }]));
  const nested = schema({ tags: list(utf8()) });
  const lists = await lastValueFrom(fromCsv(['tags\n"[""a"",""b""]"\n[]\n'], { schema: nested }).pipe(toArray()));
  assert.is(rowsJSON(lists), JSON.stringify([{ tags: ['a', 'b'] }, { tags: [] }]));
});

test('errors name the line, column and cell', async () => {
  const run = (text: string, opts: object = {}) => lastValueFrom(fromCsv([text], { schema: orders, ...opts })).then(() => 'no error', (e: Error) => e.message);
  const head = 'id,qty,amount,status,note,ok,day,ts,price\n';
  const ok = '1,1,1,s,n,true,2026-01-01,2026-01-01T00:00:00Z,1\n';
  assert.is(await run(head + ok + '2,1,"12,5",s,n,true,2026-01-01,2026-01-01T00:00:00Z,1\n'), 'orders: fromCsv: column "amount", line 3: expected float64 (a number), got "12,5" (string)');
  assert.is(await run(head + ok + ok + '3,1,1,s,n,yes,2026-01-01,2026-01-01T00:00:00Z,1\n'), 'orders: fromCsv: column "ok", line 4: expected bool (true or false), got "yes" (string)');
  assert.is(await run(head + '1,1,,s,n,true,2026-01-01,2026-01-01T00:00:00Z,1\n'), 'orders: fromCsv: column "amount", line 2: expected float64 (a number), got "" (string)');
  assert.is(await run(head + '1,1,1,s\n'), 'orders: fromCsv: line 2: expected 9 fields, got 4');
  assert.is(await run(head + '1,1,1,s"x,n,true,2026-01-01,x,1\n'), 'orders: fromCsv: line 2: a quote inside an unquoted field (quote the whole field and double the quote)');
  assert.is(await run(head + '1,1,1,"s"x,n\n'), 'orders: fromCsv: line 2: unexpected "x" after a closing quote');
  assert.is(await run(head + '1,1,1,"s,n\n'), 'orders: fromCsv: line 2: unterminated quoted field at end of input');
  assert.is(await run('id,qty\n1,2\n'), 'orders: fromCsv: line 1: the header has no column "amount" (found: id, qty)');
  assert.is(await run('1,1,1,s,"a\nb",true,2026-01-01,2026-01-01T00:00:00Z,1.234\n', { header: false }), 'orders: fromCsv: column "price", line 1: expected decimal(9, 2) (a decimal string, number or bigint with at most 7 integer and 2 fractional digits), got "1.234" (string)');
  const bad = await lastValueFrom(fromCsv([Buffer.from([0x69, 0x64, 0x0a, 0xff, 0x0a])], { schema: schema({ id: utf8() }) })).then(() => 'no error', (e: Error) => e.message);
  assert.is(bad, 'fromCsv: the input is not valid UTF-8');
  assert.throws(() => fromCsv([], { schema: orders, delimiter: '"' }), /delimiter must be one character/);
});

test.run();
