// Parser tests: precedence and associativity (checked through the fully
// parenthesised re-rendering), every construct, and error messages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseExpression, ExpressionSyntaxError } from '../../../src/reactive/expression/index.ts';
import { formatExpression } from '../../../src/reactive/expression/format.ts';

const shape = (sql: string): string => formatExpression(parseExpression(sql));

test('precedence: OR < AND < NOT < comparison < | < ^ < & < additive < multiplicative < unary', () => {
  assert.is(shape('a OR b AND c'), '(a OR (b AND c))');
  assert.is(shape('NOT a = b AND c'), '((NOT (a = b)) AND c)');
  assert.is(shape('a = 1 OR NOT b'), '((a = 1) OR (NOT b))');
  assert.is(shape('a + b * c'), '(a + (b * c))');
  assert.is(shape('a * b + c'), '((a * b) + c)');
  assert.is(shape('a + b = c * d'), '((a + b) = (c * d))');
  assert.is(shape('a | b ^ c & d'), '(a | (b ^ (c & d)))');
  assert.is(shape('a & b + c'), '(a & (b + c))');
  assert.is(shape('-a * b'), '((-a) * b)');
  assert.is(shape('a || b + c'), '((a || b) + c)');
  assert.is(shape('a DIV b % c'), '((a DIV b) % c)');
  assert.is(shape('a.b.c * 2'), '(a.b.c * 2)');
});

test('left associativity', () => {
  assert.is(shape('a - b - c'), '((a - b) - c)');
  assert.is(shape('a / b / c'), '((a / b) / c)');
  assert.is(shape('a AND b AND c'), '((a AND b) AND c)');
  assert.is(shape('a OR b OR c'), '((a OR b) OR c)');
  assert.is(shape('a || b || c'), '((a || b) || c)');
});

test('predicates: IS, IN, BETWEEN, LIKE and their negations', () => {
  assert.is(shape('a IS NULL'), '(a IS NULL)');
  assert.is(shape('a IS NOT NULL AND b'), '((a IS NOT NULL) AND b)');
  assert.is(shape('a IS TRUE'), '(a IS TRUE)');
  assert.is(shape('a IS NOT DISTINCT FROM b'), '(a IS NOT DISTINCT FROM b)');
  assert.is(shape("s NOT IN ('x', 'y')"), "(s NOT IN ('x', 'y'))");
  assert.is(shape('x BETWEEN 1 AND 2 AND y'), '((x BETWEEN 1 AND 2) AND y)');
  assert.is(shape('x + 1 NOT BETWEEN a - 1 AND b * 2'), '((x + 1) NOT BETWEEN (a - 1) AND (b * 2))');
  assert.is(shape("s LIKE 'a%' ESCAPE '!'"), "(s LIKE 'a%' ESCAPE '!')");
  assert.is(shape("s NOT ILIKE 'a%'"), "(s NOT ILIKE 'a%')");
  assert.is(shape("s REGEXP '^a'"), "(s RLIKE '^a')");
  assert.is(shape('NOT a IN (1)'), '(NOT (a IN (1)))');
  assert.is(shape('a <=> b'), '(a <=> b)');
  assert.is(shape('a == b'), '(a = b)');
  assert.is(shape('a != b'), '(a <> b)');
  assert.is(shape('!a'), '(NOT a)');
});

test('literals: numbers with suffixes, strings, booleans, dates, timestamps, intervals', () => {
  const lit = (sql: string): unknown => {
    const e = parseExpression(sql);
    assert.is(e.kind, 'literal');
    return (e as { value: unknown }).value;
  };
  assert.equal(lit('42'), { type: 'int', value: 42 });
  assert.equal(lit('-2147483648'), { type: 'int', value: -2147483648 });
  assert.equal(lit('2147483648'), { type: 'bigint', value: 2147483648n });
  assert.equal(lit('7L'), { type: 'bigint', value: 7n });
  assert.equal(lit('7S'), { type: 'smallint', value: 7 });
  assert.equal(lit('7Y'), { type: 'tinyint', value: 7 });
  assert.equal(lit('1.5D'), { type: 'double', value: 1.5 });
  assert.equal(lit('1e3'), { type: 'double', value: 1000 });
  assert.equal(lit('1.50'), { type: 'decimal', text: '1.50', precision: 3, scale: 2 });
  assert.equal(lit('.5'), { type: 'decimal', text: '.5', precision: 1, scale: 1 });
  assert.equal(lit('12.5BD'), { type: 'decimal', text: '12.5', precision: 3, scale: 1 });
  assert.equal(lit('99999999999999999999'), { type: 'decimal', text: '99999999999999999999', precision: 20, scale: 0 });
  assert.equal(lit("'it\\'s'"), { type: 'string', value: "it's" });
  assert.equal(lit('"dq\\n"'), { type: 'string', value: 'dq\n' });
  assert.equal(lit("'a' 'b'"), { type: 'string', value: 'ab' });
  assert.equal(lit("'\\u00e9'"), { type: 'string', value: 'é' });
  assert.equal(lit('TRUE'), { type: 'boolean', value: true });
  assert.equal(lit('null'), { type: 'null' });
  // 2024-01-01 is 19723 days after 1970-01-01 (54 years, 13 of them leap: 54*365 + 13).
  assert.equal(lit("DATE '2024-01-01'"), { type: 'date', value: 54 * 365 + 13 });
  assert.equal(lit("TIMESTAMP '1970-01-02 00:00:01.5'"), { type: 'timestamp', value: 86_401_500_000n });
  assert.equal(lit("INTERVAL 2 DAYS"), { type: 'interval', months: 0, days: 0, micros: 2n * 86_400_000_000n });
  assert.equal(lit("INTERVAL '1 year 3 hours'"), { type: 'interval', months: 12, days: 0, micros: 3n * 3_600_000_000n });
});

