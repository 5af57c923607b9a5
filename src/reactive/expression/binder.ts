// Type-checks a syntax tree against a schema and turns it into bound nodes
// (closures over typed-array kernels). All implicit casts are decided here,
// following Spark's (non-ANSI) coercion rules, so evaluation never inspects
// types per row.
import type * as arrow from 'apache-arrow';
import type { Expr, LiteralValue } from './ast.ts';
import { type Bound, type EvalContext, memo, node, constantValue } from './bound.ts';
import { type Col, asStrings, combineValidity, isUtf8, loopLength, makeCol, nullCol, type Utf8 } from './column.ts';
import { ExpressionTypeError } from './errors.ts';
import { fromArrowData } from './arrow-column.ts';
import { canCast, castCol } from './cast.ts';
import { compareCols, nullSafeEqual, type CmpOp } from './compare.ts';
import { andOr, isBool, isNull, not } from './logic.ts';
import { arith, bitNot, negate, type ArithOp } from './arithmetic.ts';
import { compileLike, likeCol, likeTest, type LikeMatcher } from './like.ts';
import { choose } from './select.ts';
import { reader, mapRows, type Value } from './rows.ts';
import { type SqlType, T, commonType, comparisonType, fromArrowType, isIntegral, isNumeric, sameType, typeName, widerNumeric } from './sql-type.ts';
import { FUNCTIONS, suggestFunctions } from './functions/registry.ts';
import { addInterval, type Interval } from './functions/datetime.ts';
import { MICROS_PER_DAY } from './datetime.ts';

/** Top-level column of the schema an expression reads. */
export interface ColumnRef {
  name: string;
  index: number;
  type: SqlType;
}

export class Binder {
  /** Columns read, keyed by schema name. */
  readonly columns = new Map<string, ColumnRef>();

  constructor(readonly sql: string, readonly schema: arrow.Schema, readonly table?: string) {}

  fail(message: string, pos: number): never {
    throw new ExpressionTypeError(message, this.sql, pos);
  }

  /** Source text of a node, for messages. */
  text(e: Expr): string {
    return this.sql.slice(e.pos, e.pos + 40).split(/\s/)[0] || '?';
  }

  bind(e: Expr): Bound {
    switch (e.kind) {
      case 'literal': return this.literal(e.value, e.pos);
      case 'column': return this.column(e.name, e.pos);
      case 'field': return this.field(this.bind(e.base), e.name, e.pos);
      case 'subscript': return this.subscript(this.bind(e.base), this.bind(e.index), e.pos);
      case 'unary': return this.unary(e.op, this.bind(e.operand), e.pos);
      case 'binary': return this.binary(e.op, this.bind(e.left), this.bind(e.right), e.pos);
      case 'is': {
        const operand = this.bind(e.operand);
        if (e.test === 'NULL') return node(T.boolean, e.pos, [operand], (ctx) => isNull(operand.eval(ctx), e.negated));
        const b = this.coerce(operand, T.boolean, `IS ${e.negated ? 'NOT ' : ''}${e.test}`);
        return node(T.boolean, e.pos, [b], (ctx) => isBool(b.eval(ctx), e.test === 'TRUE', e.negated));
      }
      case 'distinct': {
        const eq = this.comparison('<=>', this.bind(e.left), this.bind(e.right), e.pos);
        return e.negated ? eq : node(T.boolean, e.pos, [eq], (ctx) => not(eq.eval(ctx)));
      }
      case 'in': return this.inList(e.operand, e.list, e.negated, e.pos);
      case 'between': {
        const x = memo(this.bind(e.operand));
        const lo = this.comparison('>=', x, this.bind(e.low), e.pos);
        const hi = this.comparison('<=', x, this.bind(e.high), e.pos);
        const both = node(T.boolean, e.pos, [lo, hi], (ctx) => andOr(true, lo.eval(ctx), hi.eval(ctx)));
        return e.negated ? node(T.boolean, e.pos, [both], (ctx) => not(both.eval(ctx))) : both;
      }
      case 'like': return this.like(e);
      case 'case': return this.caseWhen(e);
      case 'cast': {
        const operand = this.bind(e.operand);
        const to = typeFromName(e.to);
        if (!canCast(operand.type, to)) this.fail(`Cannot cast ${typeName(operand.type)} to ${typeName(to)}`, e.pos);
        return node(to, e.pos, [operand], (ctx) => castCol(operand.eval(ctx), to));
      }
      case 'call': {
        const impl = FUNCTIONS[e.name];
        if (!impl) {
          const close = suggestFunctions(e.name);
          this.fail(`Unknown function '${e.name}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}`, e.pos);
        }
        return impl(this, e.args.map((a) => this.bind(a)), e.pos, e.name);
      }
    }
  }

