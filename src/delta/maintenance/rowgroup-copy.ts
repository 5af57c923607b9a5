// Compaction without decoding: when files share one Parquet schema, their row
// groups are copied byte for byte into a new file and only the footer is
// rewritten (row groups concatenated, page offsets shifted). Page indexes and
// bloom filters of the inputs live outside the row groups and are not carried
// over; their offsets are dropped from the footer, which readers accept.

import { TType, dropFields, field, numberField, readStruct, setI64, writeStruct, type TList, type TStruct } from './thrift-compact.ts';

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/** A parsed Parquet file: its bytes and footer tree. */
export interface ParquetFooter {
  bytes: Uint8Array;
  meta: TStruct;
  numRows: number;
}

/** Parses the footer of a whole Parquet file; throws naming `where` when it is not one. */
export function readFooter(bytes: Uint8Array, where: string): ParquetFooter {
  const n = bytes.length;
  const magic = (at: number) => MAGIC.every((m, i) => bytes[at + i] === m);
  if (n < 12 || !magic(0) || !magic(n - 4)) throw new Error(`${where} is not a Parquet file (no PAR1 magic)`);
  const len = bytes[n - 8] | (bytes[n - 7] << 8) | (bytes[n - 6] << 16) | (bytes[n - 5] << 24);
  if (len <= 0 || len > n - 12) throw new Error(`${where}: invalid Parquet footer length ${len}`);
  let meta: TStruct;
  try {
    meta = readStruct(bytes, n - 8 - len).value;
  } catch (err) {
    throw new Error(`${where}: corrupt Parquet footer: ${(err as Error).message}`);
  }
  if (field(meta, 8)) throw new Error(`${where} is an encrypted Parquet file, which compaction cannot rewrite`);
  return { bytes, meta, numRows: numberField(meta, 3) ?? 0 };
}

/** The serialized schema of a footer: equal bytes mean identical Parquet schemas. */
export function schemaKey(footer: ParquetFooter): string {
  const schema = field(footer.meta, 2);
  if (!schema) return '';
  return Buffer.from(writeStruct({ kind: 'struct', fields: [schema] })).toString('base64');
}

/**
 * Concatenates the row groups of `files` (identical schemas, checked by the
 * caller with {@link schemaKey}) into one Parquet file, in order.
 *
 * @example
 * const out = concatRowGroups([readFooter(a, 'a'), readFooter(b, 'b')]);
 */
export function concatRowGroups(files: readonly ParquetFooter[]): { bytes: Uint8Array; numRows: number; numRowGroups: number } {
  if (files.length === 0) throw new Error('concatRowGroups: no files');
  const pieces: Uint8Array[] = [Uint8Array.from(MAGIC)];
  let pos = 4;
  const rowGroups: TStruct[] = [];
  let numRows = 0;
  for (const f of files) {
    const groups = (field(f.meta, 4)?.value as TList | undefined)?.items ?? [];
    for (const item of groups) {
      const rg = item as TStruct;
      const columns = ((field(rg, 1)?.value as TList | undefined)?.items ?? []) as TStruct[];
      let start = Infinity;
      let end = 0;
      for (const cc of columns) {
        if (field(cc, 8) || field(cc, 9)) throw new Error('concatRowGroups: encrypted column chunk');
        const md = field(cc, 3)?.value as TStruct | undefined;
        if (!md) throw new Error('concatRowGroups: column chunk without metadata');
        const s = chunkStart(md);
        start = Math.min(start, s);
        end = Math.max(end, s + (numberField(md, 7) ?? 0));
      }
      if (columns.length === 0 || !(end > start) || end > f.bytes.length - 8) throw new Error('concatRowGroups: row group byte range is invalid');
      const shift = pos - start;
      for (const cc of columns) {
        const md = field(cc, 3)!.value as TStruct;
        for (const id of [9, 10, 11]) {
          const v = numberField(md, id);
          if (v !== undefined && v > 0) setI64(md, id, v + shift);
        }
        dropFields(md, [14, 15]); // bloom filter offset/length: not copied
        const fo = numberField(cc, 2);
        if (fo !== undefined) setI64(cc, 2, fo > 0 ? fo + shift : 0);
        dropFields(cc, [4, 5, 6, 7]); // page index offsets/lengths: not copied
      }
      const rgOffset = numberField(rg, 5);
      if (rgOffset !== undefined) setI64(rg, 5, rgOffset + shift);
      dropFields(rg, [7]); // ordinal: renumbered implicitly by position
      pieces.push(f.bytes.subarray(start, end));
      pos += end - start;
      rowGroups.push(rg);
      numRows += numberField(rg, 3) ?? 0;
    }
  }
  const meta: TStruct = { kind: 'struct', fields: files[0].meta.fields.map((x) => ({ ...x })) };
  setI64(meta, 3, numRows);
  const rgField = field(meta, 4);
  const list: TList = { kind: 'list', elemType: TType.Struct, items: rowGroups };
  if (rgField) rgField.value = list;
  else {
    meta.fields.push({ id: 4, type: TType.List, value: list });
    meta.fields.sort((a, b) => a.id - b.id);
  }
  const footer = writeStruct(meta);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, footer.length, true);
  tail.set(MAGIC, 4);
  pieces.push(footer, tail);
  const total = pieces.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return { bytes: out, numRows, numRowGroups: rowGroups.length };
}

/** First byte of a column chunk: its dictionary page when it has one, else its first data page. */
function chunkStart(md: TStruct): number {
  const data = numberField(md, 9) ?? 0;
  const dict = numberField(md, 11);
  const index = numberField(md, 10);
  let s = data;
  if (dict !== undefined && dict > 0 && dict < s) s = dict;
  if (index !== undefined && index > 0 && index < s) s = index;
  return s;
}
