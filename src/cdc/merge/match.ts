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
import { readDeletionVector } from '../../delta/deletion-vector.ts';
import { decodedBatch, planNativeRead, subPlan, withColumns, type Decoded } from '../../delta/maintenance/native-read.ts';
import { readFooterOf } from '../../delta/maintenance/rowgroup-copy.ts';
import { fromAddPath } from '../../delta/partition-values.ts';
import { readAhead } from '../../delta/read-ahead.ts';
import { scanFileRows } from '../../delta/scan-file.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { native } from '../../native/addon.ts';
import { KeyIndex } from './key-index.ts';
import { contiguous, keyReader } from './keys.ts';
import { MergeError, MultipleSourceRowsMatchedError } from './errors.ts';
import type { MergePlan, SidedPredicate } from './plan.ts';

const core = native as unknown as {
  keyedMatches(
    rows: Int32Array, first: Int32Array, deleted: Uint32Array, indexFirst: Int32Array, next: Int32Array, joinable: Uint8Array,
    clauseMasks: (Uint8Array | null)[], singleDelete: boolean, sourceMatched: Uint8Array,
  ): { positions: Int32Array; physical: Uint32Array; action: Int32Array; sourceRow: Int32Array } | { duplicate: [number, number, number] } | { notFirst: number };
};

/** No action for a target row. */
export const NO_ACTION = -1;

/** The source side of the join: its rows and the hash of their keys. */
export interface SourceSide {
  /** All source rows, one contiguous batch (the user's schema). */
  batch: arrow.RecordBatch;
  /** The rows wrapped as the `source` alias column ([source: struct]). */
  aliased: arrow.RecordBatch;
  /** The source rows by key (every row; probes skip rows that are not joinable). Null without equi keys. */
  index: KeyIndex | null;
  /** Rows that can match at all: source-only ON conjuncts hold (all rows when there are none). */
  joinable: Uint8Array;
  /** Per source-only WHEN MATCHED condition (by clause): its mask over the source rows. */
  clauseMasks: (Uint8Array | null)[];
  /** The evaluated source side of each join key (plan.keys order). */
  keyData: arrow.Data[];
}

/**
 * What the join decided for one target file: the rows that get an action,
 * in ascending order (no per-row array over the whole file).
 */
