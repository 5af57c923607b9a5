// Child: applies the change batch (Arrow IPC file) to a prepared target with
// applyChanges and prints one ChildReport line (timed: the whole flow).
import { readFileSync } from 'node:fs';
import * as arrow from 'apache-arrow';
import { from, lastValueFrom, toArray } from 'rxjs';
import { applyChanges } from '../../src/cdc/applyChanges/applyChanges.ts';
import { peakRssMB, time } from '../lib/harness.ts';

const [dir, changesFile, scd, seqInTarget] = process.argv.slice(2);
const table = arrow.tableFromIPC(readFileSync(changesFile));
const options = { keys: ['id'], sequenceBy: 'seq', applyAsDeletes: "op = 'D'", exceptColumnList: seqInTarget === 'seq' ? ['op'] : ['op', 'seq'], storedAs: Number(scd) as 1 | 2 };
const { seconds, value } = await time(() => lastValueFrom(from(table.batches).pipe(applyChanges(dir, options), toArray())));
// CPU seconds too: the wall clock of a loaded machine says little.
const cpu = process.cpuUsage();
const cpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
console.log(JSON.stringify({ seconds, cpuSeconds, rows: table.numRows, version: value.at(-1)!.version, peakRssMB: peakRssMB() }));
