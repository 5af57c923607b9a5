// Compaction without decoding: when files share one Parquet schema, their row
// groups are copied byte for byte into a new file and only the footer is
// rewritten (row groups concatenated, page offsets shifted). Page indexes and
// bloom filters of the inputs live outside the row groups and are not carried
// over; their offsets are dropped from the footer, which readers accept.
// Footers are read by ranged reads of the files' tails, so the copy itself
// can stream the row groups from file to file (copy-bin.ts).

import type { Storage } from '../storage/storage.ts';
import { readRangesOf } from '../storage/read-ranges.ts';
import { TType, dropFields, field, numberField, readStruct, setI64, writeStruct, type TList, type TShape, type TStruct } from './thrift-compact.ts';

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/**
 * What of a footer is decoded: the schema (for readers and schema equality),
 * and of every row group its column chunks' metadata scalars (offsets, sizes,
 * codecs, counts). Statistics, encodings, paths and key/value metadata stay
 * raw bytes, copied as they are.
 */
const FOOTER_SHAPE: TShape = { 2: true, 4: { 1: { 3: {} } } };

/** A parsed Parquet footer, with the file's bytes when the whole file was read. */
export interface ParquetFooter {
  meta: TStruct;
  numRows: number;
  /** Size of the whole file in bytes. */
  size: number;
  /** The whole file, when it was read whole (in-memory concatenation needs it). */
  bytes?: Uint8Array;
}

/** Parses the footer of a whole Parquet file; throws naming `where` when it is not one. */
export function readFooter(bytes: Uint8Array, where: string): ParquetFooter {
  const magic = (at: number) => MAGIC.every((m, i) => bytes[at + i] === m);
  if (bytes.length < 12 || !magic(0)) throw new Error(`${where} is not a Parquet file (no PAR1 magic)`);
  return { ...parseFooterTail(bytes, bytes.length, where), bytes };
}

/** Bytes of a file's tail that usually hold the whole footer (one ranged read). */
const TAIL_GUESS = 8 * 1024;

/** Footers read per bulk request: bounds the tails held at once. */
const FOOTERS_PER_REQUEST = 64;

/** A Parquet file whose footer to read: its storage path, its size, and how errors name it. */
export interface FooterSource {
  path: string;
  size: number;
  where: string;
}

/**
 * Reads and parses the footer of the `size`-byte Parquet file at `path` with
 * ranged reads of its tail only (one, or two for a footer larger than 8 KiB).
 */
export async function readFooterOf(storage: Storage, path: string, size: number, where: string): Promise<ParquetFooter> {
  return (await readFootersOf(storage, [{ path, size, where }]))[0];
}

/**
 * The footers of many Parquet files, as {@link readFooterOf} reads one: the
 * tails are fetched in bulk where the storage can (one native request per 64
 * files on local disk), else eight ranged reads at a time.
 */
export async function readFootersOf(storage: Storage, files: readonly FooterSource[]): Promise<ParquetFooter[]> {
  const out: ParquetFooter[] = [];
  for (let at = 0; at < files.length; at += FOOTERS_PER_REQUEST) {
    const group = files.slice(at, at + FOOTERS_PER_REQUEST);
    for (const f of group) if (f.size < 12) throw new Error(`${f.where} is not a Parquet file (${f.size} bytes)`);
    const tails = await readRangesOf(storage, group.map((f) => ({ path: f.path, start: Math.max(0, f.size - TAIL_GUESS), end: f.size })));
    // Footers longer than the guess: a second read of exactly their length.
    const longer = group.flatMap((f, i) => {
      const len = footerLength(tails[i], f.size, f.where);
      return len + 8 > tails[i].length ? [{ i, range: { path: f.path, start: f.size - 8 - len, end: f.size } }] : [];
    });
    if (longer.length > 0) {
      const more = await readRangesOf(storage, longer.map((l) => l.range));
      longer.forEach((l, k) => (tails[l.i] = more[k]));
    }
    group.forEach((f, i) => out.push(parseFooterTail(tails[i], f.size, f.where)));
  }
  return out;
}

/** The footer length stored before the closing magic of a file whose last bytes are `tail`. */
function footerLength(tail: Uint8Array, size: number, where: string): number {
  const n = tail.length;
  if (n < 8 || !MAGIC.every((m, i) => tail[n - 4 + i] === m)) throw new Error(`${where} is not a Parquet file (no PAR1 magic)`);
  const len = tail[n - 8] | (tail[n - 7] << 8) | (tail[n - 6] << 16) | (tail[n - 5] << 24);
  if (len <= 0 || len > size - 12) throw new Error(`${where}: invalid Parquet footer length ${len}`);
  return len;
}

