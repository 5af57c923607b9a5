// A value that does not fit its column. Builders throw it with only what they
// know (the value and what was expected); the enclosing struct/list builders
// prepend their path and the source adds the row/line and schema name, so the
// final message names everything without the hot loop formatting strings.

/** Thrown by column builders; callers rethrow it as a contextual Error. */
export class ValueError extends Error {
  /** Path below the column, outermost first: struct fields by name, list/map slots as `[i]`/`[key]`. */
  readonly path: string[] = [];

  constructor(
    readonly value: unknown,
    readonly expected: string,
    /** Index within the values handed to `appendColumn`, when known. */
    public index = -1,
  ) {
    super(`expected ${expected}, got ${describeValue(value)}`);
    this.name = 'ValueError';
  }
}

/**
 * A short, unambiguous rendering of a bad value for error messages.
 * @example `describeValue('12') === '"12" (string)'`
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined (missing)';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return `${JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value)} (string)`;
    case 'bigint':
      return `${value}n (bigint)`;
    case 'number':
    case 'boolean':
      return `${String(value)} (${typeof value})`;
    case 'object': {
      if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()})`;
      if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
      if (Array.isArray(value)) return `array(${value.length})`;
      const name = (value as object).constructor?.name;
      let text: string;
      try {
        text = JSON.stringify(value) ?? String(value);
      } catch {
        text = String(value);
      }
      if (text.length > 80) text = text.slice(0, 80) + '…';
      return name && name !== 'Object' ? `${name} ${text}` : `${text} (object)`;
    }
    default:
      return `${String(value)} (${typeof value})`;
  }
}

/**
 * Rewrites a builder's ValueError into the Error users see: schema, column path,
 * position (row index or line) and value, e.g.
 * `orders: column "amount", row 12: expected float64 (number), got "12.5" (string)`.
 */
export function contextualize(e: unknown, column: string, position: string, schemaName?: string): Error {
  if (!(e instanceof ValueError)) return e instanceof Error ? e : new Error(String(e));
  const path = [column, ...e.path].reduce((a, p) => (p.startsWith('[') ? a + p : `${a}.${p}`));
  const prefix = schemaName ? `${schemaName}: ` : '';
  const err = new Error(`${prefix}column "${path}", ${position}: ${e.message}`, { cause: e });
  return err;
}