  literal(v: LiteralValue, pos: number): Bound {
    let col: Col;
    const one = (type: SqlType, values: Col['values']): Col => makeCol(type, 1, values, null, true);
    switch (v.type) {
      case 'null': col = nullCol(T.null, 1); break;
      case 'boolean': col = one(T.boolean, Uint8Array.of(v.value ? 1 : 0)); break;
      case 'tinyint': col = one(T.int8, Int32Array.of(v.value)); break;
      case 'smallint': col = one(T.int16, Int32Array.of(v.value)); break;
      case 'int': col = one(T.int32, Int32Array.of(v.value)); break;
      case 'bigint': col = one(T.int64, Math.abs(Number(v.value)) <= Number.MAX_SAFE_INTEGER ? Float64Array.of(Number(v.value)) : BigInt64Array.of(v.value)); break;
      case 'double': col = one(T.float64, Float64Array.of(v.value)); break;
      case 'float': col = one(T.float32, Float64Array.of(v.value)); break;
      case 'decimal': col = one({ id: 'decimal', precision: v.precision, scale: v.scale }, Float64Array.of(Number(v.text))); break;
      case 'string': col = one(T.string, [v.value]); break;
      case 'date': col = one(T.date, Int32Array.of(v.value)); break;
      case 'timestamp': col = one(T.timestamp, Math.abs(Number(v.value)) <= Number.MAX_SAFE_INTEGER ? Float64Array.of(Number(v.value)) : BigInt64Array.of(v.value)); break;
      case 'interval': {
        const iv: Interval = { months: v.months, micros: v.micros + BigInt(v.days) * BigInt(MICROS_PER_DAY) };
        return { type: T.interval, pos, constant: true, interval: iv, eval: () => { throw new ExpressionTypeError('An INTERVAL can only be added to or subtracted from a date or timestamp', this.sql, pos); } } as Bound & { interval: Interval };
      }
    }
    return { type: col.type, pos, constant: true, eval: (ctx) => ({ ...col, length: ctx.n }) };
  }

  column(name: string, pos: number): Bound {
    const fields = this.schema.fields;
    let index = fields.findIndex((f) => f.name === name);
    if (index < 0) {
      const lower = name.toLowerCase();
      const matches = fields.map((f, i) => [f.name.toLowerCase(), i] as const).filter(([n]) => n === lower);
      if (matches.length > 1) this.fail(`Column '${name}' is ambiguous: it matches ${matches.map(([, i]) => `'${fields[i].name}'`).join(' and ')} (use backticks and the exact case)`, pos);
      index = matches.length === 1 ? matches[0][1] : -1;
    }
    if (index < 0) {
      const where = this.table ? ` in table ${this.table}` : ' in';
      this.fail(`Column '${name}' not found${where} [${fields.map((f) => f.name).join(', ')}]`, pos);
    }
    const field = fields[index];
    let type: SqlType;
    try {
      type = fromArrowType(field.type, `'${field.name}'`);
    } catch (err) {
      this.fail((err as Error).message, pos);
    }
    const ref: ColumnRef = { name: field.name, index, type };
    this.columns.set(field.name, ref);
    const key = {};
    return {
      type, pos, constant: false,
      eval(ctx) {
        let c = ctx.cache.get(key);
        if (!c) {
          c = fromArrowData(ctx.batch.data.children[ctx.columnIndex(ref.name, pos)], type);
          ctx.cache.set(key, c);
        }
        return c;
      },
    };
  }

