// String functions with Spark semantics: positions and lengths count Unicode
// code points, positions are 1-based, NULL in gives NULL out.
import { type Col, isUtf8, makeCol, type Utf8 } from '../column.ts';
import { T } from '../sql-type.ts';
import { type FunctionImpl, arity, rowFunction, literalArg } from './helpers.ts';
import { node } from '../bound.ts';
import { mapRows, type Value } from '../rows.ts';
import { ExpressionTypeError } from '../errors.ts';

const S = T.string;
const I = T.int32;

const codePoints = (s: string): string[] => Array.from(s);

/** Spark's UTF8String.substringSQL: pos 1-based, 0 acts as 1, negative counts from the end. */
export function substringSql(s: string, pos: number, len = 2147483647): string {
  const cps = s.length === 0 ? [] : codePoints(s);
  const n = cps.length;
  let start = pos > 0 ? pos - 1 : pos < 0 ? n + pos : 0;
  const end = Math.min(start + len, n);
  start = Math.max(start, 0);
  return start >= end ? '' : cps.slice(start, end).join('');
}

function lengthKernel(cols: Col[]): Col {
  const c = cols[0];
  const n = c.scalar ? 1 : c.length;
  const out = new Int32Array(n);
  const v = c.values;
  if (isUtf8(v)) {
    // Count bytes that do not continue a multi-byte sequence: one per code point.
    const { offsets, bytes } = v as Utf8;
    for (let i = 0; i < n; i++) {
      let k = 0;
      for (let j = offsets[i]; j < offsets[i + 1]; j++) if ((bytes[j] & 0xc0) !== 0x80) k++;
      out[i] = k;
    }
  } else {
    const strs = v as string[];
    for (let i = 0; i < n; i++) {
      const s = strs[i];
      let k = s.length;
      for (let j = 0; j < s.length; j++) { const ch = s.charCodeAt(j); if (ch >= 0xdc00 && ch <= 0xdfff) k--; }
      out[i] = k;
    }
  }
  return makeCol(I, c.length, out, c.valid, c.scalar);
}

const length: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 1);
  const s = b.coerce(args[0], S, `${name}()`);
  return node(I, pos, [s], (ctx) => lengthKernel([s.eval(ctx)]));
};

/** Trims only the space character (U+0020), as Spark's trim(str) does. */
const trimChars = (s: string, chars: string, left: boolean, right: boolean): string => {
  const set = new Set(codePoints(chars));
  const cps = codePoints(s);
  let a = 0;
  let z = cps.length;
  if (left) while (a < z && set.has(cps[a])) a++;
  if (right) while (z > a && set.has(cps[z - 1])) z--;
  return cps.slice(a, z).join('');
};

const trimFn = (left: boolean, right: boolean): FunctionImpl => rowFunction(S, [S, S], (s, chars) => trimChars(s as string, chars === undefined ? ' ' : (chars as string), left, right), { min: 1 });

const pad = (left: boolean): FunctionImpl => rowFunction(S, [S, I, S], (s, len, p) => {
  const str = codePoints(s as string);
  const n = len as number;
  const padStr = codePoints(p === undefined ? ' ' : (p as string));
  if (n <= 0) return '';
  if (n <= str.length) return str.slice(0, n).join('');
  if (padStr.length === 0) return str.join('');
  const fill: string[] = [];
  while (fill.length < n - str.length) fill.push(padStr[fill.length % padStr.length]);
  return left ? fill.join('') + str.join('') : str.join('') + fill.join('');
}, { min: 2 });

const concat: FunctionImpl = (b, args, pos, name) => {
  const cast = args.map((a) => b.coerce(a, S, `${name}()`));
  return node(S, pos, cast, (ctx) => (cast.length === 0 ? makeCol(S, ctx.n, [''], null, true) : mapRows(S, ctx.n, cast.map((c) => c.eval(ctx)), (...xs) => xs.join(''))));
};

