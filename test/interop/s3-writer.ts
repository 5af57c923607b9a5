// Child process of s3.test.ts: opens the S3 table at <location>, prints
// "ready", waits for a line on stdin (so every writer starts racing at once),
// then appends <count> single-row commits and prints the versions as JSON.
//   node --import tsx test/interop/s3-writer.ts <s3://bucket/table> <writerId> <count>
import * as arrow from 'apache-arrow';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { DeltaTable } from '../../src/delta/table.ts';
import { openStorage } from '../../src/delta/storage/open-storage.ts';

const [location, writer, count] = process.argv.slice(2);
const table = await DeltaTable.open(openStorage(location));
process.stdout.write('ready\n');
await once(createInterface({ input: process.stdin }), 'line');
const versions: number[] = [];
for (let i = 0; i < Number(count); i++) {
  const r = await table.append(
    arrow.tableFromArrays({ id: BigInt64Array.from([BigInt(Number(writer) * 1000 + i)]), writer: Int32Array.from([Number(writer)]) }),
  );
  if (r.checkpointError) throw r.checkpointError;
  versions.push(r.version);
}
process.stdout.write(JSON.stringify(versions) + '\n');
process.exit(0);