  private field(base: Bound, name: string, pos: number): Bound {
    if (base.type.id !== 'struct') this.fail(`Cannot access field '${name}' of ${typeName(base.type)} (only structs have fields)`, pos);
    const fields = base.type.fields;
    let k = fields.findIndex((f) => f.name === name);
    if (k < 0) k = fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
    if (k < 0) this.fail(`Field '${name}' not found in struct [${fields.map((f) => f.name).join(', ')}]`, pos);
    const type = fields[k].type;
    return node(type, pos, [base], (ctx) => {
      const b = base.eval(ctx);
      const data = b.values as arrow.Data;
      const child = fromArrowData(data.children[k], type);
      return makeCol(type, b.length, child.values, combineValidity(b.length, b, child), false);
    });
  }

  private subscript(base: Bound, index: Bound, pos: number): Bound {
    const bt = base.type;
    if (bt.id === 'struct') {
      if (!index.constant || index.type.id !== 'string') this.fail('A struct field subscript must be a string literal', pos);
      return this.field(base, String(constantValue(index)), pos);
    }
    if (bt.id === 'list') {
      const idx = this.coerce(index, T.int32, 'an array subscript');
      const elem = bt.element;
      return node(elem, pos, [base, idx], (ctx) => {
        const b = base.eval(ctx);
        const data = b.values as arrow.Data;
        const offsets = data.valueOffsets as Int32Array;
        const child = fromArrowData(data.children[0], elem);
        const readChild = reader(child);
        const ix = idx.eval(ctx);
        const readIndex = reader(ix);
        return rowsOf(elem, b.length, (r) => {
          if (b.valid && !b.valid[r]) return null;
          const iv = readIndex(r);
          if (iv === null) return null;
          const start = offsets[r], end = offsets[r + 1];
          const at = start + (iv as number);
          return (iv as number) < 0 || at >= end ? null : readChild(at);
        });
      });
    }
    if (bt.id === 'map') {
      const key = this.coerce(index, bt.key, 'a map key');
      const vt = bt.value;
      return node(vt, pos, [base, key], (ctx) => {
        const b = base.eval(ctx);
        const data = b.values as arrow.Data;
        const offsets = data.valueOffsets as Int32Array;
        const entries = data.children[0];
        const keys = reader(fromArrowData(entries.children[0], bt.key));
        const vals = reader(fromArrowData(entries.children[1], vt));
        const kr = reader(key.eval(ctx));
        return rowsOf(vt, b.length, (r) => {
          if (b.valid && !b.valid[r]) return null;
          const want = kr(r);
          if (want === null) return null;
          for (let j = offsets[r]; j < offsets[r + 1]; j++) if (keys(j) === want) return vals(j);
          return null;
        });
      });
    }
    return this.fail(`Cannot subscript ${typeName(bt)} (only arrays, maps and structs)`, pos);
  }

  private unary(op: 'NOT' | '-' | '+' | '~', operand: Bound, pos: number): Bound {
    if (op === 'NOT') {
      const b = this.coerce(operand, T.boolean, 'NOT');
      return node(T.boolean, pos, [b], (ctx) => not(b.eval(ctx)));
    }
    let b = operand;
    if (b.type.id === 'string' || b.type.id === 'null') b = this.coerce(b, b.type.id === 'null' ? T.int32 : T.float64, op);
    if (op === '~') {
      if (!isIntegral(b.type)) this.fail(`Operator '~' needs an integer but got ${typeName(b.type)}`, pos);
      return node(b.type, pos, [b], (ctx) => bitNot(b.eval(ctx)));
    }
    if (!isNumeric(b.type)) this.fail(`Unary '${op}' needs a number but got ${typeName(b.type)}`, pos);
    if (op === '+') return b;
    return node(b.type, pos, [b], (ctx) => negate(b.eval(ctx)));
  }