const concatWs: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 1, Infinity);
  const cast = args.map((a) => b.coerce(a, S, `${name}()`));
  // NULL separator → NULL; NULL values are skipped.
  return node(S, pos, cast, (ctx) => mapRows(S, ctx.n, cast.map((c) => c.eval(ctx)), (sep, ...xs) => (sep === null ? null : xs.filter((x) => x !== null).join(sep as string)), true));
};

/** Converts a Java regular expression to a JS one (the common subset is identical). */
export function javaRegex(pattern: string, flags = ''): RegExp {
  // Java's possessive/atomic constructs and \A \Z have no JS equivalent worth emulating; \A and \z are common.
  const src = pattern.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  return new RegExp(src, flags);
}

function regexArg(b: Parameters<FunctionImpl>[0], arg: Parameters<FunctionImpl>[1][number], name: string, flags = ''): RegExp | null {
  const p = literalArg(b, arg, name, 'pattern');
  if (p === null) return null;
  try {
    return javaRegex(String(p), flags);
  } catch (err) {
    throw new ExpressionTypeError(`Invalid regular expression '${String(p)}' in ${name}(): ${(err as Error).message}`, b.sql, arg.pos);
  }
}

const regexpExtract: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 2, 3);
  const s = b.coerce(args[0], S, `${name}()`);
  const re = regexArg(b, b.coerce(args[1], S, `${name}()`), name);
  const idxArg = args[2] ? literalArg(b, b.coerce(args[2], I, `${name}()`), name, 'group index') : 1;
  const idx = Number(idxArg ?? 1);
  if (re) {
    const groups = new RegExp(`${re.source}|`).exec('')!.length - 1;
    if (idx < 0 || idx > groups) b.fail(`${name}(): group index ${idx} is out of range; the pattern has ${groups} group(s)`, args[2]?.pos ?? pos);
  }
  return node(S, pos, [s], (ctx) => (re === null ? mapRows(S, ctx.n, [s.eval(ctx)], () => null) : mapRows(S, ctx.n, [s.eval(ctx)], (x) => {
    const m = re.exec(x as string);
    return m ? (m[idx] ?? '') : '';
  })));
};

/** Java replacement syntax: $n / ${name} are groups, backslash escapes the next character. */
function javaReplacement(rep: string): (m: RegExpExecArray) => string {
  const parts: (string | number)[] = [];
  let lit = '';
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i];
    if (c === '\\' && i + 1 < rep.length) { lit += rep[++i]; continue; }
    if (c === '$' && /\d/.test(rep[i + 1] ?? '')) {
      parts.push(lit); lit = '';
      parts.push(Number(rep[++i]));
      continue;
    }
    lit += c;
  }
  parts.push(lit);
  return (m) => parts.map((p) => (typeof p === 'number' ? (m[p] ?? '') : p)).join('');
}

const regexpReplace: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 2, 3);
  const s = b.coerce(args[0], S, `${name}()`);
  const re = regexArg(b, b.coerce(args[1], S, `${name}()`), name, 'g');
  const rep = args[2] ? literalArg(b, b.coerce(args[2], S, `${name}()`), name, 'replacement') : '';
  const build = rep === null ? null : javaReplacement(String(rep));
  return node(S, pos, [s], (ctx) => mapRows(S, ctx.n, [s.eval(ctx)], (x) => {
    if (re === null || build === null) return null;
    const str = x as string;
    re.lastIndex = 0;
    let out = '';
    let last = 0;
    for (let m = re.exec(str); m; m = re.exec(str)) {
      out += str.slice(last, m.index) + build(m);
      last = m.index + m[0].length;
      if (m[0].length === 0) re.lastIndex++;
    }
    return out + str.slice(last);
  }));
};

const rlike: FunctionImpl = (b, args, pos, name) => {
  arity(b, args, pos, name, 2);
  const s = b.coerce(args[0], S, `${name}()`);
  const re = regexArg(b, b.coerce(args[1], S, `${name}()`), name);
  return node(T.boolean, pos, [s], (ctx) => mapRows(T.boolean, ctx.n, [s.eval(ctx)], (x) => (re === null ? null : re.test(x as string))));
};

