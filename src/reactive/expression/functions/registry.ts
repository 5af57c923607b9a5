// Every function callable from an expression, by lower-case name.
import type { FunctionImpl } from './helpers.ts';
import { STRING_FUNCTIONS } from './string.ts';
import { MATH_FUNCTIONS } from './math.ts';
import { DATETIME_FUNCTIONS } from './datetime.ts';
import { CONDITIONAL_FUNCTIONS } from './conditional.ts';

export type { FunctionImpl };

export const FUNCTIONS: Record<string, FunctionImpl> = Object.assign(Object.create(null) as Record<string, FunctionImpl>, STRING_FUNCTIONS, MATH_FUNCTIONS, DATETIME_FUNCTIONS, CONDITIONAL_FUNCTIONS);

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** Known function names close to `name` (edit distance ≤ 2, or sharing a prefix), best first. */
export function suggestFunctions(name: string): string[] {
  const lower = name.toLowerCase();
  return Object.keys(FUNCTIONS)
    .map((f) => [f, editDistance(lower, f) - (f.startsWith(lower) || lower.startsWith(f) ? 1 : 0)] as const)
    .filter(([f, d]) => d <= Math.max(1, Math.min(2, Math.floor(lower.length / 3))) || (lower.length >= 3 && f.includes(lower)))
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, 5)
    .map(([f]) => f);
}
