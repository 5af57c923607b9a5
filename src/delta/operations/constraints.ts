// Row-level rules a write must satisfy before any file is written: NOT NULL
// columns, column invariants (`delta.invariants` field metadata) and CHECK
// constraints (`delta.constraints.<name>` properties). As in Spark, a CHECK
// or invariant that evaluates to NULL is a violation.

import type * as arrow from 'apache-arrow';
import { compileSqlPredicate } from './predicate.ts';
import type { StructType, DeltaType } from '../schema.ts';

/** One rule on written rows. */
export interface RowConstraint {
  kind: 'check' | 'invariant';
  /** Constraint name (CHECK) or column path (invariant). */
  name: string;
  /** SQL boolean expression. */
  expression: string;
}

/** CHECK constraints and invariants of a table, in a stable order. */
export function tableConstraints(schema: StructType, configuration: Readonly<Record<string, string>>): RowConstraint[] {
  const out: RowConstraint[] = [];
  const visit = (type: DeltaType, prefix: string[]) => {
    if (typeof type === 'string' || type.type !== 'struct') return;
    for (const f of type.fields) {
      const path = [...prefix, f.name];
      const inv = f.metadata?.['delta.invariants'];
      // Spark stores a JSON string; accept an already-parsed object too.
      if (inv !== undefined) {
        const text = typeof inv === 'string' ? inv : JSON.stringify(inv);
        out.push({ kind: 'invariant', name: path.join('.'), expression: invariantExpression(text, path.join('.')) });
      }
      visit(f.type, path);
    }
  };
  visit(schema, []);
  for (const key of Object.keys(configuration).sort()) {
    if (key.startsWith('delta.constraints.')) {
      out.push({ kind: 'check', name: key.slice('delta.constraints.'.length), expression: configuration[key] });
    }
  }
  return out;
}

function invariantExpression(json: string, column: string): string {
  try {
    const v = JSON.parse(json) as { expression?: { expression?: unknown } };
    if (typeof v?.expression?.expression === 'string') return v.expression.expression;
  } catch {
    // fall through to the error below
  }
  throw new Error(`Column '${column}' has an unreadable delta.invariants value: ${json}`);
}

/**
 * Throws when a row of `data` violates a NOT NULL column, an invariant or a
 * CHECK constraint; the message names the constraint, the column(s) and the
 * offending values.
 *
 * @example
 * await enforceConstraints(data, schema, tableConstraints(schema, conf), '/t')
 * // Error: CHECK constraint positive_amount (amount > 0) violated by row with values: amount = -5 (Delta table /t)
 */
export async function enforceConstraints(data: arrow.Table, schema: StructType, constraints: readonly RowConstraint[], table: string): Promise<void> {
  enforceNotNull(data, schema, table);
  for (const c of constraints) {
    let compiled;
    try {
      compiled = await compileSqlPredicate(c.expression, data.schema, table);
    } catch (err) {
      throw new Error(`Cannot evaluate ${describe(c)} of Delta table ${table}: ${(err as Error).message}`);
    }
    for (const batch of data.batches) {
      const { mask, trueCount } = compiled.mask(batch);
      if (trueCount === batch.numRows) continue;
      const row = mask.indexOf(0);
      const values = compiled.columns.map((col: string) => `${col} = ${show(batch.getChild(col)?.get(row))}`).join(', ');
      throw new Error(`${describe(c)} violated by row with values: ${values} (Delta table ${table}); nothing was written`);
    }
  }
}

function describe(c: RowConstraint): string {
  return c.kind === 'check' ? `CHECK constraint ${c.name} (${c.expression})` : `Invariant (${c.expression}) on column ${c.name}`;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object' && 'toJSON' in (v as object)) return JSON.stringify(v);
  return String(v);
}

/** NOT NULL: top-level non-nullable columns, and nested ones wherever their parent struct is present. */
function enforceNotNull(data: arrow.Table, schema: StructType, table: string): void {
  const check = (vec: arrow.Vector | null, type: DeltaType, nullable: boolean, path: string[], parentValid: ((r: number) => boolean) | null) => {
    if (!vec) return;
    // nullCount is a popcount of the validity bitmap: no nulls means nothing to check row by row.
    if (!nullable && vec.nullCount > 0) {
      for (let r = 0; r < vec.length; r++) {
        if ((parentValid === null || parentValid(r)) && !vec.isValid(r)) {
          throw new Error(`NOT NULL constraint violated for column ${path.join('.')} at row ${r}: the value is NULL (Delta table ${table}); nothing was written`);
        }
      }
    }
    if (typeof type !== 'string' && type.type === 'struct') {
      const valid = (r: number) => (parentValid === null || parentValid(r)) && vec.isValid(r);
      type.fields.forEach((f, j) => {
        check((vec as arrow.Vector<arrow.Struct>).getChildAt(j) as arrow.Vector | null, f.type, f.nullable, [...path, f.name], valid);
      });
    }
  };
  for (const batch of data.batches) {
    for (const f of schema.fields) {
      check(batch.getChild(f.name) as arrow.Vector | null, f.type, f.nullable, [f.name], null);
    }
  }
}
