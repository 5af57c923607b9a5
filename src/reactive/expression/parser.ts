// Pratt parser for Spark SQL expressions. Binding powers follow Spark's
// grammar: OR < AND < NOT < comparisons and predicates (IS, IN, BETWEEN, LIKE)
// < | < ^ < & < + - || < * / % DIV < unary - + ~ < field access, subscripts.
import type { BinaryOp, Expr, LiteralValue, TypeName } from './ast.ts';
import { ExpressionSyntaxError } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';
import { parseDate, parseTimestamp } from './datetime.ts';

const BP = { OR: 1, AND: 2, NOT: 3, PREDICATE: 4, BITOR: 5, BITXOR: 6, BITAND: 7, ADD: 8, MUL: 9, UNARY: 10, POSTFIX: 11 } as const;

const INFIX: Record<string, [number, BinaryOp]> = {
  OR: [BP.OR, 'OR'], AND: [BP.AND, 'AND'],
  '=': [BP.PREDICATE, '='], '==': [BP.PREDICATE, '='], '<>': [BP.PREDICATE, '<>'], '!=': [BP.PREDICATE, '<>'],
  '<': [BP.PREDICATE, '<'], '<=': [BP.PREDICATE, '<='], '>': [BP.PREDICATE, '>'], '>=': [BP.PREDICATE, '>='], '<=>': [BP.PREDICATE, '<=>'],
  '|': [BP.BITOR, '|'], '^': [BP.BITXOR, '^'], '&': [BP.BITAND, '&'],
  '+': [BP.ADD, '+'], '-': [BP.ADD, '-'], '||': [BP.ADD, '||'],
  '*': [BP.MUL, '*'], '/': [BP.MUL, '/'], '%': [BP.MUL, '%'], DIV: [BP.MUL, 'DIV'],
};

const PREDICATE_WORDS = new Set(['IS', 'IN', 'BETWEEN', 'LIKE', 'ILIKE', 'RLIKE', 'REGEXP']);
/** Words that can never start an operand, so a clear error is raised instead of reading them as column names. */
const RESERVED = new Set(['AND', 'OR', 'IS', 'IN', 'BETWEEN', 'LIKE', 'ILIKE', 'RLIKE', 'REGEXP', 'WHEN', 'THEN', 'ELSE', 'END', 'AS', 'DIV', 'FROM', 'ESCAPE']);

const INTERVAL_UNITS: Record<string, [months: number, micros: bigint]> = {
  YEAR: [12, 0n], MONTH: [1, 0n], WEEK: [0, 604_800_000_000n], DAY: [0, 86_400_000_000n], HOUR: [0, 3_600_000_000n],
  MINUTE: [0, 60_000_000n], SECOND: [0, 1_000_000n], MILLISECOND: [0, 1000n], MICROSECOND: [0, 1n],
};

/**
 * Parses a Spark SQL expression into a syntax tree.
 * @throws ExpressionSyntaxError with the position and a caret line.
 * @example parseExpression("amount > 100 AND status IN ('a', 'b')")
 */
