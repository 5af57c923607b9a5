// Order independence (spec §3.9 and Appendix A.1): random change feeds, split
// into micro-batches in random arrival orders, must give the target that a
// straightforward fold over each key's events sorted by sequence gives —
// the reference model written out independently here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { batchOf, run, sorted, targetRows, tempTableDir } from './helpers.ts';
import { prng } from '../../support/prng.ts';

interface Ev { id: number; a: string | null; b: string | null; op: 'U' | 'D'; seq: number }

const schema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), true),
  new arrow.Field('a', new arrow.Utf8(), true),
  new arrow.Field('b', new arrow.Utf8(), true),
  new arrow.Field('op', new arrow.Utf8(), true),
  new arrow.Field('seq', new arrow.Int64(), true),
]);

/** Distinct sequence values per key, so the model needs no tie rule. */
function feed(r: () => number, keys: number, events: number): Ev[] {
  const used = new Set<string>();
  const out: Ev[] = [];
  while (out.length < events) {
    const id = Math.floor(r() * keys);
    const seq = Math.floor(r() * 1000);
    if (used.has(`${id}/${seq}`)) continue;
    used.add(`${id}/${seq}`);
    const pick = () => (r() < 0.15 ? null : ['x', 'y', 'z'][Math.floor(r() * 3)]);
    out.push({ id, a: pick(), b: pick(), op: r() < 0.25 ? 'D' : 'U', seq });
  }
  return out;
}

function byKey(events: Ev[]): Map<number, Ev[]> {
  const m = new Map<number, Ev[]>();
  for (const e of events) m.set(e.id, [...(m.get(e.id) ?? []), e]);
  for (const l of m.values()) l.sort((x, y) => x.seq - y.seq);
  return m;
}

function modelScd1(events: Ev[]): unknown[][] {
  const out: unknown[][] = [];
  for (const [id, list] of byKey(events)) {
    const last = list[list.length - 1];
    if (last.op === 'U') out.push([String(id), last.a, last.b]);
  }
  return sorted(out);
}

/** SCD2 with `a` tracked and `b` untracked (reference model of the spec, §3.9). */
function modelScd2(events: Ev[]): unknown[][] {
  const out: unknown[][] = [];
  for (const [id, list] of byKey(events)) {
    let open: { a: string | null; b: string | null; start: number } | null = null;
    for (const e of list) {
      if (e.op === 'D') {
        if (open) out.push([String(id), open.a, open.b, String(open.start), String(e.seq)]);
        open = null;
      } else if (!open) open = { a: e.a, b: e.b, start: e.seq };
      else if (open.a === e.a) open.b = e.b;
      else {
        out.push([String(id), open.a, open.b, String(open.start), String(e.seq)]);
        open = { a: e.a, b: e.b, start: e.seq };
      }
    }
    if (open) out.push([String(id), open.a, open.b, String(open.start), null]);
  }
  return sorted(out);
}

function shuffle<T>(r: () => number, xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** The same schema with a floating-point sequence: reduced by the JavaScript path (integer sequences go native). */
const floatSeqSchema = new arrow.Schema(schema.fields.map((f) => (f.name === 'seq' ? new arrow.Field('seq', new arrow.Float64(), true) : f)));

function batches(r: () => number, events: Ev[], floatSeq = false): arrow.RecordBatch[] {
  const order = shuffle(r, events);
  const out: arrow.RecordBatch[] = [];
  for (let i = 0; i < order.length;) {
    const n = 1 + Math.floor(r() * 12);
    out.push(batchOf(floatSeq ? floatSeqSchema : schema, order.slice(i, i + n).map((e) => ({ ...e, id: BigInt(e.id), seq: floatSeq ? e.seq : BigInt(e.seq) }))));
    i += n;
  }
  return out;
}

const options = { keys: ['id'], sequenceBy: 'seq', applyAsDeletes: "op = 'D'", exceptColumnList: ['op', 'seq'] };

for (const seed of [1, 2, 3, 4]) {
  test(`SCD1 equals the sorted fold for any arrival order (seed ${seed})`, async () => {
    const r = prng(seed);
    const events = feed(r, 8, 40);
    const expected = modelScd1(events);
    for (let k = 0; k < 2; k++) {
      const dir = tempTableDir('m1');
      await run(dir, batches(r, events), options);
      assert.equal(await targetRows(dir, ['id', 'a', 'b']), expected);
    }
  });

  test(`SCD1 with a floating-point sequence (the JavaScript reduction) equals the sorted fold (seed ${seed})`, async () => {
    const r = prng(300 + seed);
    const events = feed(r, 8, 40);
    const dir = tempTableDir('m1f');
    await run(dir, batches(r, events, true), options);
    assert.equal(await targetRows(dir, ['id', 'a', 'b']), modelScd1(events));
  });

  test(`SCD1 with the sequence column in the target, one subscription per batch, equals the sorted fold (seed ${seed})`, async () => {
    // Live keys' sequences then come from the target rows (state files hold tombstones only), re-read after every restart.
    const r = prng(200 + seed);
    const events = feed(r, 8, 40);
    const dir = tempTableDir('m1t');
    for (const b of batches(r, events)) await run(dir, [b], { ...options, exceptColumnList: ['op'] });
    const lastSeq = new Map([...byKey(events)].map(([id, list]) => [String(id), String(list[list.length - 1].seq)]));
    const rows = await targetRows(dir, ['id', 'a', 'b', 'seq']);
    assert.equal(rows.map((x) => x.slice(0, 3)), modelScd1(events));
    for (const x of rows) assert.is(String(x[3]), lastSeq.get(String(x[0])), `seq of key ${String(x[0])}`);
  });

  test(`SCD1 with deletion vectors equals the sorted fold (seed ${seed})`, async () => {
    const r = prng(50 + seed);
    const events = feed(r, 8, 40);
    const dir = tempTableDir('m1dv');
    await run(dir, batches(r, events), { ...options, properties: { 'delta.enableDeletionVectors': 'true' } });
    assert.equal(await targetRows(dir, ['id', 'a', 'b']), modelScd1(events));
    const snapshot = await loadSnapshot(new LocalStorage(dir));
    assert.ok(snapshot.files().some((a) => a.deletionVector), 'changed rows are masked by deletion vectors, not rewritten');
  });

  test(`SCD2 with deletion vectors equals the sorted fold (seed ${seed})`, async () => {
    const r = prng(150 + seed);
    const events = feed(r, 6, 36);
    const dir = tempTableDir('m2dv');
    await run(dir, batches(r, events), { ...options, storedAs: 2, trackHistoryColumnList: ['a'], properties: { 'delta.enableDeletionVectors': 'true' } });
    assert.equal(await targetRows(dir, ['id', 'a', 'b', '__START_AT', '__END_AT']), modelScd2(events));
    const snapshot = await loadSnapshot(new LocalStorage(dir));
    assert.ok(snapshot.files().some((a) => a.deletionVector), 'replaced versions are masked by deletion vectors, not rewritten');
  });

  test(`SCD2 equals the sorted fold for any arrival order (seed ${seed})`, async () => {
    const r = prng(100 + seed);
    const events = feed(r, 6, 36);
    const expected = modelScd2(events);
    for (let k = 0; k < 2; k++) {
      const dir = tempTableDir('m2');
      await run(dir, batches(r, events), { ...options, storedAs: 2, trackHistoryColumnList: ['a'] });
      assert.equal(await targetRows(dir, ['id', 'a', 'b', '__START_AT', '__END_AT']), expected);
    }
  });
}

test.run();
