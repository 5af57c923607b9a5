// Every fixture table under /work/shared/fixtures/delta opens at its latest
// version and at version 0, and its rows match an independent expectation:
//  - DAT tables: the expected/ Parquet data shipped with them (read with hyparquet);
//  - otherwise, when TRIBUTARY_PYTHON points to a Python with `deltalake`,
//    the rows that delta-rs reads (test/delta/oracle/deltalake_rows.py);
//  - otherwise the row count the log implies (sum of stats.numRecords minus
//    deletion-vector cardinalities) when every file carries numRecords.
// Tables needing features Tributary refuses must fail with a clear error.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects, parquetSchema, type SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { LocalStorage } from '../../src/delta/storage/index.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { readTable } from '../../src/delta/scan.ts';
import { UnsupportedFeatureError } from '../../src/delta/errors.ts';
import { canonicalRows, sortRows, type Canon } from './canonical.ts';
import { FIXTURES, haveFixtures, rejects } from './helpers.ts';

const PYTHON = process.env.TRIBUTARY_PYTHON;
const ORACLE = new URL('./oracle/deltalake_rows.py', import.meta.url).pathname;

// Tables whose reader requirements Tributary refuses, and the feature it must name.
const REFUSED: Record<string, RegExp> = {
  'delta-golden/spark-variant-checkpoint': /reader feature 'variantType-preview'/,
  'delta-rs/simple_table_features': /reader version 5/,
  'delta-rs/spark-shredded-variant-preview-delta': /reader feature 'variantShredding-preview'/,
};

function manifest(): string[] {
  return readFileSync(join(FIXTURES, 'MANIFEST.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t')[3]);
}

/** Rows of a DAT expected/ folder, canonicalized from hyparquet's reading. */
function datExpected(tableDir: string, label: string): Promise<Record<string, Canon>[]> | null {
  const file = join(tableDir, '..', 'expected', label, 'table_content.parquet');
  if (!existsSync(file)) return null;
  return (async () => {
    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    const md = parquetMetadata(ab);
    const leaves = parquetSchema(md).children;
    const rows = await parquetReadObjects({
      file: ab, compressors, utf8: false,
      parsers: { timestampFromMicroseconds: (v: bigint) => v, timestampFromMilliseconds: (v: bigint) => v * 1000n, timestampFromNanoseconds: (v: bigint) => v / 1000n, dateFromDays: (d: number) => d },
    });
    return rows.map((r) => {
      const o: Record<string, Canon> = {};
      for (const leaf of leaves) o[leaf.element.name] = canonLeaf(leaf, r[leaf.element.name]);
      return o;
    });
  })();
}

function canonLeaf(leaf: SchemaTree, v: unknown): Canon {
  if (v === null || v === undefined) return null;
  const e = leaf.element;
  if (leaf.children.length) throw new Error(`nested expected column ${e.name} not supported`);
  if (typeof v === 'bigint') return String(v);
  if (e.converted_type === 'DATE') return v as number;
  if ((e.type === 'INT32' || e.type === 'INT64') && typeof v === 'number') return String(v);
  if (v instanceof Uint8Array) return e.converted_type === 'UTF8' ? new TextDecoder().decode(v) : Buffer.from(v).toString('hex');
  return v as Canon;
}

/** Rows delta-rs reads (via the Python oracle), or null without TRIBUTARY_PYTHON. */
function pythonRows(tableDir: string, version?: number): Record<string, Canon>[] | null {
  if (!PYTHON) return null;
  const args = [ORACLE, tableDir, ...(version === undefined ? [] : [String(version)])];
  try {
    const out = execFileSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
    return (JSON.parse(out) as { rows: Record<string, Canon>[] }).rows;
  } catch (err) {
    // delta-rs cannot read this table (a feature it lacks, or it crashes): fall back to the log's row count.
    console.log(`conformance: delta-rs oracle failed on ${tableDir}${version === undefined ? '' : `@v${version}`}: ${String((err as { stderr?: string }).stderr ?? err).trim().split('\n').at(-1)}`);
    return null;
  }
}

/** Row count implied by the log: Σ numRecords − Σ DV cardinality, or null when a file lacks numRecords. */
async function logRowCount(tableDir: string, version?: number): Promise<number | null> {
  const snap = await loadSnapshot(new LocalStorage(tableDir), { version });
  let n = 0;
  for (const f of snap.files()) {
    const stats = f.stats ? (JSON.parse(f.stats) as { numRecords?: number }) : null;
    if (typeof stats?.numRecords !== 'number') return null;
    n += stats.numRecords - (f.deletionVector?.cardinality ?? 0);
  }
  return n;
}

