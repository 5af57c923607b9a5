// From MergeOptions to a checked plan: the join split into equi-join keys
// (hashable), a residual condition and target-only conjuncts (for pruning);
// every clause condition and assignment qualified, type-checked and compiled
// before the first file is read, so bad SQL fails with nothing written.

import * as arrow from 'apache-arrow';
import type { Expr, TypeName } from '../../reactive/expression/index.ts';
import { compileExpression, compilePredicate, type CompiledExpression, type CompiledPredicate } from '../../reactive/expression/index.ts';
import { sameType } from '../../delta/operations/align.ts';
import { childrenOf, conjunction, conjuncts, plainField, qualify, sidesOf, type QualifiedExpr, type Scope } from './aliases.ts';
import { MergeError } from './errors.ts';
import type { MergeOptions } from './options.ts';

/** One equi-join key: a target column equal to an expression over the source. */
export interface JoinKey {
  target: string;
  /** Over the source alias only, cast to the target column's type when they differ. */
  source: CompiledExpression;
  /** The source column when the key is that column as it is (same type): its values are taken, not evaluated. */
  sourceColumn: string | null;
}

/** A value to store in a target column: an expression, or NULL (unassigned insert column). */
export interface Assignment {
  column: string;
  type: arrow.DataType;
  /** The side and column when the value is a plain column reference of the right type (copied without evaluation). */
  copy: { side: 'source' | 'target'; column: string } | null;
  /** Compiled over the clause's full batch schema; null for NULL. */
  expr: CompiledExpression | null;
  /** Target columns the value reads. */
  targetColumns: string[];
}

/**
 * A clause condition, compiled for the cheapest batch that can evaluate it:
 * the source rows alone, the target rows alone, or joined pairs.
 */
export interface SidedPredicate {
  side: 'source' | 'target' | 'pair';
  predicate: CompiledPredicate;
}

export interface MatchedAction {
  condition: SidedPredicate | null;
  conditionText?: string;
  kind: 'update' | 'delete';
  /** Every target column, in table order (update only). */
  assignments: Assignment[];
  /** An update whose values are source columns (or NULL) only: its new rows are source rows, not read from the target. */
  sourceOnly: boolean;
}

export interface InsertAction {
  /** Over the source alone. */
  condition: CompiledPredicate | null;
  conditionText?: string;
  assignments: Assignment[];
}

/** The checked plan of one merge call. */
export interface MergePlan {
  scope: Scope;
  keys: JoinKey[];
  /** Keys match NULL to NULL (`<=>`), see MergeOptions.nullSafeKeys. */
  nullSafe: boolean;
  /** ON conjuncts other than the keys, each compiled for the side(s) it reads. */
  residual: SidedPredicate[];
  /** ON conjuncts over the target only: a target row failing them matches nothing. */
  targetOnly: Expr[];
  matched: MatchedAction[];
  notMatched: InsertAction[];
  notMatchedBySource: MatchedAction[];
  /** Target columns the matching pass reads: keys, residual, clause conditions. */
  probeColumns: string[];
  /** Source columns the matching pass needs in joined batches. */
  probeSourceColumns: string[];
  /** Target columns that updates read (the rest of a masked file need not be read in deletion-vector mode). */
  updateColumns: string[];
  /** Schemas the compiled expressions expect. */
  schemas: {
    /** [source: all source columns, target: probe columns] — residual and WHEN MATCHED conditions. */
    probePair: arrow.Schema;
    /** [target: probe columns] — WHEN NOT MATCHED BY SOURCE conditions. */
    probeTarget: arrow.Schema;
    /** [source: all, target: all] — WHEN MATCHED assignments. */
    fullPair: arrow.Schema;
    /** [source: all] — WHEN NOT MATCHED conditions and assignments. */
    source: arrow.Schema;
    /** [target: all] — WHEN NOT MATCHED BY SOURCE assignments. */
    target: arrow.Schema;
  };
  /** Spark-style operationParameters of the commit. */
  operationParameters: Record<string, string>;
}

