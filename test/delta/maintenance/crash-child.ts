// The maintenance crash test's child, SIGKILLed by the test at random points:
//   node --import tsx test/delta/maintenance/crash-child.ts <tableDir> <targetFileSize>
// Runs the maintenance a pipeline's table gets — bin-pack, Z-order by
// (customer, ts), a checkpoint, log cleanup and VACUUM with no retention —
// printing "ready" once the modules are loaded, one line per finished step
// and "done" at the end.
import { checkpoint, cleanupExpiredLogs, optimize, vacuum } from '../../../src/delta/maintenance/index.ts';

const [dir, targetArg] = process.argv.slice(2);
if (!dir || !targetArg) throw new Error('usage: crash-child.ts <tableDir> <targetFileSize>');
const target = Number(targetArg);
const say = (line: string) => process.stdout.write(`${line}\n`);

say('ready');
await optimize(dir, { targetFileSize: target });
say('compacted');
await optimize(dir, { targetFileSize: target, zOrder: ['customer', 'ts'] });
say('z-ordered');
await checkpoint(dir);
say('checkpointed');
await cleanupExpiredLogs(dir, { retentionMs: 0 });
say('log cleaned');
await vacuum(dir, { retentionHours: 0, enforceRetention: false });
say('vacuumed');
say('done');