export function parseExpression(sql: string): Expr {
  return new Parser(sql).parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  constructor(private readonly sql: string) {
    this.tokens = tokenize(sql);
  }

  parseAll(): Expr {
    if (this.peek().kind === 'eof') this.fail('expected an expression but found end of input');
    const e = this.expr(0);
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(`unexpected ${describe(t)} after the end of the expression`);
    return e;
  }

  private peek(k = 0): Token { return this.tokens[Math.min(this.i + k, this.tokens.length - 1)]; }
  private next(): Token { return this.tokens[this.i++]; }
  private fail(detail: string, pos = this.peek().pos): never { throw new ExpressionSyntaxError(detail, this.sql, pos); }
  private isWord(t: Token, w: string): boolean { return t.kind === 'ident' && t.text.toUpperCase() === w; }
  private isOp(t: Token, o: string): boolean { return t.kind === 'op' && t.text === o; }
  private acceptWord(w: string): boolean { if (this.isWord(this.peek(), w)) { this.i++; return true; } return false; }
  private acceptOp(o: string): boolean { if (this.isOp(this.peek(), o)) { this.i++; return true; } return false; }
  private expectOp(o: string): Token {
    const t = this.peek();
    if (!this.isOp(t, o)) this.fail(`expected '${o}' but found ${describe(t)}`);
    return this.next();
  }
  private expectWord(w: string): Token {
    const t = this.peek();
    if (!this.isWord(t, w)) this.fail(`expected '${w}' but found ${describe(t)}`);
    return this.next();
  }

  /** Binding power of the token at the cursor when it continues an expression. */
  private leftBp(): number {
    const t = this.peek();
    if (t.kind === 'op') {
      if (t.text === '.' || t.text === '[' || t.text === '::') return BP.POSTFIX;
      return INFIX[t.text]?.[0] ?? 0;
    }
    if (t.kind !== 'ident') return 0;
    const w = t.text.toUpperCase();
    if (w === 'OR' || w === 'AND') return INFIX[w][0];
    if (w === 'DIV') return BP.MUL;
    if (PREDICATE_WORDS.has(w)) return BP.PREDICATE;
    if (w === 'NOT' && PREDICATE_WORDS.has(this.peek(1).text.toUpperCase()) && this.peek(1).kind === 'ident') return BP.PREDICATE;
    return 0;
  }

  private expr(minBp: number): Expr {
    let left = this.prefix();
    for (;;) {
      const bp = this.leftBp();
      if (bp <= minBp) return left;
      left = this.infix(left, bp);
    }
  }

  private infix(left: Expr, bp: number): Expr {
    const t = this.next();
    const pos = t.pos;
    if (t.kind === 'op' && t.text === '.') {
      const f = this.next();
      if (f.kind !== 'ident' && f.kind !== 'quoted') this.fail(`expected a field name after '.' but found ${describe(f)}`, f.pos);
      return { kind: 'field', pos: f.pos, base: left, name: f.text };
    }
    if (t.kind === 'op' && t.text === '[') {
      const index = this.expr(0);
      this.expectOp(']');
      return { kind: 'subscript', pos, base: left, index };
    }
    if (t.kind === 'op' && t.text === '::') {
      return { kind: 'cast', pos, operand: left, to: this.typeName(), safe: false };
    }
    const word = t.kind === 'ident' ? t.text.toUpperCase() : '';
    if (bp === BP.PREDICATE && t.kind === 'ident') {
      let negated = false;
      let w = word;
      if (w === 'NOT') { negated = true; w = this.next().text.toUpperCase(); }
      switch (w) {
        case 'IS': {
          const not = this.acceptWord('NOT');
          const n = this.peek();
          if (this.acceptWord('NULL')) return { kind: 'is', pos, operand: left, test: 'NULL', negated: not };
          if (this.acceptWord('TRUE')) return { kind: 'is', pos, operand: left, test: 'TRUE', negated: not };
          if (this.acceptWord('FALSE')) return { kind: 'is', pos, operand: left, test: 'FALSE', negated: not };
          if (this.acceptWord('DISTINCT')) {
            this.expectWord('FROM');
            return { kind: 'distinct', pos, left, right: this.expr(BP.PREDICATE), negated: not };
          }
          return this.fail(`expected NULL, TRUE, FALSE or DISTINCT FROM after IS but found ${describe(n)}`, n.pos);
        }
        case 'IN': {
          this.expectOp('(');
          if (this.isWord(this.peek(), 'SELECT')) this.fail('subqueries are not supported in IN');
          const list: Expr[] = [];
          if (this.isOp(this.peek(), ')')) this.fail("expected a value in the IN list but found ')'");
          do list.push(this.expr(0)); while (this.acceptOp(','));
          this.expectOp(')');
          return { kind: 'in', pos, operand: left, list, negated };
        }
        case 'BETWEEN': {
          const low = this.expr(BP.PREDICATE);
          this.expectWord('AND');
          const high = this.expr(BP.PREDICATE);
          return { kind: 'between', pos, operand: left, low, high, negated };
        }
        case 'LIKE': case 'ILIKE': case 'RLIKE': case 'REGEXP': {
          const op = w === 'REGEXP' ? 'RLIKE' : w;
          const pattern = this.expr(BP.PREDICATE);
          let escape: string | null = null;
          if (op !== 'RLIKE' && this.acceptWord('ESCAPE')) {
            const e = this.next();
            if (e.kind !== 'string' || [...e.text].length !== 1) this.fail('ESCAPE must be followed by a one-character string', e.pos);
            escape = e.text;
          }
          return { kind: 'like', pos, op, operand: left, pattern, escape, negated };
        }
      }
      return this.fail(`unexpected ${describe(t)}`, t.pos);
    }
    const op = INFIX[t.kind === 'ident' ? word : t.text][1];
    const right = this.expr(bp);
    return { kind: 'binary', pos, op, left, right };
  }

  private prefix(): Expr {
    const t = this.next();
    const pos = t.pos;
    switch (t.kind) {
      case 'eof':
        return this.fail('expected an expression but found end of input', t.pos);
      case 'number':
        return { kind: 'literal', pos, value: this.numberLiteral(t) };
      case 'string': {
        // Spark concatenates adjacent string literals: 'a' 'b' is 'ab'.
        let value = t.text;
        while (this.peek().kind === 'string') value += this.next().text;
        return { kind: 'literal', pos, value: { type: 'string', value } };
      }
      case 'quoted':
        return { kind: 'column', pos, name: t.text, quoted: true };
      case 'op':
        switch (t.text) {
          case '(': {
            const e = this.expr(0);
            this.expectOp(')');
            return e;
          }
          case '-': case '+': case '~': {
            const operand = this.expr(BP.MUL);
            // Fold a negative number literal so that -2147483648 stays an int, as Spark does.
            if (t.text === '-' && operand.kind === 'literal' && operand.pos === this.tokens[this.i - 1]?.pos && this.tokens[this.i - 1].kind === 'number') {
              return { kind: 'literal', pos, value: this.numberLiteral(this.tokens[this.i - 1], true) };
            }
            return { kind: 'unary', pos, op: t.text, operand };
          }
          case '!':
            return { kind: 'unary', pos, op: 'NOT', operand: this.expr(BP.NOT) };
        }
        return this.fail(`expected an expression but found ${describe(t)}`, t.pos);
      case 'ident':
        return this.identPrefix(t);
    }
  }

  private identPrefix(t: Token): Expr {
    const pos = t.pos;
    const w = t.text.toUpperCase();
    const nextTok = this.peek();
    switch (w) {
      case 'NULL': return { kind: 'literal', pos, value: { type: 'null' } };
      case 'TRUE': return { kind: 'literal', pos, value: { type: 'boolean', value: true } };
      case 'FALSE': return { kind: 'literal', pos, value: { type: 'boolean', value: false } };
      case 'NOT': return { kind: 'unary', pos, op: 'NOT', operand: this.expr(BP.NOT) };
      case 'CASE': return this.caseExpr(pos);
      case 'CAST': case 'TRY_CAST':
        if (this.isOp(nextTok, '(')) {
          this.next();
          const operand = this.expr(0);
          this.expectWord('AS');
          const to = this.typeName();
          this.expectOp(')');
          return { kind: 'cast', pos, operand, to, safe: w === 'TRY_CAST' };
        }
        break;
      case 'DATE':
        if (nextTok.kind === 'string') {
          const s = this.next();
          const days = parseDate(s.text);
          if (days === null || !/^\s*[+-]?\d{4,6}(-\d{1,2}(-\d{1,2})?)?\s*$/.test(s.text)) this.fail(`invalid DATE literal '${s.text}'`, s.pos);
          return { kind: 'literal', pos, value: { type: 'date', value: days } };
        }
        break;
      case 'TIMESTAMP': case 'TIMESTAMP_NTZ': case 'TIMESTAMP_LTZ':
        if (nextTok.kind === 'string') {
          const s = this.next();
          const us = parseTimestamp(s.text);
          if (us === null) this.fail(`invalid TIMESTAMP literal '${s.text}'`, s.pos);
          return { kind: 'literal', pos, value: { type: 'timestamp', value: us } };
        }
        break;
      case 'INTERVAL':
        if (nextTok.kind === 'string' || nextTok.kind === 'number' || this.isOp(nextTok, '-')) return this.intervalLiteral(pos);
        break;
      case 'EXTRACT':
        if (this.isOp(nextTok, '(')) {
          this.next();
          const field = this.next();
          if (field.kind !== 'ident') this.fail(`expected a field name such as YEAR but found ${describe(field)}`, field.pos);
          this.expectWord('FROM');
          const source = this.expr(0);
          this.expectOp(')');
          return { kind: 'call', pos, name: field.text.toLowerCase(), args: [source] };
        }
        break;
    }
    if (this.isOp(nextTok, '(')) {
      this.next();
      const args: Expr[] = [];
      if (!this.acceptOp(')')) {
        do args.push(this.expr(0)); while (this.acceptOp(','));
        this.expectOp(')');
      }
      return { kind: 'call', pos, name: t.text.toLowerCase(), args };
    }
    if (RESERVED.has(w)) this.fail(`expected an expression but found ${describe(t)}`, t.pos);
    // Spark accepts current_date / current_timestamp without parentheses.
    if (w === 'CURRENT_DATE' || w === 'CURRENT_TIMESTAMP') return { kind: 'call', pos, name: w.toLowerCase(), args: [] };
    return { kind: 'column', pos, name: t.text, quoted: false };
  }

  private caseExpr(pos: number): Expr {
    const operand = this.isWord(this.peek(), 'WHEN') ? null : this.expr(0);
    const branches: { when: Expr; then: Expr }[] = [];
    while (this.acceptWord('WHEN')) {
      const when = this.expr(0);
      this.expectWord('THEN');
      branches.push({ when, then: this.expr(0) });
    }
    if (branches.length === 0) this.fail(`expected 'WHEN' but found ${describe(this.peek())}`);
    const otherwise = this.acceptWord('ELSE') ? this.expr(0) : null;
    this.expectWord('END');
    return { kind: 'case', pos, operand, branches, otherwise };
  }

  private typeName(): TypeName {
    const t = this.next();
    if (t.kind !== 'ident') this.fail(`expected a type name but found ${describe(t)}`, t.pos);
    const w = t.text.toLowerCase();
    const simple: Record<string, TypeName['name']> = {
      tinyint: 'tinyint', byte: 'tinyint', smallint: 'smallint', short: 'smallint', int: 'int', integer: 'int',
      bigint: 'bigint', long: 'bigint', float: 'float', real: 'float', double: 'double', string: 'string',
      boolean: 'boolean', bool: 'boolean', date: 'date', timestamp: 'timestamp', timestamp_ltz: 'timestamp', timestamp_ntz: 'timestamp_ntz',
    };
    if (w === 'varchar' || w === 'char') {
      this.expectOp('(');
      this.intArg();
      this.expectOp(')');
      return { name: 'string' };
    }
    if (w === 'decimal' || w === 'dec' || w === 'numeric') {
      let precision = 10;
      let scale = 0;
      if (this.acceptOp('(')) {
        precision = this.intArg();
        if (this.acceptOp(',')) scale = this.intArg();
        this.expectOp(')');
      }
      if (precision < 1 || precision > 38 || scale < 0 || scale > precision) this.fail(`invalid decimal(${precision},${scale}): precision must be 1–38 and scale 0–precision`, t.pos);
      return { name: 'decimal', precision, scale };
    }
    const name = simple[w];
    if (!name) this.fail(`unknown type '${t.text}' (expected one of tinyint, smallint, int, bigint, float, double, decimal(p,s), string, boolean, date, timestamp)`, t.pos);
    return { name } as TypeName;
  }

  private intArg(): number {
    const t = this.next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text) || t.suffix) this.fail(`expected an integer but found ${describe(t)}`, t.pos);
    return Number(t.text);
  }

  private numberLiteral(t: Token, negative = false): LiteralValue {
    const text = (negative ? '-' : '') + t.text;
    const isIntegral = /^-?\d+$/.test(t.text);
    const fail = (what: string): never => this.fail(`number ${text}${t.suffix} is out of range for ${what}`, t.pos);
    switch (t.suffix) {
      case 'D': return { type: 'double', value: Number(text) };
      case 'F': return { type: 'float', value: Math.fround(Number(text)) };
      case 'BD': return decimalLiteral(text) ?? fail('decimal(38)');
      case 'L': case 'S': case 'Y': {
        if (!isIntegral) this.fail(`${t.suffix} suffix requires an integer but found ${text}`, t.pos);
        const v = BigInt(text);
        if (t.suffix === 'L') return v >= -(2n ** 63n) && v < 2n ** 63n ? { type: 'bigint', value: v } : fail('bigint');
        const limit = t.suffix === 'S' ? 32768n : 128n;
        if (v < -limit || v >= limit) fail(t.suffix === 'S' ? 'smallint' : 'tinyint');
        return { type: t.suffix === 'S' ? 'smallint' : 'tinyint', value: Number(v) };
      }
    }
    if (isIntegral) {
      const v = BigInt(text);
      if (v >= -(2n ** 31n) && v < 2n ** 31n) return { type: 'int', value: Number(v) };
      if (v >= -(2n ** 63n) && v < 2n ** 63n) return { type: 'bigint', value: v };
      return decimalLiteral(text) ?? fail('decimal(38)');
    }
    if (/e/i.test(t.text)) return { type: 'double', value: Number(text) };
    // Spark types 1.5 as decimal(2,1); the value is kept exact in the tree, evaluation uses doubles.
    return decimalLiteral(text) ?? { type: 'double', value: Number(text) };
  }

  private intervalLiteral(pos: number): Expr {
    let months = 0;
    let micros = 0n;
    const addUnit = (amount: string, unitTok: Token): void => {
      const unit = unitTok.text.toUpperCase().replace(/S$/, '');
      const spec = INTERVAL_UNITS[unit];
      if (!spec) this.fail(`unknown interval unit '${unitTok.text}'`, unitTok.pos);
      if (!/^-?\d+(\.\d+)?$/.test(amount)) this.fail(`invalid interval amount '${amount}'`, unitTok.pos);
      if (spec[0]) {
        if (amount.includes('.')) this.fail(`interval ${unit} must be a whole number`, unitTok.pos);
        months += Number(amount) * spec[0];
      } else {
        // Fractional seconds are allowed ('1.5' SECOND); scale exactly via string arithmetic.
        const [ip, fp = ''] = amount.replace('-', '').split('.');
        const scaled = BigInt(ip) * spec[1] + (fp ? (BigInt(fp.padEnd(6, '0').slice(0, 6)) * spec[1]) / 1_000_000n : 0n);
        micros += amount.startsWith('-') ? -scaled : scaled;
      }
    };
    if (this.peek().kind === 'string' && (this.peek(1).kind !== 'ident' || !INTERVAL_UNITS[this.peek(1).text.toUpperCase().replace(/S$/, '')])) {
      // INTERVAL '1 day 2 hours'
      const s = this.next();
      const parts = s.text.trim().split(/\s+/);
      if (parts.length % 2 !== 0 || parts.length === 0) this.fail(`invalid interval '${s.text}'`, s.pos);
      for (let k = 0; k < parts.length; k += 2) addUnit(parts[k], { ...s, text: parts[k + 1] });
    } else {
      do {
        const neg = this.acceptOp('-');
        const a = this.next();
        if (a.kind !== 'number' && a.kind !== 'string') this.fail(`expected an interval amount but found ${describe(a)}`, a.pos);
        const u = this.next();
        if (u.kind !== 'ident') this.fail(`expected an interval unit such as DAY but found ${describe(u)}`, u.pos);
        addUnit((neg ? '-' : '') + a.text.trim(), u);
      } while (this.peek().kind === 'number' || this.peek().kind === 'string');
    }
    const days = 0;
    return { kind: 'literal', pos, value: { type: 'interval', months, days, micros } };
  }
}

function decimalLiteral(text: string): LiteralValue | null {
  const digits = text.replace('-', '').replace('.', '').replace(/^0+(?=\d)/, '');
  const dot = text.indexOf('.');
  const scale = dot < 0 ? 0 : text.length - dot - 1;
  const precision = Math.max(digits.length, scale, 1);
  if (precision > 38) return null;
  return { type: 'decimal', text, precision, scale };
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of input';
    case 'string': return `string '${t.text}'`;
    case 'quoted': return `\`${t.text}\``;
    default: return `'${t.text}${t.suffix}'`;
  }
}
