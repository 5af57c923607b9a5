// Differential fuzz test: random rows with NULLs and random rules
// (comparisons, IN, BETWEEN, IS NULL, LIKE, AND/OR/NOT over several columns)
// run through random chains of warn / drop / quarantine / fail expectations;
// DuckDB evaluates the same SQL on the same rows with DLT's rule that only a
// TRUE outcome passes (`(rule) IS TRUE`). Compared: per-rule passed/failed
// counts over the chain's shared input rows, the kept row set, dropped
// counts, the quarantined rows with the rules they broke, and where a
// fail-expectation stops the stream. Seeded (FUZZ_SEED) so failures replay.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { from, Subject, type MonoTypeOperatorFunction } from 'rxjs';
import {
  expect, expectAll, expectAllOrDrop, expectAllOrFail, expectOrDrop, expectOrFail, quarantine, sumMetrics,
  ExpectationViolationError, type DataQualityTotals, type ExpectationMetrics,
} from '../../../src/reactive/expectations/index.ts';
import { makeBatch } from './helpers.ts';
import { prng } from '../../support/prng.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const ROWS = 240;
const ROUNDS = 120;

const rand = prng(SEED);
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const chance = (p: number): boolean => rand() < p;
const nul = <T>(v: T): T | null => (chance(0.15) ? null : v);

const WORDS = ['a', 'b', 'ab', 'abc', 'Abc', 'ba', 'x y', '', 'a_c', 'hello', 'zz'];
interface Row { rid: number; i: number | null; j: number | null; d: number | null; s: string | null; t: string | null; f: boolean | null }
const rows: Row[] = Array.from({ length: ROWS }, (_, rid) => ({
  rid, i: nul(int(-20, 20)), j: nul(int(-5, 5)), d: nul(int(-400, 400) / 8), s: nul(pick(WORDS)), t: nul(pick(WORDS)), f: nul(chance(0.5)),
}));
const col = <K extends keyof Row>(k: K) => rows.slice().map((r) => r[k]);
const fullBatch = makeBatch({
  rid: [new arrow.Int32(), col('rid')], i: [new arrow.Int32(), col('i')], j: [new arrow.Int32(), col('j')], d: [new arrow.Float64(), col('d')],
  s: [new arrow.Utf8(), col('s')], t: [new arrow.Utf8(), col('t')], f: [new arrow.Bool(), col('f')],
});

const str = (s: string) => `'${s.replace(/'/g, "''")}'`;
const cmp = () => pick(['=', '<>', '<', '<=', '>', '>=']);
const num = () => pick(['i', 'j', 'd', '(i + j)', String(int(-10, 10)), `${int(-20, 20)}.5`]);
const text = () => pick(['s', 't', str(pick(WORDS))]);

function rule(depth: number): string {
  if (depth <= 0 || chance(0.35)) {
    return pick([
      () => `${num()} ${cmp()} ${num()}`,
      () => `${text()} ${cmp()} ${text()}`,
      () => `${pick(['i', 'j', 's', 'd', 'f', 't'])} IS ${pick(['', 'NOT '])}NULL`,
      () => `i ${pick(['', 'NOT '])}IN (${Array.from({ length: int(1, 4) }, () => (chance(0.15) ? 'NULL' : String(int(-20, 20)))).join(', ')})`,
      () => `s ${pick(['', 'NOT '])}IN (${Array.from({ length: int(1, 3) }, () => (chance(0.15) ? 'NULL' : str(pick(WORDS)))).join(', ')})`,
      () => `${pick(['i', 'd', 'j'])} ${pick(['', 'NOT '])}BETWEEN ${int(-15, 0)} AND ${int(0, 15)}`,
      () => `${pick(['s', 't'])} ${pick(['', 'NOT '])}LIKE ${str(pick(['a%', '%b', '%b%', 'a_c', '_', '%', 'ab', 'A%', '_b%']))}`,
      () => pick(['f', 'NOT f', 'f = TRUE', 'coalesce(f, FALSE)']),
    ])();
  }
  return pick([
    () => `(${rule(depth - 1)}) AND (${rule(depth - 1)})`,
    () => `(${rule(depth - 1)}) OR (${rule(depth - 1)})`,
    () => `NOT (${rule(depth - 1)})`,
  ])();
}

