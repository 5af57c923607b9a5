// Row-group copying: the Thrift footer codec round-trips byte for byte, and
// files written by another engine (DuckDB) concatenate into a file that
// DuckDB and hyparquet both read back with every row, in order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { field, numberField, readStruct, writeStruct, type TList, type TStruct } from '../../../src/delta/maintenance/thrift-compact.ts';
import { concatRowGroups, readFooter, schemaKey } from '../../../src/delta/maintenance/rowgroup-copy.ts';
import { duckRows, tempTableDir } from './helpers.ts';
import { mkdirSync } from 'node:fs';

const dir = tempTableDir('rgcopy');
mkdirSync(dir, { recursive: true });

async function duckFile(name: string, from: number, n: number, codec: string): Promise<string> {
  const path = join(dir, name);
  await duckRows(
    `COPY (SELECT i::BIGINT AS id, 'v' || (i % 37) AS s, CASE WHEN i % 5 = 0 THEN NULL ELSE i * 1.5 END AS d FROM range(${from}, ${from + n}) t(i)) ` +
      `TO '${path}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 1000)`,
  );
  return path;
}

test('footer round trip is byte-identical', async () => {
  const path = await duckFile('a.parquet', 0, 2500, 'zstd');
  const bytes = new Uint8Array(readFileSync(path));
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
  const footer = bytes.subarray(bytes.length - 8 - len, bytes.length - 8);
  const { value, end } = readStruct(footer);
  assert.is(end, footer.length);
  assert.equal(writeStruct(value), footer);
});

test('with a shape, the fields it leaves out are kept raw and written back byte for byte', async () => {
  const path = await duckFile('shape.parquet', 0, 3000, 'snappy');
  const bytes = new Uint8Array(readFileSync(path));
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
  const footer = bytes.subarray(bytes.length - 8 - len, bytes.length - 8);
  const { value, end } = readStruct(footer, 0, { 4: { 1: { 3: {} } } });
  assert.is(end, footer.length);
  assert.equal(writeStruct(value), footer);
  // The schema (field 2) was left raw; the column chunks' offsets were decoded.
  assert.is((field(value, 2)!.value as { kind: string }).kind, 'raw');
  const rg = (field(value, 4)!.value as TList).items[0] as TStruct;
  const md = field((field(rg, 1)!.value as TList).items[0] as TStruct, 3)!.value as TStruct;
  assert.ok(numberField(md, 9)! > 0, 'data page offset decoded');
  assert.is((field(md, 12)?.value as { kind: string } | undefined)?.kind ?? 'raw', 'raw');
  // readFooter (which shapes the footer) keeps what compaction and readers need.
  const f = readFooter(bytes, 'shape');
  assert.is(f.numRows, 3000);
  assert.is(((field(f.meta, 2)!.value as TList).items.length), 4);
});

test('DuckDB files with several row groups and different codecs concatenate into a readable file', async () => {
  const a = readFooter(new Uint8Array(readFileSync(await duckFile('b.parquet', 0, 2500, 'snappy'))), 'b');
  const b = readFooter(new Uint8Array(readFileSync(await duckFile('c.parquet', 2500, 1700, 'zstd'))), 'c');
  assert.is(schemaKey(a), schemaKey(b));
  const out = concatRowGroups([a, b]);
  assert.is(out.numRows, 4200);
  const groups = (f: typeof a) => parquetMetadata(f.bytes!.buffer.slice(f.bytes!.byteOffset, f.bytes!.byteOffset + f.bytes!.length) as ArrayBuffer).row_groups.length;
  assert.is(out.numRowGroups, groups(a) + groups(b));
  const path = join(dir, 'out.parquet');
  writeFileSync(path, out.bytes);
  const [agg] = await duckRows(`SELECT count(*) AS n, sum(id) AS s, count(d) AS nd, min(s) AS mn FROM read_parquet('${path}')`);
  assert.is(Number(agg.n), 4200);
  assert.is(BigInt(String(agg.s)), (4199n * 4200n) / 2n);
  assert.is(Number(agg.nd), 4200 - 840);
  const buf = out.bytes.buffer.slice(out.bytes.byteOffset, out.bytes.byteOffset + out.bytes.length) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file: buf, compressors })) as { id: bigint; s: string; d: number | null }[];
  assert.is(rows.length, 4200);
  rows.forEach((r, i) => {
    assert.is(r.id, BigInt(i));
    assert.is(r.s, `v${i % 37}`);
  });
});

test('a file that is not Parquet is reported by name', () => {
  try {
    readFooter(new TextEncoder().encode('not parquet at all'), 'Data file x.parquet');
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /Data file x.parquet is not a Parquet file/);
  }
});

test.run();
