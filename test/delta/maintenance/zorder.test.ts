// Z-order: the native keys against independent JS references (Morton bit
// interleaving; the Hilbert curve's unit-step property), range ranks on
// skewed and string columns, and OPTIMIZE ZORDER BY end to end — same rows,
// and file min/max ranges (read by DuckDB) that skip far more files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { join } from 'node:path';
import { loadSnapshot, readCommit } from '../../../src/delta/snapshot.ts';
import { LocalStorage } from '../../../src/delta/storage/local-storage.ts';
import { fromAddPath } from '../../../src/delta/partition-values.ts';
import { cellCountNear, clusterCells, clusterKey, clusterOrder, gridLevels } from '../../../src/delta/maintenance/zorder.ts';
import { optimize } from '../../../src/delta/maintenance/optimize.ts';
import { fileRanges } from '../../../src/delta/maintenance/zorder-rewrite.ts';
import { buildTable, duckRows, duckTableRows, expectedKeys, prng, tempTableDir } from './helpers.ts';

/** Morton key by the definition: bit b of every dimension, from the top bit down, dimension 0 first. */
function mortonRef(ranks: number[], bits: number): bigint {
  let k = 0n;
  for (let b = bits - 1; b >= 0; b--) for (const r of ranks) k = (k << 1n) | BigInt((r >>> b) & 1);
  return k;
}

test('Morton keys interleave rank bits, most significant first', () => {
  const r = prng(7);
  for (let i = 0; i < 200; i++) {
    const dims = 1 + Math.floor(r() * 4);
    const bits = Math.min(32, Math.floor(64 / dims));
    const ranks = Array.from({ length: dims }, () => Math.floor(r() * 2 ** bits) >>> 0);
    assert.is(clusterKey(ranks, bits), mortonRef(ranks, bits), `ranks ${ranks} bits ${bits}`);
  }
});

test('Hilbert keys visit every cell once, each step moving to a neighbouring cell', () => {
  for (const [dims, bits] of [[2, 4], [3, 3]] as const) {
    const side = 2 ** bits;
    const cells: { key: bigint; p: number[] }[] = [];
    const walk = (p: number[]) => {
      if (p.length === dims) return void cells.push({ key: clusterKey(p, bits, 'hilbert'), p });
      for (let v = 0; v < side; v++) walk([...p, v]);
    };
    walk([]);
    cells.sort((a, b) => (a.key < b.key ? -1 : 1));
    assert.equal(cells.map((c) => c.key), cells.map((_, i) => BigInt(i)), 'keys are a permutation of 0..n-1');
    for (let i = 1; i < cells.length; i++) {
      const d = cells[i].p.reduce((s, x, j) => s + Math.abs(x - cells[i - 1].p[j]), 0);
      assert.is(d, 1, `step ${i} of the ${dims}-D curve jumps`);
    }
  }
});

test('clusterOrder uses range ranks: skewed and string columns order like a JS reference', async () => {
  const r = prng(3);
  const n = 3000;
  // Heavily skewed ints (most values tiny, a few huge) and strings with shared prefixes.
  const ints = Array.from({ length: n }, () => (r() < 0.9 ? Math.floor(r() * 10) : Math.floor(r() * 1e9)));
  const strs = Array.from({ length: n }, () => (r() < 0.05 ? null : `customer-prefix-${Math.floor(r() * 500)}`));
  const table = new arrow.Table({
    a: arrow.vectorFromArray(ints, new arrow.Int32()),
    s: arrow.vectorFromArray(strs, new arrow.Utf8()),
  });
  const order = await clusterOrder(table, ['a', 's']);
  // Reference: rank = position of the first equal value among sorted non-null values, scaled to 32 bits; nulls 0.
  const ranks = <T>(vals: (T | null)[], cmp: (x: T, y: T) => number) => {
    const idx = vals.map((v, i) => [v, i] as const).filter(([v]) => v !== null) as [T, number][];
    idx.sort((x, y) => cmp(x[0], y[0]));
    const out = new Array<number>(vals.length).fill(0);
    let start = 0;
    idx.forEach(([v, i], p) => {
      if (p > 0 && cmp(idx[p - 1][0], v) !== 0) start = p;
      out[i] = Number((BigInt(start) << 32n) / BigInt(idx.length));
    });
    return out;
  };
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  const ra = ranks(ints, (x, y) => x - y);
  const rs = ranks(strs, (x, y) => Buffer.compare(bytes(x), bytes(y)));
  const keys = ints.map((_, i) => mortonRef([ra[i], rs[i]], 32));
  const want = keys.map((k, i) => [k, i] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1])).map(([, i]) => i);
  assert.equal([...order], want);
});