  binary(op: string, l: Bound, r: Bound, pos: number): Bound {
    switch (op) {
      case 'AND': case 'OR': {
        const a = this.coerce(l, T.boolean, op);
        const b = this.coerce(r, T.boolean, op);
        return node(T.boolean, pos, [a, b], (ctx) => andOr(op === 'AND', a.eval(ctx), b.eval(ctx)));
      }
      case '=': case '<>': case '<': case '<=': case '>': case '>=': case '<=>':
        return this.comparison(op, l, r, pos);
      case '||': {
        const a = this.coerce(l, T.string, '||');
        const b = this.coerce(r, T.string, '||');
        return node(T.string, pos, [a, b], (ctx) => mapRows(T.string, ctx.n, [a.eval(ctx), b.eval(ctx)], (x, y) => (x as string) + (y as string)));
      }
    }
    return this.arithmetic(op as ArithOp, l, r, pos);
  }

  comparison(op: CmpOp | '<=>', l: Bound, r: Bound, pos: number): Bound {
    const t = comparisonType(l.type, r.type);
    if (!t || t.id === 'struct' || t.id === 'list' || t.id === 'map' || t.id === 'interval') this.fail(`Cannot compare ${typeName(l.type)} with ${typeName(r.type)} using '${op}'`, pos);
    const target = t.id === 'null' ? T.boolean : t;
    const a = this.coerce(l, target, op);
    const b = this.coerce(r, target, op);
    if (op === '<=>') return node(T.boolean, pos, [a, b], (ctx) => nullSafeEqual(a.eval(ctx), b.eval(ctx)));
    return node(T.boolean, pos, [a, b], (ctx) => compareCols(op, a.eval(ctx), b.eval(ctx)));
  }

  private arithmetic(op: ArithOp, l: Bound, r: Bound, pos: number): Bound {
    const lt = l.type.id;
    const rt = r.type.id;
    const mismatch = (): never => this.fail(`Cannot apply '${op}' to ${typeName(l.type)} and ${typeName(r.type)}`, pos);
    // Date and timestamp arithmetic: date ± days, date/timestamp ± INTERVAL.
    if (op === '+' || op === '-') {
      const iv = (b: Bound): Interval | undefined => (b as Bound & { interval?: Interval }).interval;
      if ((lt === 'date' || lt === 'timestamp') && iv(r)) return this.intervalArith(l, iv(r)!, op === '-', pos);
      if (op === '+' && (rt === 'date' || rt === 'timestamp') && iv(l)) return this.intervalArith(r, iv(l)!, false, pos);
      if (lt === 'date' && (isIntegral(r.type) || rt === 'null')) return FUNCTIONS[op === '+' ? 'date_add' : 'date_sub'](this, [l, r], pos, op);
      if (op === '+' && rt === 'date' && isIntegral(l.type)) return FUNCTIONS.date_add(this, [r, l], pos, op);
      if (lt === 'date' && rt === 'date' && op === '-') this.fail(`Subtracting dates gives an interval, which is not supported; use datediff(end, start)`, pos);
    }
    if (lt === 'interval' || rt === 'interval') mismatch();
    // Strings in arithmetic are cast to double, as Spark does.
    const num = (b: Bound): Bound => (b.type.id === 'string' ? this.coerce(b, T.float64, op) : b.type.id === 'null' ? this.coerce(b, T.int32, op) : b);
    const a0 = num(l);
    const b0 = num(r);
    if (!isNumeric(a0.type) || !isNumeric(b0.type)) mismatch();
    if (op === '&' || op === '|' || op === '^') {
      if (!isIntegral(a0.type) || !isIntegral(b0.type)) mismatch();
      const t = widerNumeric(a0.type, b0.type);
      const a = this.coerce(a0, t, op);
      const b = this.coerce(b0, t, op);
      return node(t, pos, [a, b], (ctx) => arith(op, a.eval(ctx), b.eval(ctx), t));
    }
    if (op === '/') {
      // Spark's `/` is fractional division; decimals divide in double precision here (documented deviation).
      const a = this.coerce(a0, T.float64, op);
      const b = this.coerce(b0, T.float64, op);
      return node(T.float64, pos, [a, b], (ctx) => arith('/', a.eval(ctx), b.eval(ctx), T.float64));
    }
    if (op === 'DIV') {
      const a = this.coerce(a0, T.int64, op);
      const b = this.coerce(b0, T.int64, op);
      return node(T.int64, pos, [a, b], (ctx) => arith('DIV', a.eval(ctx), b.eval(ctx), T.int64));
    }
    let t = widerNumeric(a0.type, b0.type);
    if (t.id === 'decimal') t = decimalResult(op, a0.type, b0.type);
    const a = t.id === 'decimal' ? a0 : this.coerce(a0, t, op);
    const b = t.id === 'decimal' ? b0 : this.coerce(b0, t, op);
    return node(t, pos, [a, b], (ctx) => arith(op, a.eval(ctx), b.eval(ctx), t));
  }

