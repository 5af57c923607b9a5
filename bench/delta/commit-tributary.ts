// Tributary commit process: creates a table (untimed) with checkpoints every
// 10 commits, then appends every batch of the IPC file as its own commit
// through DeltaTable.append, timing all the appends together.
//   argv: <ipcPath> <tablePath>
import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { DeltaTable } from '../../src/delta/index.ts';
import { peakRssMB } from '../lib/harness.ts';
import { quantileMs } from './commit-stats.ts';

const [ipcPath, tablePath] = process.argv.slice(2);
if (!ipcPath || !tablePath) throw new Error('usage: commit-tributary.ts <ipcPath> <tablePath>');

const input = tableFromIPC(readFileSync(ipcPath));
const startRssMB = Math.round(process.memoryUsage().rss / 1e5) / 10;
const table = await DeltaTable.create(tablePath, { schema: input.schema, properties: { 'delta.checkpointInterval': '10' } });

const perCommit: number[] = [];
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (const batch of input.batches) {
  const s = process.hrtime.bigint();
  const r = await table.append(batch);
  perCommit.push(Number(process.hrtime.bigint() - s) / 1e9);
  // A checkpoint that failed would make this side look cheaper than it is.
  if (r.checkpointError) throw r.checkpointError;
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(c0);

console.log(
  JSON.stringify({
    seconds,
    rows: input.numRows,
    cpuSeconds: Math.round((cpu.user + cpu.system) / 1e2) / 1e4,
    commits: perCommit.length,
    msP50: quantileMs(perCommit, 0.5),
    msP95: quantileMs(perCommit, 0.95),
    version: table.version(),
    startRssMB,
    peakRssMB: peakRssMB(),
  }),
);