/**
 * Checks and compiles the merge options against the source and target schemas.
 * Throws {@link MergeError} naming the clause, the SQL and the column.
 */
export function planMerge(options: MergeOptions, sourceSchema: arrow.Schema, targetSchema: arrow.Schema, table: string): MergePlan {
  const sourceAlias = options.sourceAlias ?? 'source';
  const targetAlias = options.targetAlias ?? 'target';
  if (sourceAlias.toLowerCase() === targetAlias.toLowerCase()) {
    throw new MergeError(`MERGE into Delta table ${table}: the source and target aliases must differ (both are '${sourceAlias}')`);
  }
  const sourceNames = sourceSchema.fields.map((f) => f.name);
  const targetNames = targetSchema.fields.map((f) => f.name);
  const both: Scope = { sourceAlias, targetAlias, source: sourceNames, target: targetNames, table };
  const sourceOnly: Scope = { ...both, target: null };
  const targetOnlyScope: Scope = { ...both, source: null };

  const struct = (alias: string, fields: readonly arrow.Field[]) => new arrow.Field(alias, new arrow.Struct(fields.map((f) => new arrow.Field(f.name, f.type, true))), false);
  const targetField = (name: string) => targetSchema.fields.find((f) => f.name === name)!;

  // ON: key columns, or SQL split into equalities target.col = f(source), target-only and residual conjuncts.
  const keys: { target: string; source: QualifiedExpr }[] = [];
  const residualParts: QualifiedExpr[] = [];
  const targetOnly: Expr[] = [];
  let onText: string;
  const onList = Array.isArray(options.on) ? options.on : isKeyName(options.on, sourceNames, targetNames) ? [options.on] : null;
  if (onList) {
    if (onList.length === 0) throw new MergeError(`MERGE into Delta table ${table}: 'on' lists no key columns`);
    for (const k of onList) {
      const t = findName(targetNames, k);
      if (t === undefined) throw new MergeError(`MERGE key column '${k}' does not exist in Delta table ${table} (columns: ${targetNames.join(', ')})`);
      const s = findName(sourceNames, k);
      if (s === undefined) throw new MergeError(`MERGE key column '${k}' is missing from the source (source columns: ${sourceNames.join(', ')}); Delta table ${table}`);
      keys.push({ target: t, source: qualify(`${quote(sourceAlias)}.${quote(s)}`, sourceOnly, 'key') });
    }
    onText = onList.map((k) => `${targetAlias}.${k} = ${sourceAlias}.${k}`).join(' AND ');
  } else {
    onText = options.on as string;
    const on = qualify(onText, both, 'ON condition');
    for (const part of conjuncts(on.expr)) {
      const sides = sidesOf(part, both);
      const key = part.kind === 'binary' && part.op === '=' ? equiKey(part.left, part.right, both) : null;
      if (key) {
        keys.push({ target: key.target, source: { expr: key.source, sourceColumns: new Set(), targetColumns: new Set() } });
        continue;
      }
      if (!sides.source && sides.target) targetOnly.push(part);
      residualParts.push({ expr: part, sourceColumns: new Set(), targetColumns: new Set() });
    }
    // Column sets of each part, from its (already qualified) tree.
    for (const k of keys) Object.assign(k.source, qualifyExpr(k.source.expr, sourceOnly));
    for (const r of residualParts) Object.assign(r, qualifyExpr(r.expr, both));
  }

  // Clause conditions and assignments, qualified.
  const matchedQ = (options.whenMatched ?? []).map((c, i) => {
    const what = `WHEN MATCHED clause ${i + 1}`;
    if ((c.update === undefined) === (c.delete === undefined)) {
      throw new MergeError(`MERGE into Delta table ${table}: ${what} needs exactly one of 'update' or 'delete'`);
    }
    const condition = c.condition !== undefined ? qualify(c.condition, both, `${what} condition`) : null;
    const set = c.update === undefined ? null : c.update === '*' ? starAssignments(sourceNames, targetNames, sourceAlias, table, what) : c.update;
    const assignments = set ? qualifyAssignments(set, both, targetNames, targetAlias, table, what) : null;
    return { condition, kind: c.delete ? ('delete' as const) : ('update' as const), assignments, text: c.condition };
  });
  const notMatchedQ = (options.whenNotMatched ?? []).map((c, i) => {
    const what = `WHEN NOT MATCHED clause ${i + 1}`;
    if (c.insert === undefined) throw new MergeError(`MERGE into Delta table ${table}: ${what} needs 'insert'`);
    const condition = c.condition !== undefined ? qualify(c.condition, sourceOnly, `${what} condition`) : null;
    const set = c.insert === '*' ? starAssignments(sourceNames, targetNames, sourceAlias, table, what) : c.insert;
    return { condition, assignments: qualifyAssignments(set, sourceOnly, targetNames, targetAlias, table, what), text: c.condition };
  });
  const bySourceQ = (options.whenNotMatchedBySource ?? []).map((c, i) => {
    const what = `WHEN NOT MATCHED BY SOURCE clause ${i + 1}`;
    if ((c.update === undefined) === (c.delete === undefined)) {
      throw new MergeError(`MERGE into Delta table ${table}: ${what} needs exactly one of 'update' or 'delete'`);
    }
    if ((c.update as unknown) === '*') throw new MergeError(`MERGE into Delta table ${table}: ${what} cannot update '*' (there is no source row)`);
    const condition = c.condition !== undefined ? qualify(c.condition, targetOnlyScope, `${what} condition`) : null;
    const assignments = c.update ? qualifyAssignments(c.update, targetOnlyScope, targetNames, targetAlias, table, what) : null;
    return { condition, kind: c.delete ? ('delete' as const) : ('update' as const), assignments, text: c.condition };
  });
  // Spark: only the last clause of each kind may omit its condition (later ones could never apply).
  for (const [list, what] of [[matchedQ, 'WHEN MATCHED'], [notMatchedQ, 'WHEN NOT MATCHED'], [bySourceQ, 'WHEN NOT MATCHED BY SOURCE']] as const) {
    list.forEach((c, i) => {
      if (!c.condition && i < list.length - 1) {
        throw new MergeError(`MERGE into Delta table ${table}: ${what} clause ${i + 1} has no condition but is not the last ${what} clause, so the clauses after it could never apply`);
      }
    });
  }
  if (matchedQ.length + notMatchedQ.length + bySourceQ.length === 0) {
    throw new MergeError(`MERGE into Delta table ${table} needs at least one WHEN MATCHED, WHEN NOT MATCHED or WHEN NOT MATCHED BY SOURCE clause`);
  }

  // Columns the matching pass reads.
  const probe = new Set<string>(keys.map((k) => k.target));
  const probeSource = new Set<string>();
  const note = (q: QualifiedExpr | null) => {
    if (!q) return;
    for (const c of q.targetColumns) probe.add(c);
    for (const c of q.sourceColumns) probeSource.add(c);
  };
  residualParts.forEach(note);
  matchedQ.forEach((c) => note(c.condition));
  bySourceQ.forEach((c) => note(c.condition));
  const probeColumns = targetNames.filter((n) => probe.has(n));
  if (probeColumns.length === 0) probeColumns.push(targetNames[0]); // a scan needs one column to count rows

  const sourceStruct = struct(sourceAlias, sourceSchema.fields);
  const targetStruct = struct(targetAlias, targetSchema.fields);
  const probeStruct = struct(targetAlias, probeColumns.map(targetField));
  const schemas = {
    probePair: new arrow.Schema([sourceStruct, probeStruct]),
    probeTarget: new arrow.Schema([probeStruct]),
    fullPair: new arrow.Schema([sourceStruct, targetStruct]),
    source: new arrow.Schema([sourceStruct]),
    target: new arrow.Schema([targetStruct]),
  };

  const predicate = (q: QualifiedExpr | null, schema: arrow.Schema, what: string, sql: string | undefined): CompiledPredicate | null => {
    if (!q) return null;
    try {
      return compilePredicate(q.expr, schema, { table });
    } catch (err) {
      throw new MergeError(`Invalid MERGE ${what} '${sql ?? ''}' for Delta table ${table}: ${(err as Error).message}`);
    }
  };
  const compileKeys: JoinKey[] = keys.map((k) => {
    const t = targetField(k.target);
    let expr = k.source.expr;
    let compiled = compileSafe(expr, schemas.source, table, `key for target column '${k.target}'`);
    if (!sameType(compiled.type, t.type)) {
      const to = typeNameOf(t.type);
      if (!to) throw new MergeError(`MERGE key column '${k.target}' of Delta table ${table} has type ${String(t.type)}, which cannot be joined on`);
      expr = { kind: 'cast', pos: expr.pos, operand: expr, to, safe: false };
      compiled = compileSafe(expr, schemas.source, table, `key for target column '${k.target}'`);
      return { target: k.target, source: compiled, sourceColumn: null };
    }
    return { target: k.target, source: compiled, sourceColumn: plainField(k.source.expr, sourceAlias) };
  });
  // Compiles a condition over both sides for the narrowest batch that has what it reads.
  const sided = (q: QualifiedExpr | null, what: string, sql: string | undefined): SidedPredicate | null => {
    if (!q) return null;
    const side = q.sourceColumns.size > 0 ? (q.targetColumns.size > 0 ? 'pair' : 'source') : q.targetColumns.size > 0 ? 'target' : 'source';
    const schema = side === 'pair' ? schemas.probePair : side === 'source' ? schemas.source : schemas.probeTarget;
    return { side, predicate: predicate(q, schema, what, sql)! };
  };
  const residual: SidedPredicate[] = [];
  for (const side of ['source', 'target', 'pair'] as const) {
    const parts = residualParts.filter((r) => (r.sourceColumns.size > 0 ? (r.targetColumns.size > 0 ? 'pair' : 'source') : r.targetColumns.size > 0 ? 'target' : 'source') === side);
    if (parts.length > 0) residual.push(sided({ expr: conjunction(parts.map((p) => p.expr)), sourceColumns: new Set(parts.flatMap((p) => [...p.sourceColumns])), targetColumns: new Set(parts.flatMap((p) => [...p.targetColumns])) }, 'ON condition', onText)!);
  }

  // Updates keep unassigned columns (copied from the target row); inserts leave them NULL.
  const assignmentsOf = (set: Map<string, QualifiedExpr | null>, schema: arrow.Schema, what: string, keep: boolean): Assignment[] =>
    targetNames.map((name) => {
      const type = targetField(name).type;
      if (!set.has(name)) return { column: name, type, copy: keep ? { side: 'target', column: name } : null, expr: null, targetColumns: keep ? [name] : [] };
      const q = set.get(name)!;
      if (!q) return { column: name, type, copy: null, expr: null, targetColumns: [] };
      const from = plainField(q.expr, sourceAlias) ?? plainField(q.expr, targetAlias);
      const side = plainField(q.expr, sourceAlias) !== null ? 'source' : 'target';
      if (from !== null) {
        const f = (side === 'source' ? sourceSchema : targetSchema).fields.find((x) => x.name === from)!;
        if (sameType(f.type, type)) return { column: name, type, copy: { side, column: from }, expr: null, targetColumns: side === 'target' ? [from] : [] };
      }
      let expr = compileSafe(q.expr, schema, table, `${what} value of column '${name}'`);
      if (!sameType(expr.type, type) && expr.type.typeId !== arrow.Type.Null) {
        const to = typeNameOf(type);
        // Spark's ANSI store assignment: numbers convert among themselves, anything atomic to string, dates to timestamps and back.
        if (!to || !storeAssignable(expr.type, type)) {
          throw new MergeError(
            `MERGE into Delta table ${table}: ${what} cannot store ${String(expr.type)} value \`${expr.sql}\` in column '${name}' of type ${String(type)}; CAST it explicitly`,
          );
        }
        expr = compileSafe({ kind: 'cast', pos: q.expr.pos, operand: q.expr, to, safe: false }, schema, table, `${what} value of column '${name}'`);
      }
      return { column: name, type, copy: null, expr, targetColumns: [...q.targetColumns] };
    });

  const matched: MatchedAction[] = matchedQ.map((c, i) => {
    const assignments = c.assignments ? assignmentsOf(c.assignments, schemas.fullPair, `WHEN MATCHED clause ${i + 1}`, true) : [];
    return {
      condition: sided(c.condition, `WHEN MATCHED clause ${i + 1} condition`, c.text),
      conditionText: c.text,
      kind: c.kind,
      assignments,
      sourceOnly: c.kind === 'update' && assignments.every((a) => (a.copy ? a.copy.side === 'source' : a.expr === null)),
    };
  });
  const notMatched: InsertAction[] = notMatchedQ.map((c, i) => ({
    condition: predicate(c.condition, schemas.source, `WHEN NOT MATCHED clause ${i + 1} condition`, c.text),
    conditionText: c.text,
    assignments: assignmentsOf(c.assignments, schemas.source, `WHEN NOT MATCHED clause ${i + 1}`, false),
  }));
  const notMatchedBySource: MatchedAction[] = bySourceQ.map((c, i) => ({
    condition: c.condition ? { side: 'target', predicate: predicate(c.condition, schemas.probeTarget, `WHEN NOT MATCHED BY SOURCE clause ${i + 1} condition`, c.text)! } : null,
    conditionText: c.text,
    kind: c.kind,
    assignments: c.assignments ? assignmentsOf(c.assignments, schemas.target, `WHEN NOT MATCHED BY SOURCE clause ${i + 1}`, true) : [],
    sourceOnly: false,
  }));

  const describe = (list: { kind?: string; text?: string }[], fallback: string) =>
    JSON.stringify(list.map((c) => ({ ...(c.text !== undefined ? { predicate: c.text } : {}), actionType: c.kind ?? fallback })));
  return {
    scope: both,
    keys: compileKeys,
    nullSafe: options.nullSafeKeys === true,
    residual,
    targetOnly,
    matched,
    notMatched,
    notMatchedBySource,
    probeColumns,
    probeSourceColumns: sourceNames.filter((n) => probeSource.has(n)),
    updateColumns: targetNames.filter((n) => [...matched, ...notMatchedBySource].some((c) => c.assignments.some((a) => a.targetColumns.includes(n)))),
    schemas,
    operationParameters: {
      predicate: JSON.stringify([onText]),
      matchedPredicates: describe(matchedQ, 'update'),
      notMatchedPredicates: describe(notMatchedQ.map((c) => ({ text: c.text, kind: 'insert' })), 'insert'),
      notMatchedBySourcePredicates: describe(bySourceQ, 'update'),
    },
  };
}