  private intervalArith(base: Bound, iv: Interval, subtract: boolean, pos: number): Bound {
    const dayOnly = iv.micros % BigInt(MICROS_PER_DAY) === 0n;
    // date ± whole days/months stays a date (Spark); a time part turns it into a timestamp.
    const b = base.type.id === 'date' && !dayOnly ? this.coerce(base, T.timestamp, '+') : base;
    const sign = subtract ? -1 : 1;
    const delta: Interval = { months: sign * iv.months, micros: BigInt(sign) * iv.micros };
    return node(b.type, pos, [b], (ctx) => addInterval(b.eval(ctx), delta));
  }

  private inList(operandExpr: Expr, listExprs: Expr[], negated: boolean, pos: number): Bound {
    const operand = memo(this.bind(operandExpr));
    const list = listExprs.map((e) => this.bind(e));
    let t: SqlType | null = operand.type;
    for (const item of list) {
      t = t && commonType(t, item.type);
      if (!t) this.fail(`IN list value of type ${typeName(item.type)} cannot be compared with ${typeName(operand.type)}`, item.pos);
    }
    const target = t!.id === 'null' ? T.boolean : t!;
    const x = this.coerce(operand, target, 'IN');
    const items = list.map((b) => this.coerce(b, target, 'IN'));
    let result: Bound;
    if (items.every((b) => b.constant)) {
      const values = items.map(constantValue);
      result = node(T.boolean, pos, [x], (ctx) => inConstants(x.eval(ctx), values));
    } else {
      const eqs = items.map((b) => this.comparison('=', x, b, pos));
      result = node(T.boolean, pos, eqs, (ctx) => eqs.map((e) => e.eval(ctx)).reduce((acc, c) => andOr(false, acc, c)));
    }
    return negated ? node(T.boolean, pos, [result], (ctx) => not(result.eval(ctx))) : result;
  }

  private like(e: Extract<Expr, { kind: 'like' }>): Bound {
    const operand = this.coerce(this.bind(e.operand), T.string, e.op);
    const pattern = this.coerce(this.bind(e.pattern), T.string, e.op);
    const pos = e.pos;
    const makeMatcher = (p: string): LikeMatcher => {
      try {
        if (e.op === 'RLIKE') return { kind: 'regex', re: new RegExp(p) };
        return compileLike(p, e.escape, e.op === 'ILIKE');
      } catch (err) {
        throw new ExpressionTypeError(`Invalid ${e.op} pattern '${p}': ${(err as Error).message}`, this.sql, e.pattern.pos);
      }
    };
    // RLIKE finds the pattern anywhere in the string (Java's Matcher.find), unlike anchored LIKE.
    const isRegexSearch = e.op === 'RLIKE';
    let result: Bound;
    if (pattern.constant) {
      const p = constantValue(pattern);
      if (p === null) return node(T.boolean, pos, [], (ctx) => nullCol(T.boolean, ctx.n));
      const m = makeMatcher(p as string);
      result = node(T.boolean, pos, [operand], (ctx) => likeCol(operand.eval(ctx), m, e.negated));
    } else {
      const cache = new Map<string, LikeMatcher>();
      result = node(T.boolean, pos, [operand, pattern], (ctx) => mapRows(T.boolean, ctx.n, [operand.eval(ctx), pattern.eval(ctx)], (s, p) => {
        let m = cache.get(p as string);
        if (!m) { m = makeMatcher(p as string); cache.set(p as string, m); }
        const hit = isRegexSearch && m.kind === 'regex' ? m.re.test(s as string) : likeTest(m, s as string);
        return hit !== e.negated;
      }));
    }
    return result;
  }

