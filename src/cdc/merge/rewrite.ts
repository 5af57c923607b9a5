// The rows a merge produces: for each touched file, its rows split into
// unchanged (copied), updated (old and new image) and deleted; and the source
// rows inserted. Assignments are evaluated once per clause over all its rows;
// plain column references are copied without evaluation so values (decimals,
// nested types) pass through exactly.

import * as arrow from 'apache-arrow';
import { projectBatch } from '../../reactive/batch/projectBatch.ts';
import { alignToSchema } from '../../delta/operations/align.ts';
import { keepRows, takeRows } from '../../delta/operations/take.ts';
import { ascendingRows } from '../../delta/maintenance/gather.ts';
import { scanFileRows } from '../../delta/scan-file.ts';
import type { Snapshot } from '../../delta/snapshot.ts';
import type { Storage } from '../../delta/storage/storage.ts';
import { MergeError } from './errors.ts';
import { concatVector, contiguousColumns, type FileMatch, type SourceSide } from './match.ts';
import type { Assignment, MergePlan } from './plan.ts';

/** The changes a merge makes to one touched file. */
export interface FileChanges {
  match: FileMatch;
  /** Positions (among the file's live rows) updated or deleted, ascending. */
  changed: Int32Array;
  /** Live rows left as they are. */
  copiedCount: number;
  /** Unchanged rows, in the table's schema (only when asked for: copy-on-write). */
  copiedRows: arrow.RecordBatch | null;
  /** New images of updated rows whose values read the target, in the table's schema. */
  updated: arrow.RecordBatch[];
  /**
   * Per WHEN MATCHED clause whose assignments copy source columns only: the
   * source rows it updates here (in target-row order). Their new images are
   * the source rows themselves, gathered once for all files (see
   * {@link sourceUpdateSelections} and {@link sourceRows}).
   */
  sourceOnly: Map<number, Int32Array>;
  /** Old images of the updated rows. */
  preimages: arrow.RecordBatch[];
  /** Old images of deleted rows. */
  deleted: arrow.RecordBatch | null;
  counts: { matchedUpdated: number; matchedDeleted: number; bySourceUpdated: number; bySourceDeleted: number };
}

/**
 * Applies the actions the join decided to a touched file. With
 * `want.copied` (copy-on-write) the unchanged rows come back, with
 * `want.oldImages` (a change feed to write) the old images of changed rows;
 * for either the file is read entirely. Otherwise only the target columns the
 * updates read are (none when every column is assigned from the source: then
 * the file is not read at all).
 */
