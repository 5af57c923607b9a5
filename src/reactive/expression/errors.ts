// Errors raised while parsing, type-checking or evaluating an expression. Each
// one carries the expression text and the character position it refers to, so
// the message can point at the offending spot with a caret line.

/** Renders `sql` with a caret under `pos` (0-based), for error messages. */
export function caretLine(sql: string, pos: number): string {
  // Keep the caret aligned on multi-line expressions by showing only the line containing pos.
  const start = sql.lastIndexOf('\n', Math.max(0, pos - 1)) + 1;
  const endNl = sql.indexOf('\n', pos);
  const line = sql.slice(start, endNl < 0 ? sql.length : endNl);
  const col = Math.max(0, Math.min(pos - start, line.length));
  return `  ${line}\n  ${' '.repeat(col)}^`;
}

/** Base class of every error this module raises on bad expressions. */
export class ExpressionError extends Error {
  /** 0-based character offset into `sql`, or -1 when not tied to one spot. */
  readonly position: number;
  readonly sql: string;
  constructor(message: string, sql: string, position: number) {
    super(position >= 0 && sql ? `${message}\n${caretLine(sql, position)}` : message);
    this.name = 'ExpressionError';
    this.sql = sql;
    this.position = position;
  }
}

/** The text is not a valid expression. Message: `Syntax error at position N: …` plus a caret line. */
export class ExpressionSyntaxError extends ExpressionError {
  constructor(detail: string, sql: string, position: number) {
    super(`Syntax error at position ${position}: ${detail}`, sql, position);
    this.name = 'ExpressionSyntaxError';
  }
}

/** The expression is well-formed but does not fit the schema: unknown column/function, type mismatch. */
export class ExpressionTypeError extends ExpressionError {
  constructor(message: string, sql: string, position: number) {
    super(message, sql, position);
    this.name = 'ExpressionTypeError';
  }
}

/** A value could not be computed at run time (e.g. a bad regular expression). */
export class ExpressionEvaluationError extends ExpressionError {
  constructor(message: string, sql: string, position: number) {
    super(message, sql, position);
    this.name = 'ExpressionEvaluationError';
  }
}
