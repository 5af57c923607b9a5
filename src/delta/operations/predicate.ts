// SQL predicates (CHECK constraints, invariants, replaceWhere) compiled by the
// expression engine. Loaded on first use, so writes to tables without any
// predicate never depend on it.

import type * as arrow from 'apache-arrow';
import type { CompiledPredicate } from '../../reactive/expression/index.ts';

export type { CompiledPredicate } from '../../reactive/expression/index.ts';

/**
 * Compiles a boolean SQL expression against `schema` (SQL three-valued logic;
 * `mask()` marks rows where it is TRUE).
 *
 * @example
 * const p = await compileSqlPredicate('amount > 0', batch.schema, '/t');
 * p.mask(batch).trueCount;
 */
export async function compileSqlPredicate(sql: string, schema: arrow.Schema, table: string): Promise<CompiledPredicate> {
  const { compilePredicate } = await import('../../reactive/expression/index.ts');
  return compilePredicate(sql, schema, { table });
}
