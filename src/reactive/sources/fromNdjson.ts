// Newline-delimited JSON (one object per line) → RecordBatches, streaming: each
// chunk is split into lines, each line parsed and appended; no full-file buffer.
import type { RecordBatch } from 'apache-arrow';
import type { Observable } from 'rxjs';
import type { Schema } from '../schema/schema.ts';
import { isRecord } from '../schema/struct.ts';
import { describeValue } from '../schema/valueError.ts';
import { checkBatchSize } from './fromRows.ts';
import { pump, type Accumulator, type PumpOptions, type SourceInput } from './pump.ts';
import { RowBatchBuilder } from './rowBatchBuilder.ts';
import { ChunkDecoder, type TextChunk } from './textChunks.ts';

/** Options of `fromNdjson`. */
export interface FromNdjsonOptions<S extends Schema> extends PumpOptions {
  schema: S;
  /** Rows per emitted batch (the last may be smaller). Default 65 536. */
  batchSize?: number;
}

class NdjsonAccumulator implements Accumulator<TextChunk> {
  private readonly builder: RowBatchBuilder;
  private readonly decoder: ChunkDecoder;
  private readonly rows: unknown[];
  private readonly lines: Int32Array;
  private readonly where: string;
  private readonly convert: boolean;
  private n = 0;
  private carry = '';
  private line = 0;

  constructor(
    private readonly schema: Schema,
    private readonly batchSize: number,
  ) {
    this.builder = new RowBatchBuilder(schema);
    this.where = schema.name ? `${schema.name}: fromNdjson` : 'fromNdjson';
    this.decoder = new ChunkDecoder(this.where);
    this.rows = new Array(batchSize);
    this.lines = new Int32Array(batchSize);
    this.convert = Object.values(schema.fields).some((t) => t.needsJSONConversion);
  }

  get buffered(): boolean {
    return this.n > 0;
  }

  private addLine(text: string, emit: (b: RecordBatch) => void): void {
    this.line++;
    let start = 0;
    let end = text.length;
    while (start < end && text.charCodeAt(start) <= 32) start++;
    while (end > start && text.charCodeAt(end - 1) <= 32) end--;
    if (start === end) return; // blank lines separate nothing
    let row: unknown;
    try {
      row = JSON.parse(start === 0 && end === text.length ? text : text.slice(start, end));
    } catch (e) {
      throw new Error(`${this.where}: line ${this.line}: invalid JSON (${(e as Error).message})`);
    }
    if (!isRecord(row)) throw new Error(`${this.where}: line ${this.line}: expected a JSON object, got ${describeValue(row)}`);
    if (this.convert) {
      for (const [k, t] of Object.entries(this.schema.fields)) {
        if (t.needsJSONConversion && row[k] != null) row[k] = t.fromJSON(row[k]);
      }
    }
    this.rows[this.n] = row;
    this.lines[this.n] = this.line;
    if (++this.n === this.batchSize) this.flush(emit);
  }

  push(chunk: TextChunk, emit: (b: RecordBatch) => void): void {
    const text = this.decoder.decode(chunk);
    let from = 0;
    let nl = text.indexOf('\n');
    if (nl >= 0 && this.carry.length > 0) {
      this.addLine(this.carry + text.slice(0, nl), emit);
      this.carry = '';
      from = nl + 1;
      nl = text.indexOf('\n', from);
    }
    while (nl >= 0) {
      this.addLine(text.slice(from, nl), emit);
      from = nl + 1;
      nl = text.indexOf('\n', from);
    }
    this.carry += text.slice(from);
  }

  end(emit: (b: RecordBatch) => void): void {
    const tail = this.carry + this.decoder.decode(undefined, true);
    this.carry = '';
    if (tail.length > 0) this.addLine(tail, emit);
  }

  flush(emit: (b: RecordBatch) => void): void {
    const count = this.n;
    if (count === 0) return;
    const lines = this.lines;
    const batch = this.builder.build(this.rows, count, (i) => `line ${lines[i]}`);
    this.n = 0;
    this.rows.fill(undefined, 0, count);
    emit(batch);
  }
}

/**
 * Parses newline-delimited JSON from a Node Readable (or any iterable / async
 * iterable of string or UTF-8 byte chunks) into RecordBatches of the schema.
 * Values are checked like `fromRows` (JSON has no bigint: int64 values beyond
 * 2^53 are rejected; binary fields are base64 strings); errors name the line,
 * column and value. Blank lines are skipped.
 * @example
 * ```ts
 * fromNdjson(createReadStream('orders.ndjson'), { schema: orders })
 *   .pipe(microBatch({ maxRows: 100_000 }));
 * ```
 */
export function fromNdjson<S extends Schema>(source: SourceInput<TextChunk>, options: FromNdjsonOptions<S>): Observable<RecordBatch> {
  const batchSize = checkBatchSize(options.batchSize, 'fromNdjson');
  return pump<TextChunk>(source, () => new NdjsonAccumulator(options.schema, batchSize), options);
}
