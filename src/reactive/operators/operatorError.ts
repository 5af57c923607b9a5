// The error every expression operator (where / select / withColumns /
// dropColumns) emits: the operator, the expression or column it was working
// on and the dataset prefix the underlying message, which is kept as `cause`.
import type * as arrow from 'apache-arrow';
import { ExpressionError } from '../expression/index.ts';

/** Where an operator failed. */
export interface OperatorErrorContext {
  /** `where`, `select`, `withColumns`, `dropColumns`. */
  operator: string;
  /** What it was evaluating, e.g. `` `amount > 100` `` or `` total = `a * b` ``; omitted when not specific. */
  subject?: string;
  /** The dataset named in the operator's options. */
  dataset?: string;
  /** The batch schema; listed when the cause does not already list its columns. */
  schema?: arrow.Schema;
}

/**
 * An expression operator failed: bad SQL, unknown column, a column function
 * that threw or returned the wrong shape. The message reads
 * `where `x > 1` on dataset orders: <cause>`; the original error is `cause`.
 */
export class OperatorError extends Error {
  readonly operator: string;
  readonly subject: string | undefined;
  readonly dataset: string | undefined;

  constructor(context: OperatorErrorContext, cause: unknown) {
    super(`${prefix(context)}: ${describeCause(cause, context.schema)}`, { cause });
    this.name = 'OperatorError';
    this.operator = context.operator;
    this.subject = context.subject;
    this.dataset = context.dataset;
  }
}

function prefix(c: OperatorErrorContext): string {
  return `${c.operator}${c.subject ? ` ${c.subject}` : ''}${c.dataset ? ` on dataset ${c.dataset}` : ''}`;
}

function describeCause(cause: unknown, schema: arrow.Schema | undefined): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (!schema || !(cause instanceof ExpressionError)) return message;
  // The engine lists the columns on name errors; for type errors add them so the fix is visible.
  const names = schema.fields.map((f) => f.name).join(', ');
  if (message.includes(`[${names}]`)) return message;
  return `${message}\n  columns: [${schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ')}]`;
}

/** Wraps `cause` unless it already is an OperatorError. */
export function operatorError(context: OperatorErrorContext, cause: unknown): OperatorError {
  return cause instanceof OperatorError ? cause : new OperatorError(context, cause);
}
