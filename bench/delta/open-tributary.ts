// Tributary open process: loads the latest snapshot of a table and lists its
// files (DeltaTable.open + files()). The first open in the process is the
// cold one (and the warm-up); `opens` more are timed and averaged.
//   argv: <tablePath> <opens>
import { DeltaTable } from '../../src/delta/index.ts';
import { peakRssMB } from '../lib/harness.ts';

const [tablePath, opensArg] = process.argv.slice(2);
const opens = Math.max(1, Number(opensArg) || 1);
if (!tablePath) throw new Error('usage: open-tributary.ts <tablePath> <opens>');
const startRssMB = Math.round(process.memoryUsage().rss / 1e5) / 10;

async function openOnce(): Promise<{ seconds: number; version: number; files: number }> {
  const t0 = process.hrtime.bigint();
  const table = await DeltaTable.open(tablePath!);
  const files = table.files();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, version: table.version(), files: files.length };
}

const cold = await openOnce();
let total = 0;
const c0 = process.cpuUsage();
for (let i = 0; i < opens; i++) {
  const o = await openOnce();
  if (o.version !== cold.version || o.files !== cold.files) throw new Error(`${tablePath}: open ${i + 2} saw version ${o.version} with ${o.files} files, the first saw ${cold.version} with ${cold.files}`);
  total += o.seconds;
}
const cpu = process.cpuUsage(c0);
console.log(
  JSON.stringify({
    seconds: total / opens,
    coldSeconds: cold.seconds,
    cpuSeconds: Math.round((cpu.user + cpu.system) / 1e2 / opens) / 1e4,
    opens,
    version: cold.version,
    files: cold.files,
    startRssMB,
    peakRssMB: peakRssMB(),
  }),
);