  private caseWhen(e: Extract<Expr, { kind: 'case' }>): Bound {
    const subject = e.operand ? memo(this.bind(e.operand)) : null;
    const conds = e.branches.map((b) => (subject ? this.comparison('=', subject, this.bind(b.when), b.when.pos) : this.coerce(this.bind(b.when), T.boolean, 'CASE WHEN')));
    const results = e.branches.map((b) => this.bind(b.then));
    if (e.otherwise) results.push(this.bind(e.otherwise));
    const type = this.commonOf(results, 'CASE');
    const outs = results.map((r) => this.coerce(r, type, 'CASE'));
    const hasElse = e.otherwise !== null;
    return node(type, e.pos, [...conds, ...outs], (ctx) => {
      const cs = conds.map((c) => c.eval(ctx));
      const vs = outs.map((o) => o.eval(ctx));
      const scalar = cs.every((c) => c.scalar) && vs.every((v) => v.scalar);
      const n = scalar ? 1 : ctx.n;
      const pick = new Int32Array(n).fill(-2);
      for (let k = 0; k < cs.length; k++) {
        const c = cs[k];
        const cv = c.values as Uint8Array;
        const s = c.scalar ? 0 : 1;
        for (let i = 0; i < n; i++) if (pick[i] === -2 && cv[i * s] === 1 && (c.valid === null || c.valid[i * s] === 1)) pick[i] = k;
      }
      const fallback = hasElse ? cs.length : -1;
      for (let i = 0; i < n; i++) if (pick[i] === -2) pick[i] = fallback;
      return choose(type, ctx.n, vs, pick, scalar);
    });
  }

  /** Common type of several values (CASE branches, COALESCE arguments), or a clear error. */
  commonOf(bs: Bound[], what: string): SqlType {
    let t: SqlType = T.null;
    for (const b of bs) {
      const next = commonType(t, b.type);
      if (!next || next.id === 'struct' || next.id === 'list' || next.id === 'map' || next.id === 'interval') {
        this.fail(`${what} values must share a type, but ${typeName(b.type)} does not fit with ${typeName(t)}`, b.pos);
      }
      t = next;
    }
    return t;
  }

  /** Explicit CAST node (no implicit-cast check). */
  bindCast(a: Bound, to: SqlType): Bound {
    if (sameType(a.type, to)) return a;
    return node(to, a.pos, [a], (ctx) => castCol(a.eval(ctx), to));
  }

  /** Implicitly casts `b` to `to` (no-op when already that type); `what` names the operator for errors. */
  coerce(b: Bound, to: SqlType, what: string): Bound {
    if (sameType(b.type, to)) return b;
    if (b.type.id === 'null') return { type: to, pos: b.pos, constant: true, eval: (ctx) => nullCol(to, ctx.n) };
    const implicitOk = implicitCastAllowed(b.type, to);
    if (!implicitOk) this.fail(`${what} expects ${typeName(to)} but got ${typeName(b.type)}`, b.pos);
    return node(to, b.pos, [b], (ctx) => castCol(b.eval(ctx), to));
  }
}

/** Spark's implicit casts: numeric widening (and narrowing to a target numeric), string ↔ atomic, date → timestamp. */
function implicitCastAllowed(from: SqlType, to: SqlType): boolean {
  if (isNumeric(from) && isNumeric(to)) return true;
  if (from.id === 'string') return to.id !== 'struct' && to.id !== 'list' && to.id !== 'map' && to.id !== 'interval';
  if (to.id === 'string') return isNumeric(from) || from.id === 'date' || from.id === 'timestamp' || from.id === 'boolean';
  if (from.id === 'date' && to.id === 'timestamp') return true;
  if (from.id === 'timestamp' && to.id === 'timestamp') return true;
  if (from.id === 'boolean' && to.id === 'boolean') return true;
  return false;
}