/** Parses a footer from the last bytes of a `size`-byte file (at least the footer, its length and the magic). */
function parseFooterTail(tail: Uint8Array, size: number, where: string): ParquetFooter {
  const len = footerLength(tail, size, where);
  let meta: TStruct;
  try {
    meta = readStruct(tail, tail.length - 8 - len, FOOTER_SHAPE).value;
  } catch (err) {
    throw new Error(`${where}: corrupt Parquet footer: ${(err as Error).message}`);
  }
  if (field(meta, 8)) throw new Error(`${where} is an encrypted Parquet file, which compaction cannot rewrite`);
  return { meta, numRows: numberField(meta, 3) ?? 0, size };
}

/** The serialized schema of a footer: equal bytes mean identical Parquet schemas. */
export function schemaKey(footer: ParquetFooter): string {
  const schema = field(footer.meta, 2);
  if (!schema) return '';
  return Buffer.from(writeStruct({ kind: 'struct', fields: [schema] })).toString('base64');
}

/** How to assemble the concatenated file: byte ranges of the inputs, in order, then `tail`. */
export interface RowGroupCopy {
  /** Starts with the 4-byte magic; `file` indexes the inputs. Adjacent ranges of one input are merged. */
  ranges: { file: number; start: number; end: number }[];
  /** The new footer, its length and the closing magic. */
  tail: Uint8Array;
  numRows: number;
  numRowGroups: number;
  /** Size of the output file in bytes. */
  size: number;
}

/**
 * Plans the concatenation of the row groups of `files` (identical schemas,
 * checked by the caller with {@link schemaKey}) into one Parquet file, in
 * order: which byte ranges to copy and the footer to end with. The footers
 * are edited in place (offsets shifted), so each can be planned once.
 */
export function planRowGroupCopy(files: readonly ParquetFooter[]): RowGroupCopy {
  if (files.length === 0) throw new Error('Row-group copy: no files');
  const ranges: RowGroupCopy['ranges'] = [];
  let pos = 4;
  const rowGroups: TStruct[] = [];
  let numRows = 0;
  files.forEach((f, fileIndex) => {
    const groups = (field(f.meta, 4)?.value as TList | undefined)?.items ?? [];
    for (const item of groups) {
      const rg = item as TStruct;
      const columns = ((field(rg, 1)?.value as TList | undefined)?.items ?? []) as TStruct[];
      let start = Infinity;
      let end = 0;
      for (const cc of columns) {
        if (field(cc, 8) || field(cc, 9)) throw new Error('Row-group copy: encrypted column chunk');
        const md = field(cc, 3)?.value as TStruct | undefined;
        if (!md) throw new Error('Row-group copy: column chunk without metadata');
        const s = chunkStart(md);
        start = Math.min(start, s);
        end = Math.max(end, s + (numberField(md, 7) ?? 0));
      }
      if (columns.length === 0 || !(end > start) || start < 4 || end > f.size - 8) throw new Error('Row-group copy: row group byte range is invalid');
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
      const last = ranges[ranges.length - 1];
      if (last && last.file === fileIndex && last.end === start) last.end = end;
      else ranges.push({ file: fileIndex, start, end });
      pos += end - start;
      rowGroups.push(rg);
      numRows += numberField(rg, 3) ?? 0;
    }
  });
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
  const tail = new Uint8Array(footer.length + 8);
  tail.set(footer);
  new DataView(tail.buffer).setUint32(footer.length, footer.length, true);
  tail.set(MAGIC, footer.length + 4);
  return { ranges, tail, numRows, numRowGroups: rowGroups.length, size: pos + tail.length };
}

/** The magic every Parquet file starts with (the first bytes of a {@link planRowGroupCopy} output). */
export const PARQUET_MAGIC: Uint8Array = Uint8Array.from(MAGIC);

/**
 * Concatenates the row groups of whole files read into memory (see
 * {@link planRowGroupCopy}) into one Parquet file.
 *
 * @example
 * const out = concatRowGroups([readFooter(a, 'a'), readFooter(b, 'b')]);
 */
export function concatRowGroups(files: readonly ParquetFooter[]): { bytes: Uint8Array; numRows: number; numRowGroups: number } {
  const plan = planRowGroupCopy(files);
  return { bytes: assembleRowGroups(files, plan), numRows: plan.numRows, numRowGroups: plan.numRowGroups };
}

/** The planned file in memory, from inputs read whole ({@link readFooter}). */
export function assembleRowGroups(files: readonly ParquetFooter[], plan: RowGroupCopy): Uint8Array {
  const out = new Uint8Array(plan.size);
  out.set(PARQUET_MAGIC);
  let at = 4;
  for (const r of plan.ranges) {
    const bytes = files[r.file].bytes;
    if (!bytes) throw new Error('Row-group copy: the files must be read whole');
    out.set(bytes.subarray(r.start, r.end), at);
    at += r.end - r.start;
  }
  out.set(plan.tail, at);
  return out;
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
