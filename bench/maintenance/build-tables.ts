// Builds the bench's input tables once (untimed), with Tributary:
//   <dir>/appends   `commits` appends of `rows` orders rows each (one file per append)
//   <dir>/overwritten  `vacuumFiles` small files written in one commit, then all
//                      replaced by an overwrite (so VACUUM has that many to delete)
//   argv: <dir> <commits> <rows> <vacuumFiles>
import { join } from 'node:path';
import { DeltaTable } from '../../src/delta/table.ts';
import { commitBatches } from '../delta/workload.ts';

const [dir, commitsArg, rowsArg, vacuumArg] = process.argv.slice(2);
const commits = Number(commitsArg);
const rows = Number(rowsArg);
const vacuumFiles = Number(vacuumArg);

const data = commitBatches(commits, rows);
const appends = await DeltaTable.create(join(dir, 'appends'), { schema: data.schema, properties: { 'delta.checkpointInterval': '10' } });
for (const batch of data.batches) await appends.append(batch);

// One commit of `vacuumFiles` files: a target size of (in-memory bytes / files) cuts the batch that finely.
const small = commitBatches(1, vacuumFiles * 10, 5);
const overwritten = await DeltaTable.create(join(dir, 'overwritten'), { schema: small.schema });
const bytes = small.batches[0].data.children.reduce((s, c) => s + c.byteLength, 0);
// 10.5 rows of bytes per file rounds down to exactly 10 rows per file.
const w = await overwritten.append(small, { targetFileSize: Math.floor((bytes * 1.05) / vacuumFiles) });
await overwritten.overwrite(commitBatches(1, 10, 6));
process.stdout.write(JSON.stringify({ seconds: 0, peakRssMB: 0, appendFiles: appends.files().length, vacuumFiles: w.addedFiles.length }) + '\n');
