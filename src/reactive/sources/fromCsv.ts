// CSV (RFC 4180) → RecordBatches, streaming: chunks are tokenized as they come,
// cells are kept per column and converted by each field type's text rules.
//   null        an unquoted cell equal to `nullValue` (default: empty) in a
//               nullable column; a quoted "" is always the empty string
//   numbers     decimal text (int64 exact via bigint); no thousands separators
//   bool        true / false, any letter case
//   date, timestamp, decimal   as the field types parse strings (ISO-8601, exact decimals)
//   binary      base64
//   list, struct, map          JSON text
import type { RecordBatch } from 'apache-arrow';
import type { Observable } from 'rxjs';
import type { FieldType } from '../schema/field.ts';
import type { Schema } from '../schema/schema.ts';
import { contextualize } from '../schema/valueError.ts';
import { CsvParser } from './csvParser.ts';
import { checkBatchSize } from './fromRows.ts';
import { pump, type Accumulator, type PumpOptions, type SourceInput } from './pump.ts';
import { RowBatchBuilder } from './rowBatchBuilder.ts';
import { ChunkDecoder, type TextChunk } from './textChunks.ts';

/** Options of `fromCsv`. */
export interface FromCsvOptions<S extends Schema> extends PumpOptions {
  schema: S;
  /** Whether the first record names the columns (matched to the schema by name). Default true. */
  header?: boolean;
  /** Field separator, one character. Default `,`. */
  delimiter?: string;
  /** Unquoted cell text that means null in nullable columns. Default `''`. */
  nullValue?: string;
  /** Rows per emitted batch (the last may be smaller). Default 65 536. */
  batchSize?: number;
}

class CsvAccumulator implements Accumulator<TextChunk> {
  private readonly builder: RowBatchBuilder;
  private readonly decoder: ChunkDecoder;
  private readonly parser: CsvParser;
  private readonly where: string;
  private readonly types: FieldType[];
  /** Per schema column: the record field it reads, or -1 (absent nullable column). */
  private sourceIndex: number[] | null = null;
  private width = 0;
  /** Per schema column, per buffered row: the cell text, or null for the null marker. */
  private readonly cells: (string | null)[][];
  private readonly lines: Int32Array;
  private n = 0;
  private emit: (b: RecordBatch) => void = () => {};

  constructor(
    private readonly schema: Schema,
    private readonly batchSize: number,
    private readonly header: boolean,
    delimiter: string,
    private readonly nullValue: string,
  ) {
    this.builder = new RowBatchBuilder(schema);
    this.where = schema.name ? `${schema.name}: fromCsv` : 'fromCsv';
    this.decoder = new ChunkDecoder(this.where);
    this.parser = new CsvParser(delimiter, (f, q, line) => this.record(f, q, line), this.where);
    this.types = schema.names.map((n) => schema.fields[n]!);
    this.cells = schema.names.map(() => new Array<string | null>(batchSize));
    this.lines = new Int32Array(batchSize);
    if (!header) {
      this.sourceIndex = schema.names.map((_, i) => i);
      this.width = schema.names.length;
    }
  }

  get buffered(): boolean {
    return this.n > 0;
  }

  private readHeader(fields: string[], line: number): void {
    const seen = new Map<string, number>();
    fields.forEach((f, i) => {
      const name = f.trim();
      if (seen.has(name)) throw new Error(`${this.where}: line ${line}: column "${name}" appears twice in the header`);
      seen.set(name, i);
    });
    this.sourceIndex = this.schema.names.map((name, c) => {
      const at = seen.get(name);
      if (at !== undefined) return at;
      if (this.types[c]!.isNullable) return -1;
      throw new Error(`${this.where}: line ${line}: the header has no column "${name}" (found: ${fields.join(', ')})`);
    });
    this.width = fields.length;
  }

  private record(fields: string[], quoted: boolean[], line: number): void {
    const index = this.sourceIndex;
    if (index === null) return this.readHeader(fields, line);
    if (fields.length !== this.width) throw new Error(`${this.where}: line ${line}: expected ${this.width} fields, got ${fields.length}`);
    const n = this.n;
    for (let c = 0; c < index.length; c++) {
      const at = index[c]!;
      this.cells[c]![n] = at < 0 ? null : !quoted[at] && fields[at] === this.nullValue ? null : fields[at]!;
    }
    this.lines[n] = line;
    if (++this.n === this.batchSize) this.flush(this.emit);
  }

  push(chunk: TextChunk, emit: (b: RecordBatch) => void): void {
    this.emit = emit;
    this.parser.push(this.decoder.decode(chunk));
  }

  end(emit: (b: RecordBatch) => void): void {
    this.emit = emit;
    this.parser.push(this.decoder.decode(undefined, true));
    this.parser.end();
  }

  flush(emit: (b: RecordBatch) => void): void {
    const count = this.n;
    if (count === 0) return;
    const names = this.schema.names;
    for (let c = 0; c < names.length; c++) {
      const type = this.types[c]!;
      const column = this.builder.columns[c]!;
      const cells = this.cells[c]!;
      // A null marker in a non-nullable column: strings keep the text, others reject it.
      const nullText = type.isNullable ? null : this.nullValue;
      let r = 0;
      try {
        for (; r < count; r++) {
          const cell = cells[r]!;
          column.append(cell === null ? nullText : type.fromText(cell));
        }
      } catch (e) {
        this.builder.discard();
        throw contextualize(e, names[c]!, `line ${this.lines[r]}`, this.where);
      }
      cells.fill(null, 0, count);
    }
    this.n = 0;
    emit(this.builder.finish(count));
  }
}

/**
 * Parses CSV (RFC 4180 quoting; CRLF, LF or CR line breaks) from a Node
 * Readable (or any iterable / async iterable of string or UTF-8 byte chunks)
 * into RecordBatches of the schema. With `header` (default) columns are
 * matched by name — extra CSV columns are ignored, a missing nullable column
 * is all null; without it they are taken in schema order. Errors name the
 * line, column and cell text.
 * @example
 * ```ts
 * fromCsv(createReadStream('orders.csv'), { schema: orders, delimiter: ';' })
 *   .subscribe((batch) => console.log(batch.numRows));
 * ```
 */
export function fromCsv<S extends Schema>(source: SourceInput<TextChunk>, options: FromCsvOptions<S>): Observable<RecordBatch> {
  const batchSize = checkBatchSize(options.batchSize, 'fromCsv');
  const header = options.header ?? true;
  const delimiter = options.delimiter ?? ',';
  const nullValue = options.nullValue ?? '';
  // Validate the delimiter now rather than at subscription.
  new CsvParser(delimiter, () => {}, 'fromCsv');
  return pump<TextChunk>(source, () => new CsvAccumulator(options.schema, batchSize, header, delimiter, nullValue), options);
}
