// NDJSON parsing checked against DuckDB's JSON reader on the same file, with
// the input cut into awkward chunks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lastValueFrom, toArray } from 'rxjs';
import { Readable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import { map } from 'rxjs';
import { fromNdjson } from '../../../src/reactive/sources/fromNdjson.ts';
import { binary, float64, int64, list, map as mapOf, schema, struct, timestamp, utf8, int32 } from '../../../src/reactive/schema/index.ts';
import { query, queryBatches } from '../support/duckdb.ts';

const events = schema(
  {
    id: int64(),
    amount: float64(),
    status: utf8(),
    note: utf8().nullable(),
    ts: timestamp('us', 'UTC'),
    tags: list(utf8()),
    addr: struct({ city: utf8() }).nullable(),
    attrs: mapOf(utf8(), int32()),
  },
  { name: 'events' },
);

const lines = [
  { id: 1, amount: 1.5, status: 'paid', note: 'ü 🎉', ts: '2026-11-25T10:00:00.123456Z', tags: ['a', 'b'], addr: { city: 'Zürich' }, attrs: { x: 1 } },
  { id: 2, amount: -3, status: '日本', ts: '2026-11-25T10:00:01Z', tags: [], addr: null, attrs: {} },
  { id: 3, amount: 0.1, status: 'x\ny "q"', note: null, ts: '1970-01-01T00:00:00Z', tags: ['c'], attrs: { y: 2, z: 3 } },
];
const NDJSON = '\ufeff' + lines.map((l) => JSON.stringify(l)).join('\r\n') + '\n\n  \n' + JSON.stringify({ ...lines[0], id: 4 });

test('values match DuckDB reading the same file, for any chunking', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-ndjson-'));
  try {
    const file = join(dir, 'events.json');
    writeFileSync(file, NDJSON.slice(1));
    const cols = "id::VARCHAR, amount, status, note, ts::VARCHAR, to_json(tags)::VARCHAR, to_json(addr)::VARCHAR, to_json(map_entries(attrs))::VARCHAR";
    const duck = await query(
      `SELECT ${cols} FROM read_json('${file}', format = 'newline_delimited', ` +
        `columns = {'id':'BIGINT','amount':'DOUBLE','status':'VARCHAR','note':'VARCHAR','ts':'TIMESTAMPTZ','tags':'VARCHAR[]','addr':'STRUCT(city VARCHAR)','attrs':'MAP(VARCHAR, INTEGER)'})`,
    );
    assert.is(duck.length, 4);
    for (const size of [1, 5, 64, 1 << 16]) {
      const bytes = Buffer.from(NDJSON);
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
      const batches = await lastValueFrom(fromNdjson(Readable.from(parts), { schema: events, batchSize: 3 }).pipe(toArray()));
      assert.equal(batches.map((b) => b.numRows), [3, 1]);
      assert.equal(await queryBatches(batches, `SELECT ${cols} FROM t`), duck, `chunk size ${size}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('binary fields are base64 strings', async () => {
  const s = schema({ raw: binary(), nested: list(binary().nullable()) });
  const [batch] = await lastValueFrom(fromNdjson(['{"raw":"AAH/","nested":["aGk=",null]}\n'], { schema: s }).pipe(toArray()));
  const got = await queryBatches([batch!], 'SELECT hex(raw), hex(nested[1]), nested[2] FROM t');
  assert.equal(got, [['0001FF', Buffer.from('hi').toString('hex').toUpperCase(), null]]);
});

test('errors name the line, column and value', async () => {
  const run = (text: string) => lastValueFrom(fromNdjson([text], { schema: events })).then(() => 'no error', (e: Error) => e.message);
  const ok = JSON.stringify(lines[0]);
  assert.is(await run(`${ok}\n\n${JSON.stringify({ ...lines[0], amount: '1.5' })}\n`), 'events: column "amount", line 3: expected float64 (a number), got "1.5" (string)');
  assert.match(await run(`${ok}\n{"id": 1,\n`), /^events: fromNdjson: line 2: invalid JSON \(/);
  assert.is(await run(`${ok}\n[1,2]\n`), 'events: fromNdjson: line 2: expected a JSON object, got array(2)');
  assert.is(await run(`${JSON.stringify({ ...lines[0], id: 2 ** 53 + 2 })}`), 'events: column "id", line 1: expected int64 (a safe-integer number or a bigint), got 9007199254740994 (number)');
  assert.is(await run(`${JSON.stringify({ ...lines[0], tags: ['a', 1] })}`), 'events: column "tags[1]", line 1: expected utf8 (a string), got 1 (number)');
});

test('a slow stream flushes partial batches after maxDelayMs (marbles)', () => {
  new TestScheduler((a, e) => assert.equal(a, e)).run(({ cold, expectObservable }) => {
    const l = (id: number) => JSON.stringify({ ...lines[1], id }) + '\n';
    const src = cold('a 9ms b 9ms c|', { a: l(1) + l(2), b: l(3).slice(0, 10), c: l(3).slice(10) + l(4) });
    const ids = fromNdjson(src, { schema: events, maxDelayMs: 5 }).pipe(map((b) => Array.from(b.getChild('id')!.toArray() as BigInt64Array, Number)));
    // A half line (b) is not a row: nothing flushes at 15; the rest goes on complete.
    expectObservable(ids).toBe('5ms x 15ms (y|)', { x: [1, 2], y: [3, 4] });
  });
});

test.run();