test('OPTIMIZE ZORDER BY keeps the rows and makes range queries touch far fewer files', async () => {
  const dir = tempTableDir('zorder');
  const { rows } = await buildTable(dir, 8, 2500);
  const storage = new LocalStorage(dir);
  // Files are ~8 commits' worth: compact to a handful, then Z-order into the same number of files.
  const snap0 = await loadSnapshot(storage);
  const total = snap0.files().reduce((s, f) => s + f.size, 0);
  const target = Math.ceil(total / 8);
  const touched = async () => {
    const snap = await loadSnapshot(storage);
    const ranges = await Promise.all(
      snap.files().map(async (f) => (await duckRows(`SELECT min(customer) AS lo, max(customer) AS hi FROM read_parquet('${join(dir, fromAddPath(f.path))}')`))[0]),
    );
    const r = prng(11);
    let sum = 0;
    for (let q = 0; q < 40; q++) {
      const x = Math.floor(r() * 98_000);
      sum += ranges.filter((m) => Number(m.lo) <= x + 2000 && Number(m.hi) >= x).length / ranges.length;
    }
    return { fraction: sum / 40, files: snap.files() };
  };
  const before = await touched();
  const z = await optimize(dir, { zOrder: ['customer', 'ts'], targetFileSize: target });
  assert.ok(z.metrics.numFilesAdded >= 6 && z.metrics.numFilesAdded <= 10, `files added ${z.metrics.numFilesAdded}`);
  assert.is(z.metrics.preserveInsertionOrder, false);
  const after = await touched();
  assert.equal(await duckTableRows(dir, after.files), expectedKeys(rows));
  assert.ok(before.fraction > 0.9, `insertion order: every file spans all customers (${before.fraction})`);
  assert.ok(after.fraction < 0.5, `Z-ordered files skip most ranges (${after.fraction})`);
  const info = (await readCommit(storage, z.version!)).find((a) => 'commitInfo' in a)!.commitInfo;
  assert.is(info.operationParameters!.zOrderBy, '["customer","ts"]');

  // Hilbert works the same way.
  const h = await optimize(dir, { zOrder: ['customer'], curve: 'hilbert', targetFileSize: target });
  assert.ok(h.version !== null);
  assert.equal(await duckTableRows(dir, (await loadSnapshot(storage)).files()), expectedKeys(rows));
});

test('grid cells: factors dealt to columns, cells are quantile slices, file ranges follow cells', async () => {
  assert.equal(gridLevels(12, 2), [{ dim: 0, radix: 3 }, { dim: 1, radix: 2 }, { dim: 0, radix: 2 }]);
  assert.equal(gridLevels(7, 3), [{ dim: 0, radix: 7 }]);
  assert.equal(gridLevels(1, 2), []);
  assert.is(cellCountNear(11.3), 12);
  assert.is(cellCountNear(8), 8);
  assert.is(cellCountNear(1.2), 1);
  // 6 × 2 cells over two independent uniform columns: each cell holds the rows of one slice pair.
  const r = prng(5);
  const n = 12_000;
  const a = Float64Array.from({ length: n }, () => r());
  const b = Float64Array.from({ length: n }, () => r());
  const t = new arrow.Table({ a: arrow.makeVector(a), b: arrow.makeVector(b) });
  const { order, cells } = await clusterCells(t, ['a', 'b'], 12);
  const slice = (v: Float64Array, k: number, i: number) => Math.floor((v.filter((x) => x < v[i]).length * k) / n);
  for (let p = 0; p < n; p += 97) {
    const i = order[p];
    // Level order [a÷3, b÷2, a÷2]: cell = (a6 div 2) * 4 + b2 * 2 + (a6 mod 2).
    const a6 = slice(a, 6, i);
    const b2 = slice(b, 2, i);
    assert.is(cells[p], Math.floor(a6 / 2) * 4 + b2 * 2 + (a6 % 2), `row ${i}`);
  }
  for (let p = 1; p < n; p++) assert.ok(cells[p] >= cells[p - 1], 'cells ascend along the order');
  // A run under a quarter of a file joins the next; one over 1.5 files is split evenly.
  assert.equal(fileRanges(Uint32Array.from([0, 0, 0, 1, 1, 1, 2, 5, 5, 5]), 6), [[0, 3], [3, 6], [6, 10]]);
  assert.equal(fileRanges(Uint32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1]), 3), [[0, 2], [2, 5], [5, 8], [8, 9]]);
});

