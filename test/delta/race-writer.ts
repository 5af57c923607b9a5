// Child process of conflict.test.ts: appends `count` single-batch commits to
// the table at `dir` as fast as it can, racing another process doing the same.
//   node --import tsx test/delta/race-writer.ts <dir> <writerId> <count>
import * as arrow from 'apache-arrow';
import { DeltaTable } from '../../src/delta/table.ts';

const [dir, writer, count] = process.argv.slice(2);
const table = await DeltaTable.open(dir);
const versions: number[] = [];
for (let i = 0; i < Number(count); i++) {
  const ids = BigInt64Array.from([BigInt(Number(writer) * 1000 + i)]);
  const r = await table.append(arrow.tableFromArrays({ id: ids, writer: Int32Array.from([Number(writer)]) }));
  versions.push(r.version);
}
process.stdout.write(JSON.stringify(versions));
