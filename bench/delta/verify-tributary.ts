// Tributary read-back (untimed): the latest version, file count and row
// aggregates of each table given, as one JSON line (see expected.ts).
//   argv: <tablePath>...
import { DeltaTable } from '../../src/delta/index.ts';
import { peakRssMB } from '../lib/harness.ts';
import type { TableSummary } from './expected.ts';

async function summarize(path: string): Promise<TableSummary> {
  const table = await DeltaTable.open(path);
  const s: TableSummary = {
    version: table.version(),
    files: table.files().length,
    rows: 0,
    sumId: 0,
    minId: Infinity,
    maxId: -Infinity,
    notes: 0,
    sumAmount: 0,
    minTs: Infinity,
    maxTs: -Infinity,
  };
  for await (const batch of table.scan({ columns: ['id', 'amount', 'ts', 'note'] })) {
    const id = batch.getChild('id')!.toArray() as BigInt64Array;
    const amount = batch.getChild('amount')!.toArray() as Float64Array;
    const ts = batch.getChild('ts')!.toArray() as BigInt64Array;
    s.rows += batch.numRows;
    s.notes += batch.numRows - batch.getChild('note')!.nullCount;
    for (let i = 0; i < batch.numRows; i++) {
      const v = Number(id[i]);
      s.sumId += v;
      s.minId = Math.min(s.minId, v);
      s.maxId = Math.max(s.maxId, v);
      s.sumAmount += amount[i]!;
      const t = Number(ts[i]);
      s.minTs = Math.min(s.minTs, t);
      s.maxTs = Math.max(s.maxTs, t);
    }
  }
  return s;
}

const tables: TableSummary[] = [];
for (const path of process.argv.slice(2)) tables.push(await summarize(path));
console.log(JSON.stringify({ seconds: 0, tables, peakRssMB: peakRssMB() }));