test('chunked and sliced inputs, wide and narrow value ranges: order and cells equal a reference sort by (cell, key, row)', async () => {
  const r = prng(9);
  const n = 5000;
  // a: narrow ints (packed sort), b: int64 spanning the whole range (pairs sort), s: strings with shared prefixes; ~7% nulls each.
  const a = Array.from({ length: n }, () => (r() < 0.07 ? null : Math.floor(r() * 300)));
  const b = Array.from({ length: n }, () => (r() < 0.07 ? null : BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 53)) * 1_000_003n)));
  const s = Array.from({ length: n }, () => (r() < 0.07 ? null : `prefix-long-${Math.floor(r() * 40)}`));
  const whole = new arrow.Table({
    a: arrow.vectorFromArray(a, new arrow.Int32()),
    b: arrow.vectorFromArray(b, new arrow.Int64()),
    s: arrow.vectorFromArray(s, new arrow.Utf8()),
  });
  // Uneven chunks, cut from slices (non-zero offsets into shared buffers).
  const cuts = [0, 1, 700, 701, 2300, 4999, n];
  const flat = whole.batches.length === 1 ? whole.batches[0] : new arrow.Table(whole.schema, whole.batches).batches[0];
  const chunked = new arrow.Table(whole.schema, cuts.slice(1).map((end, i) => flat.slice(cuts[i], end)).filter((x) => x.numRows > 0));
  assert.ok(chunked.batches.length >= 5 && chunked.batches.some((x) => x.data.children[0].offset > 0));

  const rankOf = <T>(vals: (T | null)[], cmp: (x: T, y: T) => number) => {
    const idx = vals.map((v, i) => [v, i] as const).filter(([v]) => v !== null) as [T, number][];
    idx.sort((x, y) => cmp(x[0], y[0]) || x[1] - y[1]);
    const out = new Array<number>(vals.length).fill(0);
    let start = 0;
    idx.forEach(([v, i], p) => {
      if (p > 0 && cmp(idx[p - 1][0], v) !== 0) start = p;
      out[i] = Number((BigInt(start) << 21n) / BigInt(idx.length)); // 3 columns: 21 bits each
    });
    return out;
  };
  const ranks = [
    rankOf(a, (x, y) => x - y),
    rankOf(b, (x, y) => (x < y ? -1 : x > y ? 1 : 0)),
    rankOf(s, (x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
  ];
  const levels = gridLevels(12, 3);
  const dimCells = [0, 1, 2].map((d) => levels.filter((l) => l.dim === d).reduce((p, l) => p * l.radix, 1));
  const cellOf = (i: number) => {
    const slot = ranks.map((rk, d) => Math.floor((rk[i] * dimCells[d]) / 2 ** 21));
    const left = [...dimCells];
    let c = 0;
    for (const l of levels) {
      left[l.dim] /= l.radix;
      c = c * l.radix + Math.floor(slot[l.dim] / left[l.dim]);
      slot[l.dim] %= left[l.dim];
    }
    return c;
  };
  const rows = Array.from({ length: n }, (_, i) => ({ i, cell: cellOf(i), key: mortonRef(ranks.map((rk) => rk[i]), 21) }));
  rows.sort((x, y) => x.cell - y.cell || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0) || x.i - y.i);
  const { order, cells } = await clusterCells(chunked, ['a', 'b', 's'], 12);
  assert.equal([...order], rows.map((x) => x.i));
  assert.equal([...cells], rows.map((x) => x.cell));
});

test('Z-order refuses columns without an order', async () => {
  const t = new arrow.Table({ l: arrow.vectorFromArray([[1], [2]], new arrow.List(new arrow.Field('item', new arrow.Int32()))) });
  try {
    await clusterOrder(t, ['l']);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /Cannot Z-order by column 'l'/);
  }
});

test.run();
