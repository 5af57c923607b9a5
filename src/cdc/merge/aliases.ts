// Name resolution of MERGE expressions. Conditions and assignments are Spark
// SQL over two aliases (`source`, `target`); a bare column name resolves to
// whichever side has it, as Spark does, and is ambiguous when both do. The
// rewritten tree reads `alias.column` — struct field access on the joined
// batch, whose top-level columns are the two aliases — and records which
// columns of each side it reads, so a scan can fetch only those.

import { parseExpression, type Expr } from '../../reactive/expression/index.ts';
import { MergeError } from './errors.ts';

/** The columns an expression may see: a side is absent (null) where SQL would not allow it. */
export interface Scope {
  sourceAlias: string;
  targetAlias: string;
  /** Source column names, or null when the clause cannot read the source (NOT MATCHED BY SOURCE). */
  source: readonly string[] | null;
  /** Target column names, or null when the clause cannot read the target (NOT MATCHED). */
  target: readonly string[] | null;
  /** The table, for messages. */
  table: string;
}

/** An expression with every column reference qualified by its alias. */
export interface QualifiedExpr {
  expr: Expr;
  /** Source columns read (schema spelling). */
  sourceColumns: Set<string>;
  /** Target columns read (schema spelling). */
  targetColumns: Set<string>;
}

/**
 * Parses `sql` and qualifies its columns within `scope`; `what` names the
 * clause in errors ("WHEN MATCHED condition").
 *
 * @example
 * qualify('seq > target.seq', { sourceAlias: 'source', targetAlias: 'target', source: ['id', 'seq'], target: ['id', 'seq', 'v'], table: '/t' }, 'condition')
 * // expr: source.seq > target.seq; sourceColumns {seq}; targetColumns {seq}
 */
export function qualify(sql: string, scope: Scope, what: string): QualifiedExpr {
  let parsed: Expr;
  try {
    parsed = parseExpression(sql);
  } catch (err) {
    throw new MergeError(`Invalid MERGE ${what} '${sql}' for Delta table ${scope.table}: ${(err as Error).message}`);
  }
  const out: QualifiedExpr = { expr: parsed, sourceColumns: new Set(), targetColumns: new Set() };
  const fail = (msg: string): never => {
    throw new MergeError(`Invalid MERGE ${what} '${sql}' for Delta table ${scope.table}: ${msg}`);
  };
  const find = (cols: readonly string[] | null, name: string): string | undefined =>
    cols ? (cols.find((c) => c === name) ?? cols.find((c) => c.toLowerCase() === name.toLowerCase())) : undefined;
  const side = (name: string): 'source' | 'target' | null => {
    const n = name.toLowerCase();
    if (n === scope.sourceAlias.toLowerCase()) return 'source';
    if (n === scope.targetAlias.toLowerCase()) return 'target';
    return null;
  };
  const ref = (which: 'source' | 'target', column: string, pos: number): Expr => {
    const cols = which === 'source' ? scope.source : scope.target;
    const alias = which === 'source' ? scope.sourceAlias : scope.targetAlias;
    if (!cols) return fail(`the ${which} (${alias}) cannot be referenced here`);
    const name = find(cols, column);
    if (name === undefined) return fail(`column '${column}' does not exist in the ${which} (${alias}: ${cols.join(', ')})`);
    (which === 'source' ? out.sourceColumns : out.targetColumns).add(name);
    return { kind: 'field', pos, base: { kind: 'column', pos, name: alias, quoted: true }, name };
  };

  const visit = (e: Expr): Expr => {
    switch (e.kind) {
      case 'literal':
        return e;
      case 'column': {
        const inSource = find(scope.source, e.name);
        const inTarget = find(scope.target, e.name);
        if (inSource !== undefined && inTarget !== undefined) {
          return fail(`column '${e.name}' is ambiguous: both the source and the target have it; write ${scope.sourceAlias}.${e.name} or ${scope.targetAlias}.${e.name}`);
        }
        if (inSource !== undefined) return ref('source', inSource, e.pos);
        if (inTarget !== undefined) return ref('target', inTarget, e.pos);
        const s = side(e.name);
        if (s) return fail(`'${e.name}' is a whole row; reference its columns as ${e.name}.<column>`);
        const visible = [...(scope.source ?? []), ...(scope.target ?? [])];
        return fail(`column '${e.name}' does not exist (columns: ${visible.join(', ')})`);
      }
      case 'field': {
        if (e.base.kind === 'column') {
          const s = side(e.base.name);
          if (s) return ref(s, e.name, e.pos);
        }
        return { ...e, base: visit(e.base) };
      }
      case 'subscript':
        return { ...e, base: visit(e.base), index: visit(e.index) };
      case 'unary':
        return { ...e, operand: visit(e.operand) };
      case 'binary':
        return { ...e, left: visit(e.left), right: visit(e.right) };
      case 'is':
        return { ...e, operand: visit(e.operand) };
      case 'distinct':
        return { ...e, left: visit(e.left), right: visit(e.right) };
      case 'in':
        return { ...e, operand: visit(e.operand), list: e.list.map(visit) };
      case 'between':
        return { ...e, operand: visit(e.operand), low: visit(e.low), high: visit(e.high) };
      case 'like':
        return { ...e, operand: visit(e.operand), pattern: visit(e.pattern) };
      case 'case':
        return {
          ...e,
          operand: e.operand ? visit(e.operand) : null,
          branches: e.branches.map((b) => ({ when: visit(b.when), then: visit(b.then) })),
          otherwise: e.otherwise ? visit(e.otherwise) : null,
        };
      case 'cast':
        return { ...e, operand: visit(e.operand) };
      case 'call':
        return { ...e, args: e.args.map(visit) };
    }
  };
  out.expr = visit(parsed);
  return out;
}

