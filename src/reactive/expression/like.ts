// LIKE / ILIKE pattern matching. Patterns without wildcards in the middle
// (exact, prefix%, %suffix, %infix%) compare UTF-8 bytes directly; the rest
// compile to an anchored regular expression over code points.
import { type Col, type Utf8, asStrings, isUtf8, makeCol } from './column.ts';
import { T } from './sql-type.ts';

export type LikeMatcher =
  | { kind: 'exact' | 'prefix' | 'suffix' | 'contains'; text: string; bytes: Uint8Array }
  | { kind: 'regex'; re: RegExp }
  | { kind: 'all' };

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Compiles a LIKE pattern. `_` matches one character, `%` any sequence; `escape` (default backslash)
 * makes the next character literal.
 * @throws Error when the pattern ends with the escape character.
 */
export function compileLike(pattern: string, escape: string | null, ignoreCase: boolean): LikeMatcher {
  const esc = escape ?? '\\';
  const parts: ({ lit: string } | { wild: '%' | '_' })[] = [];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === esc) {
      if (i + 1 >= chars.length) throw new Error(`the LIKE pattern '${pattern}' ends with the escape character '${esc}'`);
      parts.push({ lit: chars[++i] });
    } else if (c === '%' || c === '_') parts.push({ wild: c });
    else parts.push({ lit: c });
  }
  const text = (ps: typeof parts): string => ps.map((p) => ('lit' in p ? p.lit : '')).join('');
  const allLit = (ps: typeof parts): boolean => ps.every((p) => 'lit' in p);
  if (!ignoreCase) {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const first = parts[0];
    const last = parts[parts.length - 1];
    const isPct = (p: (typeof parts)[number] | undefined): boolean => p !== undefined && 'wild' in p && p.wild === '%';
    if (parts.length > 0 && parts.every(isPct)) return { kind: 'all' };
    if (allLit(parts)) return { kind: 'exact', text: text(parts), bytes: enc(text(parts)) };
    if (isPct(last) && allLit(parts.slice(0, -1))) return { kind: 'prefix', text: text(parts), bytes: enc(text(parts)) };
    if (isPct(first) && allLit(parts.slice(1))) return { kind: 'suffix', text: text(parts), bytes: enc(text(parts)) };
    if (parts.length >= 2 && isPct(first) && isPct(last) && allLit(parts.slice(1, -1))) return { kind: 'contains', text: text(parts), bytes: enc(text(parts)) };
  }
  const src = parts.map((p) => ('lit' in p ? escapeRe(p.lit) : p.wild === '%' ? '.*' : '.')).join('');
  return { kind: 'regex', re: new RegExp(`^${src}$`, ignoreCase ? 'su' + 'i' : 'su') };
}

/** Tests one string (for per-row patterns). */
export function likeTest(m: LikeMatcher, s: string): boolean {
  switch (m.kind) {
    case 'all': return true;
    case 'exact': return s === m.text;
    case 'prefix': return s.startsWith(m.text);
    case 'suffix': return s.endsWith(m.text);
    case 'contains': return s.includes(m.text);
    case 'regex': return m.re.test(s);
  }
}

/** Applies a constant matcher to a string column; validity follows the input. */
export function likeCol(c: Col, m: LikeMatcher, negated: boolean): Col {
  const n = c.scalar ? 1 : c.length;
  const out = new Uint8Array(n);
  const v = c.values;
  if (isUtf8(v) && m.kind !== 'regex') matchUtf8(v, m, out, n);
  else {
    const strs = asStrings(c);
    for (let i = 0; i < n; i++) out[i] = likeTest(m, strs[i]) ? 1 : 0;
  }
  if (negated) for (let i = 0; i < n; i++) out[i] ^= 1;
  return makeCol(T.boolean, c.length, out, c.valid, c.scalar);
}

function matchUtf8(u: Utf8, m: Exclude<LikeMatcher, { kind: 'regex' }>, out: Uint8Array, n: number): void {
  const { offsets, bytes } = u;
  if (m.kind === 'all') { out.fill(1); return; }
  const p = m.bytes;
  const pl = p.length;
  for (let i = 0; i < n; i++) {
    const s = offsets[i];
    const e = offsets[i + 1];
    const len = e - s;
    let hit = false;
    switch (m.kind) {
      case 'exact': hit = len === pl && bytesAt(bytes, s, p); break;
      case 'prefix': hit = len >= pl && bytesAt(bytes, s, p); break;
      case 'suffix': hit = len >= pl && bytesAt(bytes, e - pl, p); break;
      case 'contains':
        for (let k = s; k + pl <= e; k++) if (bytesAt(bytes, k, p)) { hit = true; break; }
        break;
    }
    out[i] = hit ? 1 : 0;
  }
}

function bytesAt(bytes: Uint8Array, at: number, p: Uint8Array): boolean {
  for (let k = 0; k < p.length; k++) if (bytes[at + k] !== p[k]) return false;
  return true;
}
