// Tributary writer process: the native Parquet writer (src/parquet) writing
// the in-memory Arrow table to a file. `option` is "threads" or "threads:level".
import { writeParquetFile } from '../../src/parquet/write.ts';
import { loadOrders, parseChildArgs, printReport, timeWrites } from './child.ts';

const args = parseChildArgs();
const table = loadOrders(args.ipcPath);
const [threadsArg, levelArg] = (args.option ?? '1').split(':');
const threads = Math.max(1, Number(threadsArg) || 1);
const compressionLevel = levelArg === undefined ? undefined : Number(levelArg);

const times = await timeWrites(
  args,
  () => undefined,
  async () => {
    await writeParquetFile(args.outPath, table, { compression: args.codec, compressionLevel, threads });
  },
);
printReport(times, table.numRows, { threads, ...(compressionLevel === undefined ? {} : { level: compressionLevel }) });
