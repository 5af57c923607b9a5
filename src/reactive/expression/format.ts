// Renders a syntax tree back to Spark SQL text, fully parenthesised so the
// result re-parses to the same tree.
import type { Expr, LiteralValue, TypeName } from './ast.ts';
import { formatDate, formatTimestamp } from './datetime.ts';

const quoteString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const ident = (name: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replace(/`/g, '``')}\``);

function literal(v: LiteralValue): string {
  switch (v.type) {
    case 'null': return 'NULL';
    case 'boolean': return v.value ? 'TRUE' : 'FALSE';
    case 'tinyint': return `${v.value}Y`;
    case 'smallint': return `${v.value}S`;
    case 'int': return String(v.value);
    case 'bigint': return `${v.value}L`;
    case 'double': return Number.isFinite(v.value) ? `${v.value}D` : `CAST('${v.value > 0 ? 'Infinity' : v.value < 0 ? '-Infinity' : 'NaN'}' AS DOUBLE)`;
    case 'float': return `${v.value}F`;
    case 'decimal': return `${v.text}BD`;
    case 'string': return quoteString(v.value);
    case 'date': return `DATE '${formatDate(v.value)}'`;
    case 'timestamp': return `TIMESTAMP '${formatTimestamp(v.value)}'`;
    case 'interval': return `INTERVAL ${v.months} MONTHS ${v.days} DAYS ${v.micros} MICROSECONDS`;
  }
}

function typeText(t: TypeName): string {
  return t.name === 'decimal' ? `DECIMAL(${t.precision},${t.scale})` : t.name.toUpperCase();
}

/** SQL text of an expression tree. */
export function formatExpression(e: Expr): string {
  const f = formatExpression;
  switch (e.kind) {
    case 'literal': return literal(e.value);
    case 'column': return ident(e.name);
    case 'field': return `${f(e.base)}.${ident(e.name)}`;
    case 'subscript': return `${f(e.base)}[${f(e.index)}]`;
    case 'unary': return e.op === 'NOT' ? `(NOT ${f(e.operand)})` : `(${e.op}${f(e.operand)})`;
    case 'binary': return `(${f(e.left)} ${e.op} ${f(e.right)})`;
    case 'is': return `(${f(e.operand)} IS ${e.negated ? 'NOT ' : ''}${e.test})`;
    case 'distinct': return `(${f(e.left)} IS ${e.negated ? 'NOT ' : ''}DISTINCT FROM ${f(e.right)})`;
    case 'in': return `(${f(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map(f).join(', ')}))`;
    case 'between': return `(${f(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${f(e.low)} AND ${f(e.high)})`;
    case 'like': return `(${f(e.operand)} ${e.negated ? 'NOT ' : ''}${e.op} ${f(e.pattern)}${e.escape !== null ? ` ESCAPE ${quoteString(e.escape)}` : ''})`;
    case 'case': return `CASE${e.operand ? ` ${f(e.operand)}` : ''}${e.branches.map((b) => ` WHEN ${f(b.when)} THEN ${f(b.then)}`).join('')}${e.otherwise ? ` ELSE ${f(e.otherwise)}` : ''} END`;
    case 'cast': return `${e.safe ? 'TRY_CAST' : 'CAST'}(${f(e.operand)} AS ${typeText(e.to)})`;
    case 'call': return `${e.name}(${e.args.map(f).join(', ')})`;
  }
}