const indexOfCp = (s: string, sub: string, fromCp = 0): number => {
  const cps = codePoints(s);
  const subCps = codePoints(sub);
  for (let i = fromCp; i + subCps.length <= cps.length; i++) {
    let ok = true;
    for (let k = 0; k < subCps.length; k++) if (cps[i + k] !== subCps[k]) { ok = false; break; }
    if (ok) return i;
  }
  return -1;
};

const initcap = (s: string): string => s.toLowerCase().replace(/(^|\s)(\S)/g, (_m, sp: string, c: string) => sp + c.toUpperCase());

export const STRING_FUNCTIONS: Record<string, FunctionImpl> = {
  length, char_length: length, character_length: length, len: length,
  lower: rowFunction(S, [S], (s) => (s as string).toLowerCase()),
  lcase: rowFunction(S, [S], (s) => (s as string).toLowerCase()),
  upper: rowFunction(S, [S], (s) => (s as string).toUpperCase()),
  ucase: rowFunction(S, [S], (s) => (s as string).toUpperCase()),
  trim: trimFn(true, true), btrim: trimFn(true, true), ltrim: trimFn(true, false), rtrim: trimFn(false, true),
  substring: rowFunction(S, [S, I, I], (s, p, l) => substringSql(s as string, p as number, l === undefined ? undefined : (l as number)), { min: 2 }),
  substr: rowFunction(S, [S, I, I], (s, p, l) => substringSql(s as string, p as number, l === undefined ? undefined : (l as number)), { min: 2 }),
  left: rowFunction(S, [S, I], (s, n) => ((n as number) <= 0 ? '' : substringSql(s as string, 1, n as number))),
  right: rowFunction(S, [S, I], (s, n) => ((n as number) <= 0 ? '' : substringSql(s as string, -(n as number)))),
  concat, concat_ws: concatWs,
  replace: rowFunction(S, [S, S, S], (s, search, rep) => ((search as string) === '' ? s : (s as string).split(search as string).join(rep === undefined ? '' : (rep as string))), { min: 2 }),
  starts_with: rowFunction(T.boolean, [S, S], (s, p) => (s as string).startsWith(p as string)),
  startswith: rowFunction(T.boolean, [S, S], (s, p) => (s as string).startsWith(p as string)),
  ends_with: rowFunction(T.boolean, [S, S], (s, p) => (s as string).endsWith(p as string)),
  endswith: rowFunction(T.boolean, [S, S], (s, p) => (s as string).endsWith(p as string)),
  contains: rowFunction(T.boolean, [S, S], (s, p) => (s as string).includes(p as string)),
  instr: rowFunction(I, [S, S], (s, sub) => indexOfCp(s as string, sub as string) + 1),
  locate: rowFunction(I, [S, S, I], (sub, s, p) => {
    const start = p === undefined ? 1 : (p as number);
    if (start < 1) return 0;
    return indexOfCp(s as string, sub as string, start - 1) + 1;
  }, { min: 2 }),
  position: rowFunction(I, [S, S, I], (sub, s, p) => {
    const start = p === undefined ? 1 : (p as number);
    if (start < 1) return 0;
    return indexOfCp(s as string, sub as string, start - 1) + 1;
  }, { min: 2 }),
  lpad: pad(true), rpad: pad(false),
  repeat: rowFunction(S, [S, I], (s, n) => (s as string).repeat(Math.max(0, n as number))),
  reverse: rowFunction(S, [S], (s) => codePoints(s as string).reverse().join('')),
  initcap: rowFunction(S, [S], (s) => initcap(s as string)),
  ascii: rowFunction(I, [S], (s) => ((s as string).length ? (s as string).codePointAt(0)! : 0)),
  regexp_extract: regexpExtract,
  regexp_replace: regexpReplace,
  regexp_like: rlike, rlike,
};

export type { Value };
