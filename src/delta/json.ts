// JSON with exact 64-bit integers. Delta's stats carry long and decimal
// min/max values as bare JSON numbers; JSON.parse/stringify would round any
// integer beyond 2^53, which breaks file skipping exactly at the boundaries.

/** A JSON number written verbatim (an int64 or a decimal with its exact digits). */
export class JsonNumber {
  constructor(readonly text: string) {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) {
      throw new Error(`Not a JSON number: '${text}'`);
    }
  }
}

/** A JSON value as this module reads and writes it: integers beyond 2^53 are bigints. */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonNumber
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };

/**
 * Serializes like JSON.stringify (no whitespace, `undefined` members dropped),
 * but writes bigints and {@link JsonNumber}s as bare numbers.
 *
 * @example
 * stringifyJson({ max: 9007199254740993n }) // '{"max":9007199254740993}'
 */
export function stringifyJson(value: JsonValue | undefined): string {
  if (value === undefined) return 'null';
  if (value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot write ${value} as JSON`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => stringifyJson(v)).join(',')}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${stringifyJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * Parses JSON, returning integers outside the safe range as bigints (other
 * numbers as JS numbers), so int64 stats survive the round trip.
 *
 * @example
 * parseJson('{"a":9223372036854775807}') // { a: 9223372036854775807n }
 */
export function parseJson(text: string): JsonValue {
  // Without 16 digits in a row no integer can pass 2^53 (16 digits): the engine's parser reads it
  // exactly. Only texts that may hold a large integer take the parser below.
  if (!SIXTEEN_DIGITS.test(text)) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch (err) {
      throw new SyntaxError(`Invalid JSON: ${(err as Error).message}`);
    }
  }
  const p = new Parser(text);
  p.ws();
  const v = p.value();
  p.ws();
  if (p.i !== text.length) p.fail('trailing characters');
  return v;
}

const SIXTEEN_DIGITS = /\d{16}/;
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  fail(what: string): never {
    throw new SyntaxError(`Invalid JSON at position ${this.i}: ${what}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  value(): JsonValue {
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (this.s.startsWith('true', this.i)) return (this.i += 4), true;
    if (this.s.startsWith('false', this.i)) return (this.i += 5), false;
    if (this.s.startsWith('null', this.i)) return (this.i += 4), null;
    return this.fail(`unexpected ${c === undefined ? 'end of input' : `'${c}'`}`);
  }

  object(): { [key: string]: JsonValue } {
    const out: { [key: string]: JsonValue } = {};
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') return this.i++, out;
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a key');
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      this.ws();
      out[k] = this.value();
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail("expected ',' or '}'");
    }
  }

  array(): JsonValue[] {
    const out: JsonValue[] = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') return this.i++, out;
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    // Find the closing quote, skipping escapes, then let JSON.parse decode it.
    const start = this.i;
    this.i++;
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '\\') this.i += 2;
      else if (c === '"') break;
      else this.i++;
    }
    if (this.i >= s.length) this.fail('unterminated string');
    this.i++;
    return JSON.parse(s.slice(start, this.i)) as string;
  }

  number(): number | bigint {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail('bad number');
    this.i += m[0].length;
    const n = Number(m[0]);
    if (m[2] === undefined && m[3] === undefined && !Number.isSafeInteger(n)) return BigInt(m[0]);
    return n;
  }
}
