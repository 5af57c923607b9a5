// Tributary ingest process (tool `tributary`): lands the orders workload in a
// fresh Delta table through fromBatches/fromRows → expectAllOrDrop →
// microBatch → toDelta, timing from the first row pulled to the last commit.
//   argv: arrow   <tablePath> <ipcPath>  <commitRows> <ipcBatchRows>
//         objects <tablePath> <rows>     <commitRows> <batchRows>
//         stream  <tablePath> <rows>     <commitRows> <batchRows>
// arrow: the IPC file is loaded before the clock starts. objects: the rows are
// generated into an array of plain objects before the clock starts. stream:
// the rows are generated lazily inside the timed run (one object at a time,
// pulled under backpressure), and RSS is sampled every commit.
import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { peakRssMB } from '../lib/harness.ts';
import { fromBatches, fromRows } from '../../src/reactive/index.ts';
import { land, ordersSchema, type LandingReport } from './pipeline.ts';
import { orderObjects } from './workload.ts';

const [mode, tablePath, input, commitRowsArg, batchRowsArg] = process.argv.slice(2);
const commitRows = Number(commitRowsArg);
const batchRows = Number(batchRowsArg);
if (!tablePath || !input || !(commitRows > 0) || !(batchRows > 0) || !['arrow', 'objects', 'stream'].includes(mode ?? '')) {
  throw new Error(`usage: ingest-tributary.ts <arrow|objects|stream> <tablePath> <ipcPath|rows> <commitRows> <batchRows>, got ${process.argv.slice(2).join(' ')}`);
}

const rssMB = () => Math.round(process.memoryUsage.rss() / 1e5) / 10;
let rows: number;
// Stream mode: RSS after each commit, and once 2M rows have landed (flat when memory is bounded).
const samples: number[] = [];
let rssAt2M: number | undefined;
let run: () => Promise<LandingReport>;

if (mode === 'arrow') {
  const table = tableFromIPC(readFileSync(input));
  rows = table.numRows;
  // A table smaller than one batch is a single short batch.
  const firstRows = Math.min(batchRows, rows);
  if (table.batches[0]!.numRows !== firstRows) throw new Error(`${input}: first batch has ${table.batches[0]!.numRows} rows, expected ${firstRows}`);
  run = () => land(tablePath, (bp) => fromBatches(table, { backpressure: bp }), { commitRows });
} else if (mode === 'objects') {
  rows = Number(input);
  const objects = Array.from(orderObjects(rows));
  run = () => land(tablePath, (bp) => fromRows(objects, { schema: ordersSchema, batchSize: batchRows, backpressure: bp }), { commitRows });
} else {
  rows = Number(input);
  run = () =>
    land(tablePath, (bp) => fromRows(orderObjects(rows), { schema: ordersSchema, batchSize: batchRows, backpressure: bp }), {
      commitRows,
      onCommit: (landed) => {
        const rss = rssMB();
        samples.push(rss);
        if (rssAt2M === undefined && landed >= 1_980_000) rssAt2M = rss;
      },
    });
}

const startRssMB = rssMB();
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const r = await run();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(c0);
const extra = mode === 'stream' ? { rssAt2MRowsMB: rssAt2M ?? null, rssEndMB: samples.at(-1) ?? null, rssMaxSampledMB: Math.max(0, ...samples) } : {};
console.log(
  JSON.stringify({
    seconds,
    rows,
    cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 1e4) / 1e4,
    commits: r.commits,
    version: r.version,
    files: r.files,
    landed: r.landed,
    dropped: r.quality.dropped_records,
    failed: Object.fromEntries(r.quality.expectations.map((e) => [e.name, e.failed_records])),
    startRssMB,
    ...extra,
    peakRssMB: peakRssMB(),
  }),
);