/** A `target.col = <source expression>` (either way round), or null. */
function equiKey(left: Expr, right: Expr, scope: Scope): { target: string; source: Expr } | null {
  for (const [t, s] of [[left, right], [right, left]] as const) {
    const col = plainField(t, scope.targetAlias);
    if (col === null) continue;
    const sides = sidesOf(s, scope);
    if (sides.source && !sides.target) return { target: col, source: s };
  }
  return null;
}

/** Column sets of an already qualified expression (its `alias.column` fields). */
function qualifyExpr(e: Expr, scope: Scope): { sourceColumns: Set<string>; targetColumns: Set<string> } {
  const out = { sourceColumns: new Set<string>(), targetColumns: new Set<string>() };
  const walk = (x: Expr): void => {
    const s = plainField(x, scope.sourceAlias);
    const t = plainField(x, scope.targetAlias);
    if (s !== null) out.sourceColumns.add(s);
    else if (t !== null) out.targetColumns.add(t);
    else childrenOf(x).forEach(walk);
  };
  walk(e);
  return out;
}

/** `UPDATE SET *` / `INSERT *`: every target column from the same-named source column. */
function starAssignments(sourceNames: readonly string[], targetNames: readonly string[], sourceAlias: string, table: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const t of targetNames) {
    const s = findName(sourceNames, t);
    if (s === undefined) missing.push(t);
    else out[t] = `${quote(sourceAlias)}.${quote(s)}`;
  }
  if (missing.length > 0) {
    throw new MergeError(
      `MERGE into Delta table ${table}: ${what} assigns '*' but the source lacks target column(s) ${missing.map((m) => `'${m}'`).join(', ')} ` +
        `(source columns: ${sourceNames.join(', ')}); list the assignments explicitly`,
    );
  }
  return out;
}

