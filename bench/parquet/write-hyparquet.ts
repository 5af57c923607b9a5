// hyparquet-writer (pure JS) writer process, reported as tool `js`. Arrow
// columns are turned into the plain arrays it takes (untimed). It ships only a
// Snappy compressor, so there is no zstd case.
import { parquetWriteFile } from 'hyparquet-writer';
import type { Vector } from 'apache-arrow';
import { ordersParquetSchema } from '../lib/orders.ts';
import { loadOrders, parseChildArgs, printReport, timeWrites } from './child.ts';

const args = parseChildArgs();
if (args.codec !== 'snappy') throw new Error(`hyparquet-writer has no built-in ${args.codec} compressor`);
const table = loadOrders(args.ipcPath);

function column(name: string): Vector {
  const c = table.getChild(name);
  if (!c) throw new Error(`orders table has no column ${name}`);
  return c;
}
const strings = (name: string): (string | null)[] => Array.from(column(name), (v) => (v === null ? null : String(v)));
const columnData = [
  { name: 'id', data: column('id').toArray() as BigInt64Array },
  { name: 'customer_id', data: column('customer_id').toArray() as Int32Array },
  { name: 'amount', data: column('amount').toArray() as Float64Array },
  { name: 'status', data: strings('status') },
  { name: 'country', data: strings('country') },
  { name: 'ts', data: column('ts').data[0].values as BigInt64Array },
  { name: 'note', data: strings('note') },
];
const schema = ordersParquetSchema();

const times = await timeWrites(
  args,
  () => undefined,
  () => parquetWriteFile({ filename: args.outPath, columnData, schema, codec: 'SNAPPY' }),
);
printReport(times, table.numRows, { threads: 1 });