/** The conjuncts of `a AND b AND ...`. */
export function conjuncts(e: Expr): Expr[] {
  return e.kind === 'binary' && e.op === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** `a AND b AND ...` of a non-empty list. */
export function conjunction(parts: readonly Expr[]): Expr {
  return parts.reduce((l, r) => ({ kind: 'binary', pos: l.pos, op: 'AND', left: l, right: r }));
}

/** Which aliases a qualified expression reads. */
export function sidesOf(e: Expr, scope: Pick<Scope, 'sourceAlias' | 'targetAlias'>): { source: boolean; target: boolean } {
  const out = { source: false, target: false };
  const walk = (x: Expr): void => {
    if (x.kind === 'column') {
      if (x.name === scope.sourceAlias) out.source = true;
      else if (x.name === scope.targetAlias) out.target = true;
      return;
    }
    for (const child of childrenOf(x)) walk(child);
  };
  walk(e);
  return out;
}

/** The target column `e` reads when it is exactly `target.<column>` (or source, per `alias`). */
export function plainField(e: Expr, alias: string): string | null {
  return e.kind === 'field' && e.base.kind === 'column' && e.base.name === alias ? e.name : null;
}

/** The direct subexpressions of `e`. */
export function childrenOf(e: Expr): Expr[] {
  switch (e.kind) {
    case 'literal':
    case 'column':
      return [];
    case 'field':
      return [e.base];
    case 'subscript':
      return [e.base, e.index];
    case 'unary':
    case 'is':
    case 'cast':
      return [e.operand];
    case 'binary':
    case 'distinct':
      return [e.left, e.right];
    case 'in':
      return [e.operand, ...e.list];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'like':
      return [e.operand, e.pattern];
    case 'case':
      return [...(e.operand ? [e.operand] : []), ...e.branches.flatMap((b) => [b.when, b.then]), ...(e.otherwise ? [e.otherwise] : [])];
    case 'call':
      return e.args;
  }
}
