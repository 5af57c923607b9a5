// DuckDB writer process: loads the uncompressed Parquet copy into an
// in-memory table (untimed), then times `COPY t TO ... (FORMAT parquet)`.
import { DuckDBInstance } from '@duckdb/node-api';
import { parseChildArgs, printReport, timeWrites } from './child.ts';

const args = parseChildArgs();
const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const conn = await instance.connect();
await conn.run('SET threads = 1');
await conn.run('SET preserve_insertion_order = true');
await conn.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${sqlString(args.parquetPath)})`);
const count = await conn.runAndReadAll('SELECT count(*)::INTEGER FROM t');
const rows = Number(count.getRows()[0][0]);

const times = await timeWrites(
  args,
  () => undefined,
  async () => {
    await conn.run(`COPY t TO ${sqlString(args.outPath)} (FORMAT parquet, COMPRESSION ${args.codec})`);
  },
);
conn.closeSync();
printReport(times, rows, { threads: 1 });
