// The crash test's pipeline, run as a child process that the test kills with
// SIGKILL at random points:
//   node --import tsx test/reactive/crash/pipeline.ts <tableDir> <totalRows> [batchRows]
// It resumes from the offset committed in the table, streams rows with ids
// nextRow..totalRows-1 through fromRows → microBatch → toDelta, prints
// "resume <nextRow>" once it has read its offset, one line per commit
// ("commit <batchId> <version> <nextRow>") and "done" at the end.
import { lastValueFrom, tap } from 'rxjs';
import { backpressure } from '../../../src/reactive/sources/backpressure.ts';
import { fromRows } from '../../../src/reactive/sources/fromRows.ts';
import { microBatch } from '../../../src/reactive/operators/microBatch.ts';
import { float64, int64, schema, utf8 } from '../../../src/reactive/schema/index.ts';
import { toDelta } from '../../../src/reactive/sinks/toDelta.ts';
import { lastCommittedOffset } from '../../../src/reactive/sinks/lastCommittedOffset.ts';

export const APP_ID = 'crash-test';

const [dir, totalArg, batchArg] = process.argv.slice(2);
if (!dir || !totalArg) throw new Error('usage: pipeline.ts <tableDir> <totalRows> [batchRows]');
const total = Number(totalArg);
const batchRows = Number(batchArg ?? 5000);

const events = schema({ id: int64(), name: utf8(), amount: float64() }, { name: 'events' });
type Offset = { nextRow: number };

/** The deterministic source: row i always has the same values. */
function* rowsFrom(start: number) {
  for (let i = start; i < total; i++) yield { id: i, name: `event-${i}`, amount: i * 0.25 };
}

const last = await lastCommittedOffset<Offset>(dir, APP_ID);
let nextRow = last?.sourceOffset?.nextRow ?? 0;
process.stdout.write(`resume ${nextRow}\n`);
const bp = backpressure({ highWaterMark: 1 });
await lastValueFrom(
  fromRows(rowsFrom(nextRow), { schema: events, batchSize: 1000, backpressure: bp }).pipe(
    microBatch({ maxRows: batchRows }),
    toDelta<Offset>(dir, { appId: APP_ID, backpressure: bp, sourceOffset: (b) => ({ nextRow: (nextRow += b.numRows) }) }),
    tap((c) => process.stdout.write(`commit ${c.batchId} ${c.version} ${c.sourceOffset?.nextRow}\n`)),
  ),
  { defaultValue: undefined },
);
process.stdout.write('done\n');
