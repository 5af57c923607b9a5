// The join of MERGE: source rows are hashed by their key values once; each
// candidate target file is read with only the columns the join and the
// clause conditions need, its rows are probed against the hash, the residual
// ON condition filters the pairs, and every target row gets the action of the
// first clause whose condition holds. Only files where some row gets an
// action are touched afterwards.

import * as arrow from 'apache-arrow';
import type { Add } from '../../delta/actions.ts';
import { takeRows } from '../../delta/operations/take.ts';
import { concatData } from '../../reactive/batch/concatBatches.ts';
import { scanFileRows } from '../../delta/scan-file.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { compositeReader, keyReader, type KeyValue } from './keys.ts';
import { MergeError, MultipleSourceRowsMatchedError } from './errors.ts';
import type { MergePlan, SidedPredicate } from './plan.ts';

/** No action for a target row. */
export const NO_ACTION = -1;

/** The source side of the join: its rows and the hash of their keys. */
export interface SourceSide {
  /** All source rows, one contiguous batch (the user's schema). */
  batch: arrow.RecordBatch;
  /** The rows wrapped as the `source` alias column ([source: struct]). */
  aliased: arrow.RecordBatch;
  /** Key → source row, or rows when several share a key. Empty map without equi keys. */
  index: Map<KeyValue, number | number[]>;
  /** Rows that can match at all: source-only ON conjuncts hold (all rows when there are none). */
  joinable: Uint8Array;
  /** Per source-only WHEN MATCHED condition (by clause): its mask over the source rows. */
  clauseMasks: (Uint8Array | null)[];
  /** The evaluated source side of each join key (plan.keys order). */
  keyData: arrow.Data[];
}

/** What the join decided for one target file. */
export interface FileMatch {
  add: Add;
  /** Live rows of the file (deletion vector applied). */
  rows: number;
  /** Physical row index of each live row. */
  rowIndexes: Uint32Array;
  /**
   * Action per live row: WHEN MATCHED clause `i` as `i`, WHEN NOT MATCHED BY
   * SOURCE clause `j` as `matched.length + j`, or {@link NO_ACTION}.
   */
  action: Int32Array;
  /** The source row of a WHEN MATCHED action (else -1). */
  sourceRow: Int32Array;
  /** Rows with an action. */
  touched: number;
}

/** Result of probing every candidate file. */
export interface JoinResult {
  /** Files where at least one row gets an action. */
  touched: FileMatch[];
  /** 1 for source rows that matched some target row (they are never inserted). */
  sourceMatched: Uint8Array;
  /** Candidate files read. */
  filesRead: number;
}

/** Pairs evaluated per batch: bounds memory when many rows share keys (or there are no keys). */
const PAIR_CHUNK = 1 << 16;

/**
 * Wraps the source and hashes its keys. A NULL key is refused: it can never
 * match, so the row would be inserted and no later merge could reach it.
 */
export function prepareSource(plan: MergePlan, batch: arrow.RecordBatch, table: string): SourceSide {
  const aliasType = plan.schemas.source.fields[0].type as arrow.Struct;
  const aliased = new arrow.RecordBatch(
    plan.schemas.source,
    arrow.makeData({
      type: new arrow.Struct(plan.schemas.source.fields),
      length: batch.numRows,
      nullCount: 0,
      children: [arrow.makeData({ type: aliasType, length: batch.numRows, nullCount: 0, children: batch.data.children })],
    }),
  );
  const n = batch.numRows;
  const joinable = new Uint8Array(n).fill(1);
  for (const r of plan.residual) {
    if (r.side !== 'source') continue;
    const { mask } = r.predicate.mask(aliased);
    for (let i = 0; i < n; i++) joinable[i] &= mask[i];
  }
  const clauseMasks = plan.matched.map((c) => (c.condition?.side === 'source' ? c.condition.predicate.mask(aliased).mask : null));

  const index = new Map<KeyValue, number | number[]>();
  const keyData = plan.keys.map((k) => concatVector(k.source.evaluate(aliased)));
  if (plan.keys.length > 0) {
    const readers = plan.keys.map((k, i) => ({ key: k, read: keyReader(keyData[i]) }));
    const composite = compositeReader(readers.map((r) => r.read), plan.nullSafe);
    for (let i = 0; i < n; i++) {
      const key = composite(i);
      if (key === null) {
        const bad = readers.find((r) => r.read(i) === null)!;
        throw new MergeError(
          `MERGE into Delta table ${table}: source row ${i} has a NULL join key (${bad.key.source.sql} for target column '${bad.key.target}'); ` +
            'a NULL key never matches, so the row could never be updated or deleted later. Filter or fix such rows first; nothing was written',
        );
      }
      if (!joinable[i]) continue;
      const prev = index.get(key);
      if (prev === undefined) index.set(key, i);
      else if (typeof prev === 'number') index.set(key, [prev, i]);
      else prev.push(i);
    }
  }
  return { batch, aliased, index, joinable, clauseMasks, keyData };
}

