// Decodes a stream of text or UTF-8 byte chunks, keeping multi-byte
// characters that straddle chunk boundaries intact.

/** Chunks a text source yields: strings (a Readable with an encoding) or bytes. */
export type TextChunk = string | Uint8Array;

/** A streaming UTF-8 decoder that rejects invalid bytes instead of replacing them. */
export class ChunkDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private first = true;

  constructor(private readonly where: string) {}

  /** The text of one chunk (`final` flushes a trailing partial character). */
  decode(chunk: TextChunk | undefined, final = false): string {
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else if (chunk === undefined || chunk instanceof Uint8Array) {
      try {
        text = this.decoder.decode(chunk, { stream: !final });
      } catch {
        throw new Error(`${this.where}: the input is not valid UTF-8`);
      }
    } else throw new TypeError(`${this.where}: expected string or Uint8Array chunks, got ${typeof chunk}`);
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
    }
    return text;
  }
}
