// Splits `expr AS alias` for select: the alias is a trailing `AS name` outside
// any parentheses or brackets (so `CAST(x AS INT)` keeps its AS).
import { tokenize } from '../expression/lexer.ts';

/** An output expression and its alias, if one was written. */
export interface AliasedExpression {
  /** The expression text without the alias. */
  sql: string;
  /** The name after `AS` (backticks removed), or undefined. */
  alias: string | undefined;
}

/**
 * Splits a trailing `AS alias` (identifier or `` `quoted name` ``, keyword
 * case-insensitive) off an expression. Text that does not tokenize is returned
 * whole so the expression compiler reports the error with its position.
 * @example splitAlias('amount * 2 AS doubled') → { sql: 'amount * 2', alias: 'doubled' }
 */
export function splitAlias(text: string): AliasedExpression {
  let tokens;
  try {
    tokens = tokenize(text);
  } catch {
    return { sql: text, alias: undefined };
  }
  // tokens end with eof: [..., AS, name, eof]
  const n = tokens.length;
  if (n < 4) return { sql: text, alias: undefined };
  const as = tokens[n - 3]!;
  const name = tokens[n - 2]!;
  if (as.kind !== 'ident' || as.text.toUpperCase() !== 'AS' || (name.kind !== 'ident' && name.kind !== 'quoted')) return { sql: text, alias: undefined };
  let depth = 0;
  for (let i = 0; i < n - 3; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'op') continue;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
  }
  if (depth !== 0) return { sql: text, alias: undefined };
  return { sql: text.slice(0, as.pos).trimEnd(), alias: name.text };
}
