// Reads Arrow batches back through an independent engine: the batches are
// written to Parquet by parquet-wasm (arrow-rs) and queried with DuckDB, so
// value checks do not depend on this project's code or on Arrow JS getters.
import * as arrow from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { Table as WasmTable, writeParquet, WriterPropertiesBuilder } from 'parquet-wasm/node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `sql` where the table `t` holds `batches`; rows come back as arrays. */
export async function queryBatches(batches: arrow.RecordBatch[], sql: string): Promise<unknown[][]> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-duck-'));
  try {
    const file = join(dir, 't.parquet');
    const ipc = arrow.tableToIPC(new arrow.Table(batches), 'stream');
    writeFileSync(file, writeParquet(WasmTable.fromIPCStream(ipc), new WriterPropertiesBuilder().build()));
    return await query(sql.replaceAll('FROM t', `FROM '${file}'`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a DuckDB query in a fresh in-memory database. */
export async function query(sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const r = await c.runAndReadAll(sql);
    return r.getRows() as unknown[][];
  } finally {
    c.closeSync();
    db.closeSync();
  }
}
