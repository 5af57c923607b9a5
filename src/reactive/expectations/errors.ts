// Errors of the expectation operators: a violated fail-expectation
// (DLT's EXPECTATION_VIOLATION) and a badly declared expectation.
import type { JsonValue } from './rowValues.ts';

/** What {@link ExpectationViolationError} reports, shaped like DLT's EXPECTATION_VIOLATION payload. */
export interface ExpectationViolation {
  /** The dataset (flow) whose expectation failed. */
  flowName: string;
  /** Names of the fail-expectations the offending row violated (one or more). */
  expectationsViolated: string[];
  /**
   * The row as it entered the expectation. Tributary evaluates expectations on
   * the batch an operator receives, so this equals `outputRecord`; null for
   * batch-level expectations (row counts).
   */
  inputData: Record<string, JsonValue> | null;
  /** The offending row (all columns), or null for batch-level expectations. */
  outputRecord: Record<string, JsonValue> | null;
  /** True when no row can be shown (batch-level expectations). */
  missingInputData: boolean;
  /** Sequence number of the micro-batch within the flow (0-based). */
  batchId: number;
  /** Index of the offending row within the batch the expectations evaluated, or -1. */
  rowIndex: number;
  /** Extra explanation (e.g. the row count and the bounds of expectRowCount). */
  detail?: string;
}

const json = (v: unknown): string => JSON.stringify(v);

/**
 * A fail-expectation (`expectOrFail`, `expectAllOrFail`, or `action: 'fail'`)
 * was violated. Error condition `EXPECTATION_VIOLATION.VERBOSITY_ALL`,
 * SQLSTATE 22000; the message follows DLT's text:
 * `Flow 'orders' failed to meet the expectation. Violated expectations: 'valid_id'. Input data: '{"id":null}'. Output record: '{"id":null}'. Missing input data: false`.
 */
export class ExpectationViolationError extends Error implements ExpectationViolation {
  readonly errorClass = 'EXPECTATION_VIOLATION.VERBOSITY_ALL';
  readonly sqlState = '22000';
  readonly flowName: string;
  readonly expectationsViolated: string[];
  readonly inputData: Record<string, JsonValue> | null;
  readonly outputRecord: Record<string, JsonValue> | null;
  readonly missingInputData: boolean;
  readonly batchId: number;
  readonly rowIndex: number;
  readonly detail?: string;

  constructor(v: ExpectationViolation) {
    const names = v.expectationsViolated.join("', '");
    const input = v.inputData === null ? 'null' : json(v.inputData);
    const output = v.outputRecord === null ? 'null' : json(v.outputRecord);
    super(
      `Flow '${v.flowName}' failed to meet the expectation. Violated expectations: '${names}'. ` +
        `Input data: '${input}'. Output record: '${output}'. Missing input data: ${v.missingInputData}` +
        (v.detail ? `. ${v.detail}` : ''),
    );
    this.name = 'ExpectationViolationError';
    this.flowName = v.flowName;
    this.expectationsViolated = v.expectationsViolated;
    this.inputData = v.inputData;
    this.outputRecord = v.outputRecord;
    this.missingInputData = v.missingInputData;
    this.batchId = v.batchId;
    this.rowIndex = v.rowIndex;
    if (v.detail !== undefined) this.detail = v.detail;
  }

  /** The JSON payload (errorClass, sqlState, flowName, expectationsViolated, inputData, outputRecord, missingInputData). */
  toJSON(): Record<string, unknown> {
    return {
      errorClass: this.errorClass,
      sqlState: this.sqlState,
      flowName: this.flowName,
      expectationsViolated: this.expectationsViolated,
      inputData: this.inputData,
      outputRecord: this.outputRecord,
      missingInputData: this.missingInputData,
    };
  }
}

/**
 * An expectation is declared wrongly: its constraint does not parse or does
 * not fit the batch schema (the message names the expectation and dataset and
 * includes the expression error with its caret line), its name is reused on
 * the same dataset, or its options are invalid.
 */
export class ExpectationDefinitionError extends Error {
  readonly expectation: string;
  readonly dataset: string;
  constructor(expectation: string, dataset: string, message: string, options?: { cause?: unknown }) {
    super(`Expectation '${expectation}' on dataset '${dataset}': ${message}`, options);
    this.name = 'ExpectationDefinitionError';
    this.expectation = expectation;
    this.dataset = dataset;
  }
}