export async function changesOfFile(
  storage: Storage,
  snapshot: Snapshot,
  plan: MergePlan,
  source: SourceSide,
  match: FileMatch,
  want: { copied: boolean; oldImages: boolean },
  now: Date,
): Promise<FileChanges> {
  const whole = want.copied || want.oldImages;
  const table = snapshot.table;
  const fields = snapshot.arrowSchema.fields;
  const m = plan.matched.length;
  const clauses = m + plan.notMatchedBySource.length;
  // Changed positions and their source rows grouped by clause (each group ascending): a counting sort over the actions.
  const { positions, action: actionOf, sourceRow } = match;
  const start = new Int32Array(clauses + 1);
  for (let i = 0; i < positions.length; i++) start[actionOf[i] + 1]++;
  for (let c = 0; c < clauses; c++) start[c + 1] += start[c];
  const byClause = new Int32Array(positions.length);
  const sourceByClause = new Int32Array(positions.length);
  const fill = start.slice(0, clauses);
  for (let i = 0; i < positions.length; i++) {
    const k = fill[actionOf[i]]++;
    byClause[k] = positions[i];
    sourceByClause[k] = sourceRow[i];
  }

  const readsTarget = (clause: number) => {
    const action = clause < m ? plan.matched[clause] : plan.notMatchedBySource[clause - m];
    return action.kind === 'update' && !(clause < m && plan.matched[clause].sourceOnly);
  };
  let readNames = whole ? fields.map((f) => f.name) : plan.updateColumns;
  // Without a clause here that reads the target, its columns are not needed (deletes and source-only updates).
  if (!whole && !Array.from({ length: clauses }, (_, c) => c).some((c) => start[c + 1] > start[c] && readsTarget(c))) readNames = [];
  let read: arrow.RecordBatch | null = null;
  if (readNames.length > 0) {
    const { data } = await scanFileRows(storage, snapshot, match.add, readNames);
    if (data.numRows !== match.rows) {
      throw new Error(`File ${match.add.path} of Delta table ${table} changed while the merge read it (${match.rows} rows, now ${data.numRows})`);
    }
    const schema = new arrow.Schema(readNames.map((n) => fields.find((f) => f.name === n)!));
    read = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: data.numRows, nullCount: 0, children: contiguousColumns(data) }));
  }
  const aliasType = plan.schemas.target.fields[0].type as arrow.Struct;
  // The `target` alias struct of some rows: read columns gathered, the others NULL (no expression reads them).
  const targetRows = (at: Int32Array): arrow.Data => {
    const taken = read ? takeRows(read, at) : null;
    const children = aliasType.children.map((f) => {
      const i = readNames.indexOf(f.name);
      return taken && i >= 0 ? taken.data.children[i] : nullData(f.type, at.length);
    });
    return arrow.makeData({ type: aliasType, length: at.length, nullCount: 0, children });
  };
  const counts = { matchedUpdated: 0, matchedDeleted: 0, bySourceUpdated: 0, bySourceDeleted: 0 };
  const updated: arrow.RecordBatch[] = [];
  const sourceOnly = new Map<number, Int32Array>();
  const preimages: arrow.RecordBatch[] = [];
  const deletedIdx: Int32Array[] = [];
  for (let clause = 0; clause < clauses; clause++) {
    if (start[clause + 1] === start[clause]) continue;
    const rows = byClause.subarray(start[clause], start[clause + 1]);
    const isMatched = clause < m;
    const action = isMatched ? plan.matched[clause] : plan.notMatchedBySource[clause - m];
    if (action.kind === 'delete') {
      deletedIdx.push(rows);
      if (isMatched) counts.matchedDeleted += rows.length;
      else counts.bySourceDeleted += rows.length;
      continue;
    }
    const sourceIdx = sourceByClause.subarray(start[clause], start[clause + 1]);
    if (isMatched && plan.matched[clause].sourceOnly) {
      sourceOnly.set(clause, sourceIdx);
      counts.matchedUpdated += rows.length;
    } else {
      // The target rows only when an assignment reads them.
      let target: arrow.Data | null = null;
      const targetOf = () => (target ??= targetRows(rows));
      if (isMatched) {
        const sourceRows = takeRows(source.batch, sourceIdx).data;
        const batch = () => aliasedBatch(plan.schemas.fullPair, [sourceRows, targetOf()]);
        updated.push(assign(action.assignments, rows.length, batch, { source: sourceRows, target: targetOf }, snapshot.arrowSchema, table, now));
        counts.matchedUpdated += rows.length;
      } else {
        const batch = () => aliasedBatch(plan.schemas.target, [targetOf()]);
        updated.push(assign(action.assignments, rows.length, batch, { target: targetOf }, snapshot.arrowSchema, table, now));
        counts.bySourceUpdated += rows.length;
      }
    }
    if (want.oldImages) preimages.push(plainRows(snapshot.arrowSchema, read!, rows));
  }
  const deleted = deletedIdx.length === 1 ? deletedIdx[0] : concatRows(deletedIdx).sort();
  let copiedRows: arrow.RecordBatch | null = null;
  if (want.copied) {
    // The complement of the changed positions: long runs of rows, copied run by run.
    const keep = new Uint8Array(match.rows).fill(1);
    for (let i = 0; i < positions.length; i++) keep[positions[i]] = 0;
    const kept = keepRows(read!, keep);
    copiedRows = new arrow.RecordBatch(snapshot.arrowSchema, arrow.makeData({ type: new arrow.Struct(snapshot.arrowSchema.fields), length: kept.numRows, nullCount: 0, children: kept.data.children }));
  }
  return {
    match,
    changed: positions,
    copiedCount: match.rows - positions.length,
    copiedRows,
    updated,
    sourceOnly,
    preimages,
    deleted: want.oldImages && deleted.length > 0 ? plainRows(snapshot.arrowSchema, read!, deleted) : null,
    counts,
  };
}

/** Source rows (in any order; repeats allowed) that become new target rows through one clause's assignments. */
export interface SourceSelection {
  assignments: readonly Assignment[];
  rows: Int32Array;
}

/** The source rows each source-only WHEN MATCHED update clause updates, over every touched file. */
export function sourceUpdateSelections(plan: MergePlan, changes: readonly FileChanges[]): SourceSelection[] {
  const out: SourceSelection[] = [];
  plan.matched.forEach((clause, c) => {
    // In target order: sourceRows puts the rows of its gathers in source order.
    const rows = concatRows(changes.map((ch) => ch.sourceOnly.get(c)).filter((x): x is Int32Array => x !== undefined));
    if (rows.length > 0) out.push({ assignments: clause.assignments, rows });
  });
  return out;
}

/** Row lists end to end, in one array. */
export function concatRows(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let k = 0;
  for (const p of parts) {
    out.set(p, k);
    k += p.length;
  }
  return out;
}

/** Source rows that matched nothing, inserted by the first WHEN NOT MATCHED clause whose condition holds. */
export function insertSelections(plan: MergePlan, source: SourceSide, sourceMatched: Uint8Array, now: Date): SourceSelection[] {
  if (plan.notMatched.length === 0) return [];
  const masks = plan.notMatched.map((c) => (c.condition ? c.condition.mask(source.aliased, { now }).mask : null));
  const clauseOf = new Int8Array(source.batch.numRows).fill(-1);
  const counts = new Int32Array(plan.notMatched.length);
  for (let i = 0; i < clauseOf.length; i++) {
    if (sourceMatched[i]) continue;
    for (let c = 0; c < masks.length; c++) {
      const mask = masks[c];
      if (mask === null || mask[i] === 1) {
        clauseOf[i] = c;
        counts[c]++;
        break;
      }
    }
  }
  return plan.notMatched.flatMap((clause, c) => {
    if (counts[c] === 0) return [];
    const rows = new Int32Array(counts[c]);
    for (let i = 0, k = 0; i < clauseOf.length; i++) if (clauseOf[i] === c) rows[k++] = i;
    return [{ assignments: clause.assignments, rows }];
  });
}

