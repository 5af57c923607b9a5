// Tributary read-back (untimed): the latest version, file count and row
// aggregates of each table given, as one JSON line (see expected.ts).
//   argv: <tablePath>...
import { DeltaTable } from '../../src/delta/index.ts';
import { peakRssMB } from '../lib/harness.ts';
import { addBatch, emptyAggregates, type TableSummary } from './expected.ts';

async function summarize(path: string): Promise<TableSummary> {
  const table = await DeltaTable.open(path);
  const s: TableSummary = { version: table.version(), files: table.files().length, ...emptyAggregates() };
  for await (const batch of table.scan({ columns: ['id', 'amount', 'ts', 'note'] })) addBatch(s, batch);
  return s;
}

const tables: TableSummary[] = [];
for (const path of process.argv.slice(2)) tables.push(await summarize(path));
console.log(JSON.stringify({ seconds: 0, tables, peakRssMB: peakRssMB() }));