/**
 * Probes the candidate files against the source; see {@link FileMatch}.
 * Throws {@link MultipleSourceRowsMatchedError} when two source rows would
 * both modify one target row.
 */
export async function joinFiles(
  storage: Storage,
  snapshot: Snapshot,
  plan: MergePlan,
  source: SourceSide,
  files: readonly Add[],
): Promise<JoinResult> {
  const table = snapshot.table;
  const sourceMatched = new Uint8Array(source.batch.numRows);
  const touched: FileMatch[] = [];
  const m = plan.matched.length;
  // Spark allows several matches per target row when the only matched clause is an unconditional delete.
  const singleDelete = m === 1 && plan.matched[0].kind === 'delete' && plan.matched[0].condition === null;
  const pairSource = projectSource(plan, source);
  const needMatchPass = m > 0 || plan.notMatched.length > 0 || plan.notMatchedBySource.length > 0;

  for (const add of files) {
    const { data, rowIndexes } = await scanFileRows(storage, snapshot, add, plan.probeColumns);
    const probe = aliasTarget(plan.schemas.probeTarget, data);
    const n = probe.numRows;
    if (n === 0) continue;
    const action = new Int32Array(n).fill(NO_ACTION);
    const sourceRow = new Int32Array(n).fill(-1);
    const matchedTarget = new Uint8Array(n);
    let count = 0;

    if (needMatchPass) {
      const targetOk = new Uint8Array(n).fill(1);
      for (const r of plan.residual) {
        if (r.side !== 'target') continue;
        const { mask } = r.predicate.mask(probe);
        for (let i = 0; i < n; i++) targetOk[i] &= mask[i];
      }
      const targetMasks = plan.matched.map((c) => (c.condition?.side === 'target' ? c.condition.predicate.mask(probe).mask : null));

      // Candidate pairs, in chunks: by key when there are equi keys, else every (target, source) combination.
      const tBuf = new Int32Array(PAIR_CHUNK);
      const sBuf = new Int32Array(PAIR_CHUNK);
      let len = 0;
      const flush = () => {
        if (len === 0) return;
        count += decidePairs(plan, source, pairSource, probe, tBuf.subarray(0, len), sBuf.subarray(0, len), targetMasks, singleDelete, {
          action, sourceRow, matchedTarget, sourceMatched, table, add,
        });
        len = 0;
      };
      const push = (t: number, s: number) => {
        tBuf[len] = t;
        sBuf[len] = s;
        if (++len === PAIR_CHUNK) flush();
      };
      if (plan.keys.length > 0) {
        const readers = plan.keys.map((k) => keyReader(probeColumn(probe, k.target)));
        const key = compositeReader(readers, plan.nullSafe);
        for (let t = 0; t < n; t++) {
          if (!targetOk[t]) continue;
          const k = key(t);
          if (k === null) continue;
          const hit = source.index.get(k);
          if (hit === undefined) continue;
          if (typeof hit === 'number') push(t, hit);
          else for (const s of hit) push(t, s);
        }
      } else {
        const sn = source.batch.numRows;
        for (let t = 0; t < n; t++) {
          if (!targetOk[t]) continue;
          for (let s = 0; s < sn; s++) if (source.joinable[s]) push(t, s);
        }
      }
      flush();

      // WHEN NOT MATCHED BY SOURCE: unmatched target rows, first clause whose condition holds.
      if (plan.notMatchedBySource.length > 0) {
        const masks = plan.notMatchedBySource.map((c) => (c.condition ? c.condition.predicate.mask(probe).mask : null));
        for (let t = 0; t < n; t++) {
          if (matchedTarget[t]) continue;
          const j = masks.findIndex((mask) => mask === null || mask[t] === 1);
          if (j >= 0) {
            action[t] = m + j;
            count++;
          }
        }
      }
    }
    if (count > 0) touched.push({ add, rows: n, rowIndexes, action, sourceRow, touched: count });
  }
  return { touched, sourceMatched, filesRead: files.length };
}

interface DecideState {
  action: Int32Array;
  sourceRow: Int32Array;
  matchedTarget: Uint8Array;
  sourceMatched: Uint8Array;
  table: string;
  add: Add;
}

