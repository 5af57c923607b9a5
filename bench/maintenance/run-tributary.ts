// Tributary maintenance process: runs one case on a table and reports the
// time of the operation alone (the import of the library is not timed, and
// the garbage it left is collected first: settleHeap), its
// CPU time (all threads), and the RSS right before it starts (after imports),
// so that peak RSS can be read net of the runtime's and the imports' own.
//   argv: <case compact|zorder|vacuum|vacuum-lite> <tablePath> <targetBytes>
import { optimize, vacuum } from '../../src/delta/maintenance/index.ts';
import { peakRssMB, rssMB, settleHeap } from '../lib/harness.ts';

const [kind, table, targetArg] = process.argv.slice(2);
const target = Number(targetArg);
settleHeap();
const baselineRssMB = rssMB();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let extra: Record<string, unknown> = {};
if (kind === 'compact') {
  const r = await optimize(table, { targetFileSize: target });
  extra = { filesAdded: r.metrics.numFilesAdded, filesRemoved: r.metrics.numFilesRemoved, copied: r.metrics.filesCopied };
} else if (kind === 'zorder') {
  const r = await optimize(table, { targetFileSize: target, zOrder: ['customer_id', 'ts'] });
  extra = { filesAdded: r.metrics.numFilesAdded, filesRemoved: r.metrics.numFilesRemoved };
} else if (kind === 'vacuum' || kind === 'vacuum-lite') {
  const r = await vacuum(table, { retentionHours: 0, enforceRetention: false, dryRun: false, mode: kind === 'vacuum' ? 'full' : 'lite' });
  extra = { filesDeleted: r.numDeletedFiles };
} else {
  throw new Error(`bench/maintenance: unknown case '${kind}'`);
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(JSON.stringify({ seconds, cpuSeconds, baselineRssMB, peakRssMB: peakRssMB(), ...extra }) + '\n');