// Tables where delta-rs is known to return wrong values, checked against the
// writer's per-file statistics instead (each file holds one row, so its
// min = max = the row). delta-rs 1.6.6 overflows INT96 timestamps past 2262.
const ORACLE_WRONG = new Set(['delta-rs/table_with_edge_timestamps']);

/** For one-row files: rows rebuilt from stats.minValues (timestamps as µs strings, ints as strings). */
async function rowsFromSingleRowStats(tableDir: string, version?: number): Promise<Record<string, Canon>[]> {
  const snap = await loadSnapshot(new LocalStorage(tableDir), { version });
  return snap.files().map((f) => {
    const stats = JSON.parse(f.stats ?? '{}') as { numRecords: number; minValues: Record<string, unknown> };
    assert.is(stats.numRecords, 1);
    const row: Record<string, Canon> = {};
    for (const field of snap.schema.fields) {
      const v = stats.minValues[field.name];
      row[field.name] = field.type === 'timestamp' ? String(BigInt(Date.parse(v as string)) * 1000n) : String(v);
    }
    return row;
  });
}

/** Σ num_rows of the active files' Parquet footers (read with hyparquet) − DV cardinalities. */
async function footerRowCount(tableDir: string, version?: number): Promise<number> {
  const snap = await loadSnapshot(new LocalStorage(tableDir), { version });
  let n = 0;
  for (const f of snap.files()) {
    const buf = readFileSync(join(tableDir, decodeURIComponent(f.path)));
    const md = parquetMetadata(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    n += Number(md.num_rows) - (f.deletionVector?.cardinality ?? 0);
  }
  return n;
}

const passed: string[] = [];

if (haveFixtures('conformance')) {
  if (!PYTHON) console.log('conformance: TRIBUTARY_PYTHON unset; non-DAT tables are checked against row counts from the log');
  for (const table of manifest()) {
    const dir = join(FIXTURES, table);
    for (const version of [undefined, 0] as const) {
      const label = version === undefined ? 'latest' : `v${version}`;
      test(`${table} @ ${label}`, async () => {
        const storage = new LocalStorage(dir);
        if (REFUSED[table]) {
          const err = await rejects(() => readTable(storage, { version }), REFUSED[table]);
          assert.instance(err, UnsupportedFeatureError);
          passed.push(`${table}@${label} (refused)`);
          return;
        }
        // Version 0 may be gone from the log (cleaned up or never written): that must be a clear error.
        if (version === 0 && !existsSync(join(dir, '_delta_log', '00000000000000000000.json'))) {
          await rejects(() => readTable(storage, { version }), /version 0|commit 0/i);
          passed.push(`${table}@${label} (absent, clear error)`);
          return;
        }
        const actual = await readTable(storage, { version });
        const rows = canonicalRows(actual);
        const datLabel = version === undefined ? 'latest' : `v${version}`;
        const expectedDat = table.startsWith('dat-pr25/') ? datExpected(dir, datLabel) : null;
        if (expectedDat) {
          assert.equal(sortRows(rows), sortRows(await expectedDat));
          passed.push(`${table}@${label} (DAT expected)`);
          return;
        }
        if (ORACLE_WRONG.has(table)) {
          assert.equal(sortRows(rows), sortRows(await rowsFromSingleRowStats(dir, version)));
          passed.push(`${table}@${label} (per-file stats)`);
          return;
        }
        const py = pythonRows(dir, version);
        if (py) {
          assert.equal(sortRows(rows), sortRows(py));
          passed.push(`${table}@${label} (delta-rs rows)`);
          return;
        }
        const count = await logRowCount(dir, version);
        if (count === null) {
          // Files without numRecords stats: count rows from the Parquet footers instead.
          assert.is(actual.numRows, await footerRowCount(dir, version));
          passed.push(`${table}@${label} (Parquet footer row count)`);
          return;
        }
        assert.is(actual.numRows, count);
        passed.push(`${table}@${label} (log row count)`);
      });
    }
  }
  test.after(() => console.log(`conformance: ${passed.length} checks passed\n  ${passed.join('\n  ')}`));
}

test.run();
