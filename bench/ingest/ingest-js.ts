// Pure-JS baseline process (tool `js`, case objects-2M): what a Node program
// does without Tributary. The same plain objects, generated before the clock
// starts; then, timed: the two expectations as an Array.filter (the workload
// has no NULLs in these columns, so `>=`/`>` decide alone), apache-arrow's
// tableFromJSON, the columns turned into the arrays hyparquet-writer takes
// (int64/timestamp as BigInt64Array), one Snappy Parquet file written with
// hyparquet-writer (column statistics on), and the same kind of Delta commit
// Tributary makes: a hand-written version-0 JSON log entry (protocol 1/2,
// metaData, one add with numRecords stats; no min/max stats) put in place
// with an exclusive create.
//   argv: <tablePath> <rows>
import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromJSON, type Vector } from 'apache-arrow';
import { parquetWriteFile } from 'hyparquet-writer';
import { peakRssMB } from '../lib/harness.ts';
import { ordersParquetSchema } from '../lib/orders.ts';
import { orderObjects, type Order } from './workload.ts';

const [tablePath, rowsArg] = process.argv.slice(2);
const rows = Number(rowsArg);
if (!tablePath || !(rows > 0)) throw new Error(`usage: ingest-js.ts <tablePath> <rows>, got ${process.argv.slice(2).join(' ')}`);

const objects = Array.from(orderObjects(rows));

const field = (name: string, type: string, nullable: boolean) => ({ name, type, nullable, metadata: {} });
const deltaSchema = JSON.stringify({
  type: 'struct',
  fields: [
    field('id', 'long', false),
    field('customer_id', 'integer', false),
    field('amount', 'double', false),
    field('status', 'string', false),
    field('country', 'string', false),
    field('ts', 'timestamp', false),
    field('note', 'string', true),
  ],
});

function ingest(input: Order[]): { landed: number } {
  const kept = input.filter((o) => o.amount >= 0 && o.customer_id > 0);
  const table = tableFromJSON(kept as unknown as Record<string, unknown>[]);
  const col = (name: string): Vector => {
    const c = table.getChild(name);
    if (!c) throw new Error(`tableFromJSON produced no column ${name}`);
    return c;
  };
  const n = table.numRows;
  const asFloats = (name: string) => col(name).toArray() as Float64Array;
  const idF = asFloats('id');
  const tsF = asFloats('ts');
  const id = new BigInt64Array(n);
  const ts = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    id[i] = BigInt(idF[i]!);
    ts[i] = BigInt(Math.round(tsF[i]! * 1000));
  }
  const strings = (name: string): (string | null)[] => Array.from(col(name), (v) => (v === null ? null : String(v)));
  const columnData = [
    { name: 'id', data: id },
    { name: 'customer_id', data: Int32Array.from(asFloats('customer_id')) },
    { name: 'amount', data: asFloats('amount') },
    { name: 'status', data: strings('status') },
    { name: 'country', data: strings('country') },
    { name: 'ts', data: ts },
    { name: 'note', data: strings('note') },
  ];
  mkdirSync(join(tablePath, '_delta_log'), { recursive: true });
  const file = `part-00000-${randomUUID()}-c000.snappy.parquet`;
  parquetWriteFile({ filename: join(tablePath, file), columnData, schema: ordersParquetSchema(), codec: 'SNAPPY', rowGroupSize: 1 << 20 });
  const now = Date.now();
  const actions = [
    { commitInfo: { timestamp: now, operation: 'WRITE', operationParameters: { mode: 'ErrorIfExists' }, engineInfo: 'bench-ingest-js' } },
    { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
    {
      metaData: {
        id: randomUUID(),
        format: { provider: 'parquet', options: {} },
        schemaString: deltaSchema,
        partitionColumns: [],
        configuration: {},
        createdTime: now,
      },
    },
    {
      add: {
        path: file,
        partitionValues: {},
        size: statSync(join(tablePath, file)).size,
        modificationTime: now,
        dataChange: true,
        stats: JSON.stringify({ numRecords: n }),
      },
    },
  ];
  // 'wx': the commit fails rather than replace a version someone else wrote.
  writeFileSync(join(tablePath, '_delta_log', '00000000000000000000.json'), actions.map((a) => JSON.stringify(a)).join('\n') + '\n', { flag: 'wx' });
  return { landed: n };
}

const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const { landed } = ingest(objects);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(c0);
console.log(
  JSON.stringify({
    seconds,
    rows,
    cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 1e4) / 1e4,
    commits: 1,
    version: 0,
    files: 1,
    landed,
    dropped: rows - landed,
    peakRssMB: peakRssMB(),
  }),
);
