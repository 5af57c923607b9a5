// Maintenance under kill -9: crash-child.ts runs bin-pack, Z-order, a
// checkpoint, log cleanup and VACUUM on a partitioned table and is SIGKILLed
// at seeded-random points inside each step, then restarted (small appends
// land between runs, as ingestion goes on, so every run has files to
// compact). After every kill
// the table must load, every file it lists must exist, and DuckDB must read
// exactly the rows written (none lost, none twice); a last run to the end
// must leave no unreferenced data file behind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { fromAddPath } from '../../../src/delta/partition-values.ts';
import { DeltaTable } from '../../../src/delta/table.ts';
import { buildTable, duckTableRows, expectedKeys, makeRows, prng, tempTableDir, toArrow, type Row } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const STEPS = ['ready', 'compacted', 'z-ordered', 'checkpointed', 'log cleaned', 'vacuumed'] as const;
const KILLS = 10;
const TARGET = 96 * 1024;

interface Child {
  proc: ChildProcess;
  lines: string[];
  stderr: string;
  exited: Promise<number | null>;
  /** Resolves once `line` is printed, or the child exits. */
  reached(line: string): Promise<void>;
}

function start(dir: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(TARGET)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let waiters: (() => void)[] = [];
  const wake = () => ((w) => ((waiters = []), w.forEach((f) => f())))(waiters);
  const child: Child = {
    proc,
    lines: [],
    stderr: '',
    exited: new Promise((resolve) => proc.on('exit', (code) => (wake(), resolve(code)))),
    reached: async (line) => {
      while (!child.lines.includes(line) && proc.exitCode === null && proc.signalCode === null) await new Promise<void>((r) => waiters.push(r));
    },
  };
  let buffered = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      child.lines.push(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      wake();
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (child.stderr += d.toString()));
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The table loads, lists only files that exist, and holds exactly `want`. */
async function assertIntact(dir: string, want: string[], when: string): Promise<number> {
  const snapshot = await loadSnapshot(new LocalStorage(dir));
  const missing = snapshot.files().filter((f) => !existsSync(join(dir, fromAddPath(f.path))));
  assert.equal(missing.map((f) => f.path), [], `${when}: the log lists files that do not exist`);
  const got = await duckTableRows(dir, snapshot.files());
  assert.is(got.length, want.length, `${when}: row count`);
  assert.ok(got.every((k, i) => k === want[i]), `${when}: DuckDB reads other rows than were written`);
  return snapshot.version;
}

/** Data files under the root (hidden names such as _delta_log and _tributary skipped). */
function dataFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((p) => !p.split('/').some((part) => part.startsWith('_') || part.startsWith('.')));
}

test(`maintenance SIGKILLed ${KILLS} times inside its steps leaves the table exactly as written`, async () => {
  const dir = tempTableDir('maintenance-crash');
  const { rows } = await buildTable(dir, 24, 1500, { partitionBy: ['country'] });
  let want = expectedKeys(rows);
  const appendSome = async (run: number) => {
    const table = await DeltaTable.open(dir);
    for (let i = 0; i < 3; i++) {
      const batch: Row[] = makeRows(200, rows.length, 1000 + run * 10 + i);
      rows.push(...batch);
      await table.append(toArrow(batch));
    }
    want = expectedKeys(rows);
  };
  const random = prng(Number(process.env.CRASH_SEED ?? 20261207));
  const hits: string[] = [];
  let version = await assertIntact(dir, want, 'before');
  let kills = 0;
  for (let attempt = 0; kills < KILLS && attempt < 3 * KILLS; attempt++) {
    await appendSome(attempt);
    const child = start(dir);
    // 0-80 ms after a step chosen at random: inside the next one (or, when it is quicker, a later one).
    const after = STEPS[Math.floor(random() * (STEPS.length - 1))];
    await child.reached(after);
    await Promise.race([sleep(Math.floor(random() * 80)), child.exited]);
    if (child.proc.exitCode !== null) {
      // The run ended first (it may, after the last steps): not a kill, but the table must still be whole.
      assert.is(child.proc.exitCode, 0, `a run failed: ${child.stderr}`);
    } else {
      child.proc.kill('SIGKILL');
      await child.exited;
      kills++;
      hits.push(`${after} → '${child.lines.at(-1)}'`);
    }
    const now = await assertIntact(dir, want, `after run ${attempt + 1} (${kills} kills, the last after ${hits.at(-1)})`);
    assert.ok(now >= version, `the table went back from version ${version} to ${now}`);
    version = now;
  }
  assert.is(kills, KILLS, 'kills landed inside the runs');

  const last = start(dir);
  assert.is(await last.exited, 0, `the last run failed: ${last.stderr}`);
  assert.ok(last.lines.includes('done'));
  await assertIntact(dir, want, 'after the last run');
  // VACUUM with no retention removed whatever the killed runs wrote and never committed.
  const snapshot = await loadSnapshot(new LocalStorage(dir));
  const listed = new Set(snapshot.files().map((f) => fromAddPath(f.path)));
  assert.equal(dataFiles(dir).filter((p) => !listed.has(p)), [], 'files left behind after VACUUM');
  console.log(`maintenance crash test: ${KILLS} kills, as (waited for → printed last): ${hits.join(', ')}; table at version ${snapshot.version}, ${snapshot.numFiles} files`);
});

test.run();