function qualifyAssignments(
  set: Record<string, string>,
  scope: Scope,
  targetNames: readonly string[],
  targetAlias: string,
  table: string,
  what: string,
): Map<string, QualifiedExpr | null> {
  const out = new Map<string, QualifiedExpr | null>();
  for (const [key, sql] of Object.entries(set)) {
    const bare = key.toLowerCase().startsWith(`${targetAlias.toLowerCase()}.`) ? key.slice(targetAlias.length + 1) : key;
    const name = findName(targetNames, bare.replace(/^`(.*)`$/, '$1'));
    if (name === undefined) {
      throw new MergeError(`MERGE into Delta table ${table}: ${what} assigns column '${key}', which the table does not have (columns: ${targetNames.join(', ')})`);
    }
    if (out.has(name)) throw new MergeError(`MERGE into Delta table ${table}: ${what} assigns column '${name}' twice`);
    out.set(name, qualify(sql, scope, `${what} value of column '${name}'`));
  }
  return out;
}

function compileSafe(expr: Expr, schema: arrow.Schema, table: string, what: string): CompiledExpression {
  try {
    return compileExpression(expr, schema, { table });
  } catch (err) {
    throw new MergeError(`Invalid MERGE ${what} for Delta table ${table}: ${(err as Error).message}`);
  }
}