function decimalResult(op: ArithOp, a: SqlType, b: SqlType): SqlType {
  const d = (t: SqlType): { precision: number; scale: number } => (t.id === 'decimal' ? t : isIntegral(t) ? { precision: { int8: 3, int16: 5, int32: 10, int64: 20 }[t.id as 'int8'], scale: 0 } : { precision: 38, scale: 18 });
  const x = d(a);
  const y = d(b);
  let precision: number;
  let scale: number;
  if (op === '*') { precision = x.precision + y.precision + 1; scale = x.scale + y.scale; }
  else if (op === '%') { scale = Math.max(x.scale, y.scale); precision = Math.min(x.precision - x.scale, y.precision - y.scale) + scale; }
  else { scale = Math.max(x.scale, y.scale); precision = Math.max(x.precision - x.scale, y.precision - y.scale) + scale + 1; }
  if (precision > 38) {
    // Spark's adjustPrecisionScale: keep the integral digits, give up scale down to 6.
    const intDigits = precision - scale;
    scale = Math.max(38 - intDigits, Math.min(scale, 6));
    precision = 38;
  }
  return { id: 'decimal', precision, scale };
}

function rowsOf(type: SqlType, n: number, fn: (i: number) => Value | null): Col {
  const dummy = makeCol(T.int32, n, new Int32Array(n), null);
  let i = -1;
  return mapRows(type, n, [dummy], () => fn(++i), true);
}

/** `x IN (constants)`: a set lookup; NULL when not found and the list holds a NULL. */
function inConstants(x: Col, values: (Value | null)[]): Col {
  const n = x.scalar ? 1 : x.length;
  const hasNull = values.includes(null);
  const present = values.filter((v): v is Value => v !== null);
  const out = new Uint8Array(n);
  const v = x.values;
  if (x.type.id === 'string' && isUtf8(v)) {
    const enc = new TextEncoder();
    const lits = [...new Set(present as string[])].map((s) => enc.encode(s));
    matchUtf8Set(v as Utf8, lits, out, n);
  } else if (x.type.id === 'string') {
    const set = new Set(present as string[]);
    const strs = asStrings(x);
    for (let i = 0; i < n; i++) out[i] = set.has(strs[i]) ? 1 : 0;
  } else if (v instanceof BigInt64Array) {
    const set = new Set(present.map((p) => BigInt(p as number | bigint)));
    for (let i = 0; i < n; i++) out[i] = set.has(v[i]) ? 1 : 0;
  } else {
    const arr = v as Float64Array | Int32Array | Uint8Array;
    const nums = present.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : Number(p)));
    const set = new Set(nums);
    // NaN is equal to NaN in Spark; a Set already treats NaN as one value.
    for (let i = 0; i < n; i++) out[i] = set.has(arr[i]) ? 1 : 0;
  }
  let valid = x.valid ? x.valid.slice(0, n) : null;
  if (hasNull) {
    valid ??= new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) if (!out[i]) valid[i] = 0;
  }
  return makeCol(T.boolean, x.length, out, valid, x.scalar);
}

function matchUtf8Set(u: Utf8, lits: Uint8Array[], out: Uint8Array, n: number): void {
  const { offsets, bytes } = u;
  for (let i = 0; i < n; i++) {
    const s = offsets[i];
    const len = offsets[i + 1] - s;
    for (let k = 0; k < lits.length; k++) {
      const p = lits[k];
      if (p.length !== len) continue;
      let j = 0;
      while (j < len && bytes[s + j] === p[j]) j++;
      if (j === len) { out[i] = 1; break; }
    }
  }
}

export function typeFromName(t: import('./ast.ts').TypeName): SqlType {
  switch (t.name) {
    case 'tinyint': return T.int8;
    case 'smallint': return T.int16;
    case 'int': return T.int32;
    case 'bigint': return T.int64;
    case 'float': return T.float32;
    case 'double': return T.float64;
    case 'string': return T.string;
    case 'boolean': return T.boolean;
    case 'date': return T.date;
    case 'timestamp': return T.timestamp;
    case 'timestamp_ntz': return { id: 'timestamp', tz: null };
    case 'decimal': return { id: 'decimal', precision: t.precision, scale: t.scale };
  }
}

export { loopLength, node, constantValue };
