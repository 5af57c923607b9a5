// Tokenizer for Spark SQL expression text.
import { ExpressionSyntaxError } from './errors.ts';

export type TokenKind = 'number' | 'string' | 'ident' | 'quoted' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier/keyword text as written, operator symbol, decoded string, or number text (without suffix). */
  text: string;
  /** Number literal suffix, upper-cased: L, S, Y, D, F, BD, or ''. */
  suffix: string;
  pos: number;
  end: number;
}

const OPERATORS = ['<=>', '<=', '>=', '<>', '!=', '==', '||', '::', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '(', ')', ',', '.', '[', ']'];

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c > '\x7f';
const isIdentPart = (c: string): boolean => isIdentStart(c) || isDigit(c);

/** Splits `sql` into tokens, ending with an `eof` token. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '-' && sql[i + 1] === '-') { while (i < n && sql[i] !== '\n') i++; continue; }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new ExpressionSyntaxError('unterminated comment', sql, i);
      i = close + 2;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(sql[i + 1] ?? ''))) {
      while (i < n && isDigit(sql[i])) i++;
      if (sql[i] === '.' && !isIdentStart(sql[i + 1] ?? '')) { i++; while (i < n && isDigit(sql[i])) i++; }
      if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql[i + 1] ?? '') || ((sql[i + 1] === '+' || sql[i + 1] === '-') && isDigit(sql[i + 2] ?? '')))) {
        i += 2;
        while (i < n && isDigit(sql[i])) i++;
      }
      const text = sql.slice(start, i);
      let suffix = '';
      const rest = sql.slice(i, i + 3).toUpperCase();
      if (rest.startsWith('BD') && !isIdentPart(sql[i + 2] ?? '')) suffix = 'BD';
      else if (/^[LSYDF]/.test(rest) && !isIdentPart(sql[i + 1] ?? '')) suffix = rest[0];
      i += suffix.length;
      if (isIdentPart(sql[i] ?? '')) throw new ExpressionSyntaxError(`invalid number literal '${sql.slice(start, i + 1)}'`, sql, start);
      tokens.push({ kind: 'number', text, suffix, pos: start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      const [value, next] = readString(sql, i);
      tokens.push({ kind: 'string', text: value, suffix: '', pos: start, end: next });
      i = next;
      continue;
    }
    if (c === '`') {
      let text = '';
      i++;
      for (;;) {
        if (i >= n) throw new ExpressionSyntaxError('unterminated quoted identifier', sql, start);
        if (sql[i] === '`') {
          if (sql[i + 1] === '`') { text += '`'; i += 2; continue; }
          i++;
          break;
        }
        text += sql[i++];
      }
      tokens.push({ kind: 'quoted', text, suffix: '', pos: start, end: i });
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(sql[i])) i++;
      tokens.push({ kind: 'ident', text: sql.slice(start, i), suffix: '', pos: start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => sql.startsWith(o, i));
    if (!op) throw new ExpressionSyntaxError(`unexpected character '${c}'`, sql, i);
    tokens.push({ kind: 'op', text: op, suffix: '', pos: start, end: i + op.length });
    i += op.length;
  }
  tokens.push({ kind: 'eof', text: '', suffix: '', pos: n, end: n });
  return tokens;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', '0': '\0', Z: '\x1a', '%': '\\%', _: '\\_' };

/** Reads a quoted string starting at `start`; backslash escapes as in Spark (`\%` and `\_` keep their backslash for LIKE). */
function readString(sql: string, start: number): [string, number] {
  const quote = sql[start];
  let out = '';
  let i = start + 1;
  for (;;) {
    if (i >= sql.length) throw new ExpressionSyntaxError('unterminated string literal', sql, start);
    const c = sql[i];
    if (c === quote) return [out, i + 1];
    if (c === '\\' && i + 1 < sql.length) {
      const e = sql[i + 1];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(sql.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(sql.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      out += SIMPLE_ESCAPES[e] ?? e;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
}