type Action = 'warn' | 'drop' | 'quarantine' | 'fail';
interface Stage { action: Action; rules: Record<string, string>; grouped: boolean }

test('random rules and chains agree with DuckDB', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run('CREATE TABLE t (rid INTEGER, i INTEGER, j INTEGER, d DOUBLE, s VARCHAR, t VARCHAR, f BOOLEAN)');
  const lit = (v: unknown) => (v === null ? 'NULL' : typeof v === 'string' ? str(v) : String(v));
  await conn.run(`INSERT INTO t VALUES ${rows.map((r) => `(${[r.rid, r.i, r.j, r.d, r.s, r.t, r.f].map(lit).join(', ')})`).join(',\n')}`);
  const sql = async (q: string) => (await conn.runAndReadAll(q)).getRows();

  let checkedFailures = 0;
  let quarantinedRows = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // A chain: warn / drop stages in any order, optionally a quarantine stage, optionally a fail stage last.
    let ruleNo = 0;
    const stages: Stage[] = [];
    const stageRules = () => Object.fromEntries(Array.from({ length: int(1, 3) }, () => [`r${ruleNo++}`, rule(int(0, 2))]));
    for (let k = int(1, 3); k > 0; k--) stages.push({ action: pick(['warn', 'drop']), rules: stageRules(), grouped: chance(0.5) });
    if (chance(0.35)) stages.splice(int(0, stages.length), 0, { action: 'quarantine', rules: stageRules(), grouped: true });
    if (chance(0.3)) stages.push({ action: 'fail', rules: stageRules(), grouped: chance(0.5) });
    const context = `seed ${SEED} round ${round}: ${JSON.stringify(stages)}`;

    const metrics = new Subject<ExpectationMetrics>();
    let totals: DataQualityTotals | undefined;
    metrics.pipe(sumMetrics()).subscribe((x) => (totals = x));
    const quarantined: [number, string[]][] = [];
    const ops: MonoTypeOperatorFunction<arrow.RecordBatch>[] = [];
    for (const st of stages) {
      const opts = { dataset: 'fuzz', metrics };
      if (st.action === 'quarantine') {
        ops.push(quarantine({ ...opts, rules: st.rules, to: (b) => {
          const rids = b.getChild('rid')!.toArray() as Int32Array;
          const lists = b.getChild('_failed_expectations')!;
          rids.forEach((rid, x) => quarantined.push([rid, [...(lists.get(x) as arrow.Vector<arrow.Utf8>)] as string[]]));
        } }));
        continue;
      }
      const entries = Object.entries(st.rules);
      if (st.grouped || entries.length === 1) {
        const one = entries.length === 1 && !st.grouped;
        const [name, r] = entries[0]!;
        if (st.action === 'warn') ops.push(one ? expect(name, r, opts) : expectAll(st.rules, opts));
        if (st.action === 'drop') ops.push(one ? expectOrDrop(name, r, opts) : expectAllOrDrop(st.rules, opts));
        if (st.action === 'fail') ops.push(one ? expectOrFail(name, r, opts) : expectAllOrFail(st.rules, opts));
      } else {
        for (const [name, r] of entries) ops.push(st.action === 'warn' ? expect(name, r, opts) : st.action === 'drop' ? expectOrDrop(name, r, opts) : expectOrFail(name, r, opts));
      }
    }
    // Two micro-batches: a split point varies per round.
    const split = int(1, ROWS - 1);
    const kept: number[] = [];
    let failure: unknown;
    const pipeline = ops.reduce((s, op) => s.pipe(op), from([fullBatch.slice(0, split), fullBatch.slice(split)]));
    pipeline.subscribe({ next: (b) => kept.push(...(b.getChild('rid')!.toArray() as Int32Array)), error: (e: unknown) => (failure = e) });

    const allRules = stages.flatMap((st) => Object.entries(st.rules));
    const isTrue = (r: string) => `((${r}) IS TRUE)`;
    const dropRules = stages.filter((st) => st.action === 'drop' || st.action === 'quarantine').flatMap((st) => Object.values(st.rules));
    const keptWhere = dropRules.length ? dropRules.map(isTrue).join(' AND ') : 'TRUE';

    // Where the stream must stop: batch by batch, fail operators in chain order (a grouped stage is one
    // operator reporting its first row breaking any of its rules, with every rule that row broke).
    const failStage = stages.find((st) => st.action === 'fail');
    let failingRid: number | null = null;
    let failingNames: string[] = [];
    if (failStage) {
      const groups = failStage.grouped ? [Object.entries(failStage.rules)] : Object.entries(failStage.rules).map((e) => [e]);
      search: for (const [lo, hi] of [[0, split], [split, ROWS]] as const) {
        for (const group of groups) {
          const where = group.map(([, r]) => `NOT ${isTrue(r)}`).join(' OR ');
          const first = (await sql(`SELECT min(rid) FROM t WHERE rid >= ${lo} AND rid < ${hi} AND (${where})`))[0]![0] as number | null;
          if (first === null) continue;
          failingRid = first;
          const names = await sql(`SELECT ${group.map(([n, r]) => `CASE WHEN ${isTrue(r)} THEN NULL ELSE '${n}' END`).join(', ')} FROM t WHERE rid = ${first}`);
          failingNames = names[0]!.filter((x) => x !== null) as string[];
          break search;
        }
      }
    }
    if (failingRid !== null) {
      checkedFailures++;
      assert.instance(failure, ExpectationViolationError, context);
      const e = failure as ExpectationViolationError;
      const batchStart = failingRid < split ? 0 : split;
      assert.is(e.batchId, failingRid < split ? 0 : 1, context);
      assert.is(e.rowIndex + batchStart, failingRid, context);
      assert.equal(e.expectationsViolated, failingNames, context);
      assert.equal(e.outputRecord!.rid, failingRid, context);
      // Batches before the failing one went through; metrics only for those.
      if (batchStart > 0) assert.is(totals?.batches, 1, context);
      else assert.is(totals, undefined, context);
      continue;
    }
    assert.is(failure, undefined, `${context}: ${String(failure)}`);
    const expectedKept = (await sql(`SELECT rid FROM t WHERE ${keptWhere} ORDER BY rid`)).map((r) => r[0]);
    assert.equal(kept, expectedKept, context);
    const counts = await sql(`SELECT ${allRules.map(([, r]) => `count(*) FILTER (WHERE ${isTrue(r)})`).join(', ')} FROM t`);
    assert.equal(
      totals!.expectations.map((e) => [e.name, e.passed_records, e.failed_records]),
      allRules.map(([n], k) => [n, Number(counts[0]![k]), ROWS - Number(counts[0]![k])]),
      context,
    );
    assert.is(totals!.dropped_records, ROWS - expectedKept.length, context);
    assert.is(totals!.num_output_rows, expectedKept.length, context);
    assert.is(totals!.batches, 2, context);

    const q = stages.find((st) => st.action === 'quarantine');
    if (q) {
      // Quarantined: rows still kept when they reach the quarantine stage that break one of its rules.
      const before = stages.slice(0, stages.indexOf(q)).filter((st) => st.action === 'drop').flatMap((st) => Object.values(st.rules));
      const qEntries = Object.entries(q.rules);
      const expected = await sql(
        `SELECT rid, list_filter([${qEntries.map(([n, r]) => `CASE WHEN ${isTrue(r)} THEN NULL ELSE '${n}' END`).join(', ')}], x -> x IS NOT NULL) FROM t
         WHERE ${before.length ? before.map(isTrue).join(' AND ') : 'TRUE'} AND NOT (${qEntries.map(([, r]) => isTrue(r)).join(' AND ')}) ORDER BY rid`);
      assert.equal(quarantined, expected.map((r) => [r[0], (r[1] as { items: string[] }).items]), context);
      quarantinedRows += quarantined.length;
    }
  }
  conn.closeSync();
  // The generator must actually exercise failures and quarantines.
  assert.ok(checkedFailures >= 5, `only ${checkedFailures} rounds failed`);
  assert.ok(quarantinedRows >= 100, `only ${quarantinedRows} rows quarantined`);
});

test.run();