export interface FileMatch {
  add: Add;
  /** Live rows of the file (deletion vector applied). */
  rows: number;
  /** Rows the file's deletion vector already deletes (physical indexes, ascending). */
  deleted: Uint32Array;
  /** Live-row positions of the rows with an action, ascending. */
  positions: Int32Array;
  /** Their physical row indexes in the Parquet file (what a deletion vector names). */
  physical: Uint32Array;
  /**
   * Per position: WHEN MATCHED clause `i` as `i`, WHEN NOT MATCHED BY SOURCE
   * clause `j` as `matched.length + j`.
   */
  action: Int32Array;
  /** Per position: the source row of a WHEN MATCHED action (else -1). */
  sourceRow: Int32Array;
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
export function prepareSource(plan: MergePlan, batch: arrow.RecordBatch, table: string, built?: KeyIndex): SourceSide {
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

  const keyData = plan.keys.map((k) => {
    // A key that is a source column as it is: its values, not a copy made by evaluating it.
    const at = k.sourceColumn === null ? -1 : batch.schema.fields.findIndex((f) => f.name === k.sourceColumn);
    return contiguous(at >= 0 ? batch.data.children[at] : concatVector(k.source.evaluate(aliased)));
  });
  let index: KeyIndex | null = null;
  if (plan.keys.length > 0) {
    if (built && built.rows !== n) throw new Error(`MERGE into Delta table ${table}: the given source index has ${built.rows} rows, the source ${n}`);
    index = built ?? KeyIndex.build(keyData, { nullSafe: plan.nullSafe });
    // Without null-safe keys a row with a NULL key part is left out of the index.
    const bad = index.first.indexOf(-1);
    if (bad >= 0) {
      const k = plan.keys.findIndex((_, j) => keyReader(keyData[j])(bad) === null);
      throw new MergeError(
        `MERGE into Delta table ${table}: source row ${bad} has a NULL join key (${plan.keys[k].source.sql} for target column '${plan.keys[k].target}'); ` +
          'a NULL key never matches, so the row could never be updated or deleted later. Filter or fix such rows first; nothing was written',
      );
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
  keyed?: (add: Add) => Promise<KeyedRows | null>,
): Promise<JoinResult> {
  const table = snapshot.table;
  const sourceMatched = new Uint8Array(source.batch.numRows);
  const touched: FileMatch[] = [];
  const m = plan.matched.length;
  // Spark allows several matches per target row when the only matched clause is an unconditional delete.
  const singleDelete = m === 1 && plan.matched[0].kind === 'delete' && plan.matched[0].condition === null;
  const pairSource = projectSource(plan, source);
  if (m === 0 && plan.notMatched.length === 0 && plan.notMatchedBySource.length === 0) return { touched, sourceMatched, filesRead: 0 };
  const keyField = keyOnlyField(plan, source, snapshot);

  // The next file is read (and probed or decoded off the JS thread) while this one is matched.
  const load = async (add: Add) => {
    const probed = keyField ? ((await keyed?.(add)) ?? (await probeKeyPages(storage, snapshot, add, keyField, source.index!))) : null;
    return probed ? { add, probed, scan: null } : { add, probed: null, scan: await scanFileRows(storage, snapshot, add, plan.probeColumns) };
  };
  for await (const { add, probed, scan } of readAhead(files, 2, load)) {
    const out = new TouchedRows();
    if (probed) {
      // Key-only join: the pages gave the matching rows; every condition reads the source alone.
      const match = keyedMatch(probed, source, singleDelete, sourceMatched, table, add);
      if (match) touched.push(match);
      continue;
    }
    const { data, deleted } = scan!;
    const probe = aliasTarget(plan.schemas.probeTarget, data);
    const n = probe.numRows;
    if (n === 0) continue;
    const matchedTarget = plan.notMatchedBySource.length > 0 ? new Uint8Array(n) : null;

    let targetOk: Uint8Array | null = null;
    for (const r of plan.residual) {
      if (r.side !== 'target') continue;
      const { mask } = r.predicate.mask(probe);
      if (!targetOk) targetOk = mask.slice();
      else for (let i = 0; i < n; i++) targetOk[i] &= mask[i];
    }
    const targetMasks = plan.matched.map((c) => (c.condition?.side === 'target' ? c.condition.predicate.mask(probe).mask : null));

    // Candidate pairs in target-row order: by key when there are equi keys, else every (target, source) combination.
    const pairs = new PairBuffer((t, s) => decidePairs(plan, source, pairSource, probe, t, s, targetMasks, singleDelete, { out, matchedTarget, sourceMatched, table, add }));
    if (source.index) {
      const index = source.index;
      const hit = index.probe(plan.keys.map((k) => probeColumn(probe, k.target)));
      const joinable = source.joinable;
      for (let t = 0; t < n; t++) {
        if (hit[t] < 0 || (targetOk && !targetOk[t])) continue;
        for (let s = hit[t]; s >= 0; s = index.next[s]) if (joinable[s]) pairs.push(t, s);
      }
    } else {
      const sn = source.batch.numRows;
      for (let t = 0; t < n; t++) {
        if (targetOk && !targetOk[t]) continue;
        for (let s = 0; s < sn; s++) if (source.joinable[s]) pairs.push(t, s);
      }
    }
    pairs.flush();

    // WHEN NOT MATCHED BY SOURCE: unmatched target rows, first clause whose condition holds.
    if (matchedTarget) {
      const bySource = new TouchedRows();
      const masks = plan.notMatchedBySource.map((c) => (c.condition ? c.condition.predicate.mask(probe).mask : null));
      for (let t = 0; t < n; t++) {
        if (matchedTarget[t]) continue;
        const j = masks.findIndex((mask) => mask === null || mask[t] === 1);
        if (j >= 0) bySource.push(t, m + j, -1);
      }
      out.mergeWith(bySource);
    }
    if (out.length > 0) touched.push(out.finish(add, n, deleted));
  }
  return { touched, sourceMatched, filesRead: files.length };
}

/**
 * The key column when matching needs nothing of the target but one key
 * (no target or pair conditions, no WHEN NOT MATCHED BY SOURCE) and the
 * source index is native: then files are probed page by page instead of
 * decoded. Null otherwise.
 */
function keyOnlyField(plan: MergePlan, source: SourceSide, snapshot: Snapshot): arrow.Field | null {
  if (!source.index || plan.keys.length !== 1 || plan.notMatchedBySource.length > 0 || plan.residual.length > 0) return null;
  if (plan.matched.some((c) => c.condition && c.condition.side !== 'source')) return null;
  return snapshot.arrowSchema.fields.find((f) => f.name === plan.keys[0].target) ?? null;
}

/** The rows of a data file whose key is in a key index. */
export interface KeyedRows {
  /** Physical rows of the file, ascending (rows its deletion vector deletes included). */
  rows: Int32Array;
  /** Per row: the first indexed row with its key. */
  first: Int32Array;
  /** The file's deletion vector (physical rows, ascending). */
  deleted: Uint32Array;
  /** Live rows of the file. */
  live: number;
  /** The payload columns asked for, at `rows` (see {@link probeKeyPages}). */
  payload?: arrow.RecordBatch;
}

/**
 * The rows of `add` whose key (column `key`) is in `index`, probed page by
 * page off the JS thread — with the columns of `payload` at those rows,
 * decoded in the same read; null when the file cannot be probed so (then
 * the general path decodes it).
 */
export async function probeKeyPages(storage: Storage, snapshot: Snapshot, add: Add, key: arrow.Field, index: KeyIndex, payload?: arrow.Schema): Promise<KeyedRows | null> {
  const where = `Data file ${add.path} of Delta table ${storage.root}`;
  const wanted = new arrow.Schema([key, ...(payload?.fields ?? [])]);
  const plan = planNativeRead(snapshot, (await readFooterOf(storage, fromAddPath(add.path), add.size, where)).meta, wanted);
  if (!plan) return null;
  let hits: { rows: Int32Array; first: Int32Array; payload: Decoded[] } | null;
  try {
    hits = await withColumns(storage, add, plan.columns, (file, columns) => index.probePages(file, columns[0], key.type, columns.slice(1)));
  } catch {
    // An encoding the native decoder lacks: the general path decides.
    return null;
  }
  if (!hits) return null;
  const deleted = add.deletionVector ? await readDeletionVector(storage, add.deletionVector) : new Uint32Array(0);
  const values = payload && decodedBatch(payload, subPlan(plan, payload.fields.map((_, i) => i + 1)), hits.payload, hits.rows.length);
  return { rows: hits.rows, first: hits.first, deleted, live: plan.numRows - deleted.length, ...(values ? { payload: values } : {}) };
}

/**
 * The keyed rows its deletion vector leaves live: for each, its index in
 * `probed.rows` and its position among the file's live rows.
 */
export function liveKeyedRows(probed: KeyedRows): { at: Int32Array; position: Int32Array } {
  const { rows, deleted } = probed;
  const at = new Int32Array(rows.length);
  const position = new Int32Array(rows.length);
  let n = 0;
  for (let i = 0, d = 0; i < rows.length; i++) {
    const physical = rows[i];
    while (d < deleted.length && deleted[d] < physical) d++;
    if (d < deleted.length && deleted[d] === physical) continue;
    at[n] = i;
    position[n++] = physical - d;
  }
  return { at: at.subarray(0, n), position: position.subarray(0, n) };
}

/**
 * What a key-only join decides for one file (null when no row gets an
 * action): its live keyed rows paired with their key's joinable source rows,
 * each pair given the first WHEN MATCHED clause whose source condition holds
 * — in one native pass (native/join/keyed_matches.cc).
 */
function keyedMatch(probed: KeyedRows, source: SourceSide, singleDelete: boolean, sourceMatched: Uint8Array, table: string, add: Add): FileMatch | null {
  const index = source.index!;
  const r = core.keyedMatches(probed.rows, probed.first, probed.deleted, index.first, index.next, source.joinable, source.clauseMasks, singleDelete, sourceMatched);
  if ('notFirst' in r) {
    throw new Error(`MERGE into Delta table ${table}: rows probed for file ${add.path} name source row ${probed.first[r.notFirst]}, which is not the first of its key`);
  }
  if ('duplicate' in r) {
    const [position, previous, sourceRow] = r.duplicate;
    throw new MultipleSourceRowsMatchedError(
      `MERGE into Delta table ${table} failed: multiple source rows matched and attempted to modify the same target row ` +
        `(row ${position} of file ${add.path}; source rows ${previous} and ${sourceRow}). ` +
        'Deduplicate the source so each target row is matched by at most one source row; nothing was written',
    );
  }
  if (r.positions.length === 0) return null;
  return { add, rows: probed.live, deleted: probed.deleted, positions: r.positions, physical: r.physical, action: r.action, sourceRow: r.sourceRow };
}

/** Candidate (target, source) pairs, handed on in chunks: bounds memory when many rows share keys (or there are no keys). */
class PairBuffer {
  private readonly t = new Int32Array(PAIR_CHUNK);
  private readonly s = new Int32Array(PAIR_CHUNK);
  private len = 0;

  constructor(private readonly decide: (t: Int32Array, s: Int32Array) => void) {}

  push(t: number, s: number): void {
    this.t[this.len] = t;
    this.s[this.len] = s;
    if (++this.len === PAIR_CHUNK) this.flush();
  }

  flush(): void {
    if (this.len === 0) return;
    this.decide(this.t.subarray(0, this.len), this.s.subarray(0, this.len));
    this.len = 0;
  }
}

/** The touched rows of one file as they are decided, in ascending row order. */
class TouchedRows {
  // Three int32 columns (position, action, source row) in one growing buffer.
  private buf = new Int32Array(3 * 1024);
  length = 0;

  /** The row most recently given an action (pairs of one row are decided together). */
  last(): number {
    return this.length > 0 ? this.buf[3 * (this.length - 1)] : -1;
  }

  /** The source row of the row most recently given an action. */
  lastSource(): number {
    return this.buf[3 * (this.length - 1) + 2];
  }

  push(position: number, action: number, sourceRow: number): void {
    if (3 * this.length === this.buf.length) {
      const grown = new Int32Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    const at = 3 * this.length++;
    this.buf[at] = position;
    this.buf[at + 1] = action;
    this.buf[at + 2] = sourceRow;
  }

  /** Interleaves another ascending list of rows (disjoint from this one). */
  mergeWith(other: TouchedRows): void {
    if (other.length === 0) return;
    const a = this.buf;
    const b = other.buf;
    const na = this.length;
    this.buf = new Int32Array(3 * (na + other.length));
    this.length = 0;
    let i = 0;
    let j = 0;
    while (i < na || j < other.length) {
      if (j >= other.length || (i < na && a[3 * i] < b[3 * j])) this.push(a[3 * i], a[3 * i + 1], a[3 * i++ + 2]);
      else this.push(b[3 * j], b[3 * j + 1], b[3 * j++ + 2]);
    }
  }

  finish(add: Add, rows: number, deleted: Uint32Array): FileMatch {
    const n = this.length;
    const positions = new Int32Array(n);
    const action = new Int32Array(n);
    const sourceRow = new Int32Array(n);
    // The physical row of each live position: skip the deleted rows below it.
    const physical = new Uint32Array(n);
    for (let i = 0, d = 0; i < n; i++) {
      positions[i] = this.buf[3 * i];
      action[i] = this.buf[3 * i + 1];
      sourceRow[i] = this.buf[3 * i + 2];
      while (d < deleted.length && deleted[d] <= positions[i] + d) d++;
      physical[i] = positions[i] + d;
    }
    return { add, rows, deleted, positions, physical, action, sourceRow };
  }
}

interface DecideState {
  out: TouchedRows;
  /** Rows that matched some source row (kept only when WHEN NOT MATCHED BY SOURCE clauses exist). */
  matchedTarget: Uint8Array | null;
  sourceMatched: Uint8Array;
  table: string;
  add: Add;
}

/** Applies the residual ON condition and the WHEN MATCHED clauses to candidate pairs (in target-row order). */
function decidePairs(
  plan: MergePlan,
  source: SourceSide,
  pairSource: arrow.RecordBatch | null,
  probe: arrow.RecordBatch | null,
  t: Int32Array,
  s: Int32Array,
  targetMasks: (Uint8Array | null)[],
  singleDelete: boolean,
  st: DecideState,
): void {
  const len = t.length;
  const pairConds = plan.residual.filter((r) => r.side === 'pair');
  const pairClauses = plan.matched.map((c) => c.condition?.side === 'pair');
  let pairs: arrow.RecordBatch | null = null;
  const pairBatch = () => (pairs ??= buildPairs(plan, pairSource!, probe!, s, t));
  let ok: Uint8Array | null = null;
  for (const r of pairConds) {
    const { mask } = r.predicate.mask(pairBatch());
    if (!ok) ok = mask.slice();
    else for (let i = 0; i < len; i++) ok[i] &= mask[i];
  }
  const pairMasks = plan.matched.map((c, i) => (pairClauses[i] ? (c.condition as SidedPredicate).predicate.mask(pairBatch()).mask : null));
  const clauses = plan.matched;
  for (let i = 0; i < len; i++) {
    if (ok && !ok[i]) continue;
    const tr = t[i];
    const sr = s[i];
    if (st.matchedTarget) st.matchedTarget[tr] = 1;
    st.sourceMatched[sr] = 1;
    let clause = -1;
    for (let c = 0; c < clauses.length; c++) {
      const cond = clauses[c].condition;
      const holds =
        cond === null ? true : cond.side === 'source' ? source.clauseMasks[c]![sr] === 1 : cond.side === 'target' ? targetMasks[c]![tr] === 1 : pairMasks[c]![i] === 1;
      if (holds) {
        clause = c;
        break;
      }
    }
    if (clause < 0) continue;
    // Pairs come in target-row order, so an earlier action on this row is the last one recorded.
    if (st.out.last() === tr) {
      if (singleDelete) continue;
      const previous = st.out.lastSource();
      throw new MultipleSourceRowsMatchedError(
        `MERGE into Delta table ${st.table} failed: multiple source rows matched and attempted to modify the same target row ` +
          `(row ${tr} of file ${st.add.path}; source rows ${previous} and ${sr}). ` +
          'Deduplicate the source so each target row is matched by at most one source row; nothing was written',
      );
    }
    st.out.push(tr, clause, sr);
  }
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
