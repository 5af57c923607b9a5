// A streaming RFC 4180 tokenizer: fields separated by a delimiter, records by
// CRLF, LF or CR; a field in double quotes may hold delimiters, line breaks and
// doubled quotes (""). Chunks may split a record anywhere.

const QUOTE = 34;
const LF = 10;
const CR = 13;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** Just read a quote inside a quoted field: an escaped quote or the end. */
  QuoteInQuoted,
  /** Just ended a record on CR: swallow one LF. */
  AfterCR,
}

/** Receives one record: its fields, which were quoted, and the line it started on (1-based). */
export type OnRecord = (fields: string[], quoted: boolean[], line: number) => void;

/** Incremental CSV tokenizer; `push` chunks, then `end`. */
export class CsvParser {
  private state = State.FieldStart;
  private field = '';
  private quoted = false;
  private fields: string[] = [];
  private quotedFlags: boolean[] = [];
  private line = 1;
  private recordLine = 1;
  private readonly delim: number;

  constructor(
    delimiter: string,
    private readonly onRecord: OnRecord,
    private readonly where: string,
  ) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new RangeError(`${where}: delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
    }
    this.delim = delimiter.charCodeAt(0);
  }

  private endField(): void {
    this.fields.push(this.field);
    this.quotedFlags.push(this.quoted);
    this.field = '';
    this.quoted = false;
  }

  /** Emits the current record (started on `recordLine`); blank lines are no record. */
  private endRecord(): void {
    this.endField();
    const fields = this.fields;
    const quoted = this.quotedFlags;
    this.fields = [];
    this.quotedFlags = [];
    if (fields.length === 1 && fields[0] === '' && !quoted[0]) return;
    this.onRecord(fields, quoted, this.recordLine);
  }

  /** Handles a delimiter or line break `c` at `i`; returns the next index. */
  private terminator(i: number, c: number): number {
    if (c === this.delim) {
      this.endField();
      this.state = State.FieldStart;
      return i + 1;
    }
    this.endRecord();
    this.line++;
    this.recordLine = this.line;
    this.state = c === CR ? State.AfterCR : State.FieldStart;
    return i + 1;
  }

  private fail(message: string, line = this.line): never {
    throw new Error(`${this.where}: line ${line}: ${message}`);
  }

  /** Tokenizes one chunk of text. */
  push(s: string): void {
    const len = s.length;
    const delim = this.delim;
    let i = 0;
    while (i < len) {
      switch (this.state) {
        case State.AfterCR:
          if (s.charCodeAt(i) === LF) i++;
          this.state = State.FieldStart;
          break;
        case State.FieldStart:
          if (s.charCodeAt(i) === QUOTE) {
            this.quoted = true;
            this.state = State.Quoted;
            i++;
            break;
          }
          this.state = State.Unquoted;
          break;
        case State.Unquoted: {
          let j = i;
          let c = 0;
          for (; j < len; j++) {
            c = s.charCodeAt(j);
            if (c === delim || c === LF || c === CR) break;
            if (c === QUOTE) this.fail('a quote inside an unquoted field (quote the whole field and double the quote)');
          }
          if (j > i) this.field += s.slice(i, j);
          i = j === len ? len : this.terminator(j, c);
          break;
        }
        case State.Quoted: {
          const q = s.indexOf('"', i);
          const end = q < 0 ? len : q;
          const piece = s.slice(i, end);
          for (let k = piece.indexOf('\n'); k >= 0; k = piece.indexOf('\n', k + 1)) this.line++;
          this.field += piece;
          if (q < 0) i = len;
          else {
            i = q + 1;
            this.state = State.QuoteInQuoted;
          }
          break;
        }
        case State.QuoteInQuoted: {
          const c = s.charCodeAt(i);
          if (c === QUOTE) {
            this.field += '"';
            this.state = State.Quoted;
            i++;
          } else if (c === delim || c === LF || c === CR) {
            i = this.terminator(i, c);
          } else {
            this.fail(`unexpected ${JSON.stringify(s[i])} after a closing quote`);
          }
          break;
        }
      }
    }
  }

  /** Ends the input: completes a last record without a trailing line break. */
  end(): void {
    if (this.state === State.Quoted) this.fail('unterminated quoted field at end of input', this.recordLine);
    if (this.state === State.Unquoted || this.state === State.QuoteInQuoted || (this.state === State.FieldStart && this.fields.length > 0)) {
      this.endRecord();
    }
    this.state = State.FieldStart;
  }
}