/** Applies the residual ON condition and the WHEN MATCHED clauses to candidate pairs; returns the rows newly given an action. */
function decidePairs(
  plan: MergePlan,
  source: SourceSide,
  pairSource: arrow.RecordBatch | null,
  probe: arrow.RecordBatch,
  t: Int32Array,
  s: Int32Array,
  targetMasks: (Uint8Array | null)[],
  singleDelete: boolean,
  st: DecideState,
): number {
  const len = t.length;
  const pairConds = plan.residual.filter((r) => r.side === 'pair');
  const pairClauses = plan.matched.map((c) => c.condition?.side === 'pair');
  let pairs: arrow.RecordBatch | null = null;
  const pairBatch = () => (pairs ??= buildPairs(plan, pairSource!, probe, s, t));
  const ok = new Uint8Array(len).fill(1);
  for (const r of pairConds) {
    const { mask } = r.predicate.mask(pairBatch());
    for (let i = 0; i < len; i++) ok[i] &= mask[i];
  }
  const pairMasks = plan.matched.map((c, i) => (pairClauses[i] ? (c.condition as SidedPredicate).predicate.mask(pairBatch()).mask : null));
  let count = 0;
  for (let i = 0; i < len; i++) {
    if (!ok[i]) continue;
    const tr = t[i];
    const sr = s[i];
    st.matchedTarget[tr] = 1;
    st.sourceMatched[sr] = 1;
    let clause = -1;
    for (let c = 0; c < plan.matched.length; c++) {
      const cond = plan.matched[c].condition;
      const holds =
        cond === null ? true : cond.side === 'source' ? source.clauseMasks[c]![sr] === 1 : cond.side === 'target' ? targetMasks[c]![tr] === 1 : pairMasks[c]![i] === 1;
      if (holds) {
        clause = c;
        break;
      }
    }
    if (clause < 0) continue;
    if (st.action[tr] !== NO_ACTION) {
      if (singleDelete) continue;
      throw new MultipleSourceRowsMatchedError(
        `MERGE into Delta table ${st.table} failed: multiple source rows matched and attempted to modify the same target row ` +
          `(row ${tr} of file ${st.add.path}; source rows ${st.sourceRow[tr]} and ${sr}). ` +
          'Deduplicate the source so each target row is matched by at most one source row; nothing was written',
      );
    }
    st.action[tr] = clause;
    st.sourceRow[tr] = sr;
    count++;
  }
  return count;
}

/** The source projected to the columns pair conditions read, as the `source` alias (null when no pair condition exists). */
function projectSource(plan: MergePlan, source: SourceSide): arrow.RecordBatch | null {
  const anyPair = plan.residual.some((r) => r.side === 'pair') || plan.matched.some((c) => c.condition?.side === 'pair');
  return anyPair ? source.batch : null;
}

/** [source, target] rows of the pairs, as the schema pair conditions were compiled for. */
function buildPairs(plan: MergePlan, sourceBatch: arrow.RecordBatch, probe: arrow.RecordBatch, s: Int32Array, t: Int32Array): arrow.RecordBatch {
  const schema = plan.schemas.probePair;
  const src = takeRows(sourceBatch, s).data;
  const tgt = takeRows(probe, t).data.children[0];
  const children = [
    arrow.makeData({ type: schema.fields[0].type as arrow.Struct, length: s.length, nullCount: 0, children: src.children }),
    tgt,
  ];
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: s.length, nullCount: 0, children }));
}

/** Scanned target columns wrapped as the `target` alias column of `schema`. */
export function aliasTarget(schema: arrow.Schema, data: arrow.Table): arrow.RecordBatch {
  const alias = schema.fields[0].type as arrow.Struct;
  const n = data.numRows;
  const contiguous = contiguousColumns(data);
  const struct = arrow.makeData({ type: alias, length: n, nullCount: 0, children: contiguous });
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: [struct] }));
}

/** The columns of a table as one Data each (scans yield one batch per row group). */
export function contiguousColumns(data: arrow.Table): arrow.Data[] {
  if (data.batches.length === 1) return data.batches[0].data.children;
  return data.schema.fields.map((_, i) => {
    return concatVector(data.getChildAt(i)!);
  });
}

/** One contiguous Data of a (possibly chunked) vector. */
export function concatVector(vec: arrow.Vector): arrow.Data {
  return vec.data.length === 1 ? vec.data[0] : concatData(vec.type, [...vec.data]);
}

function probeColumn(probe: arrow.RecordBatch, name: string): arrow.Data {
  const struct = probe.data.children[0];
  const i = (probe.schema.fields[0].type as arrow.Struct).children.findIndex((f) => f.name === name);
  return struct.children[i];
}