function findName(names: readonly string[], name: string): string | undefined {
  return names.find((n) => n === name) ?? names.find((n) => n.toLowerCase() === name.toLowerCase());
}

/** True when `on` is a bare column name both sides have (the key-list shorthand). */
function isKeyName(on: string, sourceNames: readonly string[], targetNames: readonly string[]): boolean {
  const name = on.trim().replace(/^`(.*)`$/, '$1');
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(on.trim()) || /^`[^`]+`$/.test(on.trim())
    ? findName(sourceNames, name) !== undefined && findName(targetNames, name) !== undefined
    : false;
}

function quote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** Whether Spark's ANSI store assignment converts `from` to `to` implicitly. */
function storeAssignable(from: arrow.DataType, to: arrow.DataType): boolean {
  const numeric = (t: arrow.DataType) => t.typeId === arrow.Type.Int || t.typeId === arrow.Type.Float || t.typeId === arrow.Type.Decimal;
  const datetime = (t: arrow.DataType) => t.typeId === arrow.Type.Date || t.typeId === arrow.Type.Timestamp;
  if (numeric(from) && numeric(to)) return true;
  if (datetime(from) && datetime(to)) return true;
  return to.typeId === arrow.Type.Utf8 && typeNameOf(from) !== null;
}

/** The CAST target of an Arrow type, when SQL can cast to it. */
export function typeNameOf(type: arrow.DataType): TypeName | null {
  switch (type.typeId) {
    case arrow.Type.Int:
      switch ((type as arrow.Int).bitWidth) {
        case 8: return { name: 'tinyint' };
        case 16: return { name: 'smallint' };
        case 32: return { name: 'int' };
        default: return { name: 'bigint' };
      }
    case arrow.Type.Float:
      return { name: (type as arrow.Float).precision === arrow.Precision.SINGLE ? 'float' : 'double' };
    case arrow.Type.Utf8:
      return { name: 'string' };
    case arrow.Type.Bool:
      return { name: 'boolean' };
    case arrow.Type.Date:
      return { name: 'date' };
    case arrow.Type.Timestamp:
      return { name: (type as arrow.Timestamp).timezone ? 'timestamp' : 'timestamp_ntz' };
    case arrow.Type.Decimal:
      return { name: 'decimal', precision: (type as arrow.Decimal).precision, scale: (type as arrow.Decimal).scale };
    default:
      return null;
  }
}
