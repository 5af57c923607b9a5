// The syntax tree produced by the parser. Nodes are plain objects carrying the
// source position of their first token (`pos`) for error messages.

/** Type names accepted by CAST, as written in Spark SQL. */
export type TypeName =
  | { name: 'tinyint' | 'smallint' | 'int' | 'bigint' | 'float' | 'double' | 'string' | 'boolean' | 'date' | 'timestamp' | 'timestamp_ntz' }
  | { name: 'decimal'; precision: number; scale: number };

export type LiteralValue =
  | { type: 'null' }
  | { type: 'boolean'; value: boolean }
  | { type: 'tinyint' | 'smallint' | 'int'; value: number }
  | { type: 'bigint'; value: bigint }
  | { type: 'double' | 'float'; value: number }
  /** Decimal literal: the digits are kept exactly; evaluation uses double precision. */
  | { type: 'decimal'; text: string; precision: number; scale: number }
  | { type: 'string'; value: string }
  /** Days since 1970-01-01. */
  | { type: 'date'; value: number }
  /** Microseconds since the epoch (UTC). */
  | { type: 'timestamp'; value: bigint }
  /** Interval as months + days + microseconds (Spark CalendarInterval). */
  | { type: 'interval'; months: number; days: number; micros: bigint };

export type BinaryOp =
  | 'AND' | 'OR'
  | '=' | '<>' | '<' | '<=' | '>' | '>=' | '<=>'
  | '+' | '-' | '*' | '/' | '%' | 'DIV' | '||'
  | '&' | '|' | '^';

export type Expr =
  | { kind: 'literal'; pos: number; value: LiteralValue }
  /** A top-level column reference; `quoted` when written in backticks (still matched case-insensitively, as Spark does). */
  | { kind: 'column'; pos: number; name: string; quoted: boolean }
  /** `base.name`: struct field access. */
  | { kind: 'field'; pos: number; base: Expr; name: string }
  /** `base[index]`: array element (0-based), map value or struct field by name. */
  | { kind: 'subscript'; pos: number; base: Expr; index: Expr }
  | { kind: 'unary'; pos: number; op: 'NOT' | '-' | '+' | '~'; operand: Expr }
  | { kind: 'binary'; pos: number; op: BinaryOp; left: Expr; right: Expr }
  /** IS [NOT] NULL / TRUE / FALSE / DISTINCT FROM x. */
  | { kind: 'is'; pos: number; operand: Expr; test: 'NULL' | 'TRUE' | 'FALSE'; negated: boolean }
  | { kind: 'distinct'; pos: number; left: Expr; right: Expr; negated: boolean }
  | { kind: 'in'; pos: number; operand: Expr; list: Expr[]; negated: boolean }
  | { kind: 'between'; pos: number; operand: Expr; low: Expr; high: Expr; negated: boolean }
  | { kind: 'like'; pos: number; op: 'LIKE' | 'ILIKE' | 'RLIKE'; operand: Expr; pattern: Expr; escape: string | null; negated: boolean }
  /** CASE [operand] WHEN … THEN … [ELSE …] END. */
  | { kind: 'case'; pos: number; operand: Expr | null; branches: { when: Expr; then: Expr }[]; otherwise: Expr | null }
  | { kind: 'cast'; pos: number; operand: Expr; to: TypeName; safe: boolean }
  | { kind: 'call'; pos: number; name: string; args: Expr[] };