test('identifiers: plain, backticks with escapes, nested fields, subscripts', () => {
  assert.equal(parseExpression('Amount'), { kind: 'column', pos: 0, name: 'Amount', quoted: false });
  assert.equal(parseExpression('`weird ``name```'), { kind: 'column', pos: 0, name: 'weird `name`', quoted: true });
  assert.is(shape('a.b.`c d`'), 'a.b.`c d`');
  assert.is(shape("m['k'] = arr[0]"), "(m['k'] = arr[0])");
  // DATE / TIMESTAMP are column names unless followed by a string.
  assert.is(shape('date > 1'), '(date > 1)');
});

test('CASE, CAST, function calls', () => {
  assert.is(shape('CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END'), 'CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END');
  assert.is(shape("CASE x WHEN 1 THEN 'one' END"), "CASE x WHEN 1 THEN 'one' END");
  assert.is(shape('CAST(a AS decimal(10, 2))'), 'CAST(a AS DECIMAL(10,2))');
  assert.is(shape('try_cast(a AS BIGINT)'), 'TRY_CAST(a AS BIGINT)');
  assert.is(shape('a::int'), 'CAST(a AS INT)');
  assert.is(shape('COALESCE(a, b, 1)'), 'coalesce(a, b, 1)');
  assert.is(shape('current_date'), 'current_date()');
  assert.is(shape('EXTRACT(YEAR FROM d)'), 'year(d)');
  assert.is(shape('f()'), 'f()');
});

test('rendering round-trips', () => {
  for (const sql of ["a + b * -c >= 10 AND NOT s LIKE '%x' OR t IS NULL", "CASE WHEN x IN (1, 2, NULL) THEN upper(s) ELSE concat(s, '!') END", "d BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'"]) {
    const once = shape(sql);
    assert.is(shape(once), once);
  }
});

test('comments and whitespace are ignored', () => {
  assert.is(shape('a /* c */ + -- line\n b'), '(a + b)');
});

function syntaxError(sql: string): ExpressionSyntaxError {
  try {
    parseExpression(sql);
  } catch (err) {
    assert.instance(err, ExpressionSyntaxError);
    return err as ExpressionSyntaxError;
  }
  throw new Error(`expected a syntax error for ${sql}`);
}

test('syntax errors name the position and draw a caret', () => {
  const e = syntaxError('(amount > 100 AND status');
  assert.is(e.position, 24);
  assert.ok(e.message.startsWith("Syntax error at position 24: expected ')' but found end of input"), e.message);
  assert.ok(e.message.endsWith('\n  (amount > 100 AND status\n                          ^'), e.message);

  const f = syntaxError('f(a b)');
  assert.is(f.position, 4);
  assert.ok(f.message.includes("expected ')' but found 'b'"), f.message);
  assert.ok(f.message.endsWith('  f(a b)\n      ^'), f.message);

  assert.ok(syntaxError('a +').message.includes('expected an expression but found end of input'));
  assert.ok(syntaxError("'open").message.includes('unterminated string literal'));
  assert.ok(syntaxError('a IN ()').message.includes('IN list'));
  assert.ok(syntaxError('CASE a END').message.includes("expected 'WHEN'"));
  assert.ok(syntaxError('CAST(a AS widget)').message.includes("unknown type 'widget'"));
  assert.ok(syntaxError('a # b').message.includes("unexpected character '#'"));
  assert.ok(syntaxError("DATE '2024-02-30'").message.includes('invalid DATE literal'));
  assert.ok(syntaxError('128Y').message.includes('out of range for tinyint'));
  assert.ok(syntaxError('AND b').message.includes("found 'AND'"));
  assert.ok(syntaxError('').message.includes('end of input'));
  assert.ok(syntaxError('a b').message.includes("unexpected 'b'"));
});

test.run();