/**
 * The new target rows of source selections: selections whose assignments
 * are alike (UPDATE SET * and INSERT *) are gathered from the source in one
 * pass, in source order.
 */
export function sourceRows(plan: MergePlan, source: SourceSide, selections: readonly SourceSelection[], targetSchema: arrow.Schema, table: string, now: Date): arrow.RecordBatch[] {
  const groups = new Map<string, SourceSelection[]>();
  for (const sel of selections) {
    const key = JSON.stringify(sel.assignments.map((a) => [a.column, a.copy, a.expr?.sql ?? null]));
    groups.set(key, [...(groups.get(key) ?? []), sel]);
  }
  return [...groups.values()].map((group) => {
    const rows = ascendingRows(group.map((g) => g.rows), source.batch.numRows);
    const assignments = group[0].assignments;
    // Copies only (UPDATE SET *, INSERT *): just the copied columns are gathered, not every source column.
    const copied = assignments.every((a) => a.expr === null) ? [...new Set(assignments.flatMap((a) => (a.copy ? [a.copy.column] : [])))] : null;
    const from = copied ? projectBatch(source.batch, copied) : source.batch;
    const taken = takeRows(from, rows).data;
    return assign(assignments, rows.length, () => aliasedBatch(plan.schemas.source, [taken]), { source: taken }, targetSchema, table, now);
  });
}

/** Rows of a whole-file batch in the table's schema. */
function plainRows(schema: arrow.Schema, read: arrow.RecordBatch, positions: Int32Array): arrow.RecordBatch {
  const taken = takeRows(read, positions);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: positions.length, nullCount: 0, children: taken.data.children }));
}

/** A column of `length` NULLs of any type. */
function nullData(type: arrow.DataType, length: number): arrow.Data {
  const nullBitmap = new Uint8Array((length + 7) >> 3);
  switch (type.typeId) {
    case arrow.Type.Struct:
      return arrow.makeData({ type: type as arrow.Struct, length, nullCount: length, nullBitmap, children: type.children.map((f) => nullData(f.type, length)) });
    case arrow.Type.List:
    case arrow.Type.Map:
      return arrow.makeData({
        type, length, nullCount: length, nullBitmap, valueOffsets: new Int32Array(length + 1), child: nullData(type.children[0].type, 0),
      } as never) as arrow.Data;
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
      return arrow.makeData({ type, length, nullCount: length, nullBitmap, valueOffsets: new Int32Array(length + 1), data: new Uint8Array(0) } as never) as arrow.Data;
    default:
      return arrow.vectorFromArray(new Array(length).fill(null), type).data[0];
  }
}

/** A batch whose top-level columns are the alias structs of `schema`. */
export function aliasedBatch(schema: arrow.Schema, rows: arrow.Data[]): arrow.RecordBatch {
  const length = rows[0].length;
  const children = rows.map((r, i) => arrow.makeData({ type: schema.fields[i].type as arrow.Struct, length, nullCount: 0, children: r.children }));
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children }));
}

/**
 * Evaluates assignments into a batch of `n` rows of the table's schema
 * (types normalized, NOT NULL checked by alignment). The aliased batch and
 * the target rows are built only if an assignment needs them.
 */
function assign(
  assignments: readonly Assignment[],
  n: number,
  batchOf: () => arrow.RecordBatch,
  sides: { source?: arrow.Data; target?: () => arrow.Data },
  targetSchema: arrow.Schema,
  table: string,
  now: Date,
): arrow.RecordBatch {
  const fields: arrow.Field[] = [];
  const columns: arrow.Data[] = [];
  let batch: arrow.RecordBatch | null = null;
  for (const a of assignments) {
    let data: arrow.Data | null = null;
    if (a.copy) {
      const side = a.copy.side === 'source' ? sides.source! : sides.target!();
      const i = (side.type as arrow.Struct).children.findIndex((f) => f.name === a.copy!.column);
      data = side.children[i];
    } else if (a.expr) {
      let vec: arrow.Vector;
      try {
        vec = a.expr.evaluate((batch ??= batchOf()), { now });
      } catch (err) {
        throw new MergeError(`MERGE into Delta table ${table}: cannot compute column '${a.column}' (${a.expr.sql}): ${(err as Error).message}`);
      }
      if (vec.type.typeId !== arrow.Type.Null) data = concatVector(vec);
    }
    // Unassigned (or NULL-typed) columns are left out: alignment fills them with NULLs, or refuses a NOT NULL column.
    if (data === null) continue;
    fields.push(new arrow.Field(a.column, data.type, true));
    columns.push(data);
  }
  const schema = new arrow.Schema(fields);
  const raw = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children: columns }));
  const { data } = alignToSchema(new arrow.Table(schema, [raw]), targetSchema, { table });
  return data.batches[0];
}
