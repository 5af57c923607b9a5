// A Parquet decoder tailored to checkpoint files: it decodes only the leaf
// columns of the wanted action structs (never stats_parsed or
// partitionValues_parsed) and builds action objects straight from levels and
// values, without materialising per-row nested arrays. Opening a table is
// dominated by this step, and a general reader spends most of its time
// assembling nested rows. Files using anything outside the common subset
// (data pages v1/v2; PLAIN and dictionary encodings; at most one repeated
// level) raise UnsupportedCheckpointEncoding so the caller can use the
// general reader instead.

import { Buffer, isAscii } from 'node:buffer';
import type { AsyncBuffer, Compressors, FileMetaData, SchemaElement } from 'hyparquet';
import { decompressBlock } from '../parquet/codec.ts';
import type { ParquetCompression } from '../parquet/types.ts';

/** The checkpoint uses a Parquet feature this decoder does not handle; read it with the general reader. */
export class UnsupportedCheckpointEncoding extends Error {}

/** Columns inside actions that replay never needs (typed copies of JSON fields). */
const SKIPPED_FIELDS = new Set(['stats_parsed', 'partitionValues_parsed']);

interface Node {
  name: string;
  element: SchemaElement;
  children: Node[];
  /** Definition level reached when this node is present. */
  def: number;
  /** Repetition level of this node (number of repeated ancestors, itself included). */
  rep: number;
  kind: 'struct' | 'map' | 'list' | 'leaf';
  /** For map/list: the repeated child group (key_value / list) or, for leaves, undefined. */
  repeated?: Node;
  leaf?: Leaf;
  /** A decoded leaf under this node (its first level entry per row tells whether the node is present). */
  probe?: Leaf;
}

interface Leaf {
  path: string[];
  maxDef: number;
  maxRep: number;
  /** Per level entry. */
  defs: Uint8Array;
  reps: Uint8Array | null;
  /** Values of the entries whose def is maxDef, in order. */
  values: unknown[];
  /** Per level entry: index into values, or -1; null when every entry or none has a value (see `full`). */
  valueAt: Int32Array | null;
  /** With valueAt null: true when every entry has a value (entry i is value i), false when none has. */
  full: boolean;
  /** Per row: first level entry (rows + 1 entries); null without repetition (entry = row). */
  rowStart: Int32Array | null;
}

/** First level entry of `row`. */
const entryOf = (l: Leaf, row: number): number => (l.rowStart === null ? row : l.rowStart[row]);
/** End (exclusive) of the level entries of `row`. */
const entryEnd = (l: Leaf, row: number): number => (l.rowStart === null ? row + 1 : l.rowStart[row + 1]);
/** Value of level entry `e`, or null. */
function valueAt(l: Leaf, e: number): unknown {
  if (l.valueAt === null) return l.full ? l.values[e] : null;
  const vi = l.valueAt[e];
  return vi >= 0 ? l.values[vi] : null;
}

/** Builds the schema tree with definition and repetition levels. */
function schemaTree(schema: SchemaElement[]): Node {
  let i = 0;
  const build = (parentDef: number, parentRep: number): Node => {
    const element = schema[i++];
    const rt = element.repetition_type;
    const def = parentDef + (i === 1 || rt === 'REQUIRED' || rt === undefined ? 0 : 1);
    const rep = parentRep + (rt === 'REPEATED' ? 1 : 0);
    const node: Node = { name: element.name, element, children: [], def, rep, kind: 'leaf' };
    for (let c = 0; c < (element.num_children ?? 0); c++) node.children.push(build(def, rep));
    if (node.children.length > 0) {
      const ct = element.converted_type;
      const lt = element.logical_type?.type;
      const only = node.children.length === 1 ? node.children[0] : undefined;
      if ((ct === 'MAP' || ct === 'MAP_KEY_VALUE' || lt === 'MAP') && only?.element.repetition_type === 'REPEATED' && only.children.length === 2) {
        node.kind = 'map';
        node.repeated = only;
      } else if ((ct === 'LIST' || lt === 'LIST') && only?.element.repetition_type === 'REPEATED' && only.children.length === 1) {
        node.kind = 'list';
        node.repeated = only;
      } else {
        node.kind = 'struct';
      }
    }
    if (rt === 'REPEATED' && node.kind !== 'struct') throw new UnsupportedCheckpointEncoding(`repeated field ${element.name} outside a map or list`);
    return node;
  };
  return build(0, 0);
}

/** One decoded action: its column (`add`, `remove`, ...) and its struct as a plain object. */
export interface DecodedAction {
  column: string;
  value: Record<string, unknown>;
}

/**
 * Decodes the `columns` (top-level action structs) of a checkpoint-shaped
 * Parquet file into plain objects, one per non-null action, in row order. Values: strings, numbers (INT64 too; checkpoint integers are far
 * below 2^53), booleans; absent optional fields are null; maps become
 * objects and lists arrays.
 *
 * @example
 * const actions = await decodeCheckpoint(file, metadata, ['add', 'remove'], {}); // [{ column: 'add', value: { path, ... } }, ...]
 */
export async function decodeCheckpoint(
  file: AsyncBuffer,
  metadata: FileMetaData,
  columns: readonly string[],
  compressors: Compressors,
): Promise<DecodedAction[]> {
  const root = schemaTree(metadata.schema);
  const tops = root.children.filter((c) => columns.includes(c.name));
  const wanted: { node: Node; path: string[] }[] = [];
  const collect = (node: Node, path: string[]): void => {
    if (SKIPPED_FIELDS.has(node.name) && path.length === 2) return;
    if (node.kind === 'leaf') wanted.push({ node, path });
    else for (const c of node.children) collect(c, [...path, c.name]);
  };
  for (const t of tops) collect(t, [t.name]);
  const out: DecodedAction[] = [];
  for (const rg of metadata.row_groups) {
    const byPath = new Map(rg.columns.map((c) => [c.meta_data?.path_in_schema.join('\u0000') ?? '', c.meta_data]));
    const chunks = wanted.map(({ path }) => {
      const chunk = byPath.get(path.join('\u0000'));
      if (!chunk) throw new UnsupportedCheckpointEncoding(`no column chunk for ${path.join('.')}`);
      return chunk;
    });
    const ranges = chunks.map(chunkRange);
    // A file read whole is an ArrayBuffer: view its chunks instead of copying them.
    const bytes =
      file instanceof ArrayBuffer
        ? ranges.map(([begin, end]) => new Uint8Array(file, begin, end - begin))
        : await Promise.all(ranges.map(async ([begin, end]) => new Uint8Array(await file.slice(begin, end))));
    const rows = Number(rg.num_rows);
    for (let i = 0; i < wanted.length; i++) {
      const { node, path } = wanted[i];
      const c = chunks[i];
      const decompress = codecOf(c.codec, compressors);
      node.leaf = decodeLeaf(bytes[i], node, path, c.type, Number(c.num_values), rows, decompress, Number(c.total_uncompressed_size));
    }
    assembleRows(tops, rows, out);
  }
  return out;
}

/** Byte range of a column chunk, its dictionary page included. */
function chunkRange(chunk: NonNullable<FileMetaData['row_groups'][number]['columns'][number]['meta_data']>): [number, number] {
  // Some writers record a dictionary offset of 0 when there is no dictionary page.
  const dict = Number(chunk.dictionary_page_offset ?? 0);
  const dataStart = Number(chunk.data_page_offset);
  const begin = dict > 0 && dict < dataStart ? dict : dataStart;
  return [begin, begin + Number(chunk.total_compressed_size)];
}

/**
 * Appends the actions of one decoded row group to `out`, in row order (as a
 * general reader yields them; replay's map order follows it). Kept apart
 * from the async code and with plain index loops: small functions are cheap
 * to optimise, which matters in the first opens of a process.
 */
function assembleRows(tops: Node[], rows: number, out: DecodedAction[]): void {
  for (const t of tops) setProbes(t);
  const present = tops.filter((t) => t.probe !== undefined);
  // Typed stats only (no JSON string) must be rebuilt from stats_parsed, which this decoder skips.
  if (present.some((t) => t.children.some((c) => c.name === 'stats_parsed') && !t.children.some((c) => c.name === 'stats'))) {
    throw new UnsupportedCheckpointEncoding('stats_parsed without stats');
  }
  const statsChecked = present.map((t) => t.children.some((c) => c.name === 'stats_parsed'));
  const builds = present.map(structBuilder);
  const { owner, shared } = rowOwners(present, rows);
  for (let r = 0; r < rows; r++) {
    const first = owner[r];
    if (first === -1) continue;
    for (let k = first; k < (shared ? present.length : first + 1); k++) {
      if (k !== first && !isPresent(present[k], r)) continue;
      const obj = builds[k](r);
      if (statsChecked[k] && typeof obj.stats !== 'string') throw new UnsupportedCheckpointEncoding(`${present[k].name}.stats_parsed without stats`);
      out.push({ column: present[k].name, value: obj });
    }
  }
}

/** The first action each row holds (-1: none); `shared` when some row holds several (valid checkpoints never do). */
function rowOwners(present: Node[], rows: number): { owner: Int8Array; shared: boolean } {
  const owner = new Int8Array(rows).fill(-1);
  let shared = false;
  for (let k = 0; k < present.length; k++) {
    const l = present[k].probe as Leaf;
    const def = present[k].def;
    for (let r = 0; r < rows; r++) {
      if (l.defs[entryOf(l, r)] < def) continue;
      if (owner[r] === -1) owner[r] = k;
      else shared = true;
    }
  }
  return { owner, shared };
}

/** Sets `probe` on every node, once per row group (not per row). */
function setProbes(node: Node): Leaf | undefined {
  node.probe = node.leaf;
  for (const c of node.children) {
    const l = setProbes(c);
    node.probe ??= l;
  }
  return node.probe;
}

function isPresent(node: Node, row: number): boolean {
  const l = node.probe;
  return l !== undefined && l.defs[entryOf(l, row)] >= node.def;
}

type Builder = (row: number) => Record<string, unknown>;

/**
 * A function building the object of `node` for a row. It is generated with
 * the field names as literal keys, so every object of a struct gets one
 * fixed shape (assigning names in a loop makes slow dictionary objects);
 * names are embedded as JSON string literals only, values come from closures.
 */
function structBuilder(node: Node): Builder {
  const getters: ((row: number) => unknown)[] = [];
  const names: string[] = [];
  for (const c of node.children) {
    if (c.kind === 'leaf') {
      const l = c.leaf;
      if (!l) continue; // skipped field
      getters.push((row) => valueAt(l, entryOf(l, row)));
    } else if (!c.probe) {
      continue;
    } else if (c.kind === 'struct') {
      const build = structBuilder(c);
      getters.push((row) => (isPresent(c, row) ? build(row) : null));
    } else {
      getters.push((row) => (isPresent(c, row) ? buildCollection(c, row) : null));
    }
    // A literal `__proto__` key would set the prototype instead of a field.
    if (c.name === '__proto__') throw new UnsupportedCheckpointEncoding('a field named __proto__');
    names.push(c.name);
  }
  return shapeFactory(names)(getters);
}

type ShapeFactory = (getters: ((row: number) => unknown)[]) => Builder;
/**
 * Generated factories by field-name list. Reusing them across files keeps
 * the builders' compiled code and type feedback warm from one open to the next.
 */
const factories = new Map<string, ShapeFactory>();

function shapeFactory(names: string[]): ShapeFactory {
  const key = JSON.stringify(names);
  let f = factories.get(key);
  if (!f) {
    const body = `return (row) => ({ ${names.map((n, i) => `${JSON.stringify(n)}: g[${i}](row)`).join(', ')} });`;
    f = new Function('g', body) as ShapeFactory;
    // Checkpoint schemas are few; a bound keeps odd inputs from growing the cache forever.
    if (factories.size >= 256) factories.clear();
    factories.set(key, f);
  }
  return f;
}


function buildCollection(node: Node, row: number): unknown {
  const group = node.repeated as Node;
  if (node.kind === 'list') {
    const el = group.children[0];
    if (el.kind !== 'leaf' || !el.leaf) throw new UnsupportedCheckpointEncoding(`list ${node.name} of nested elements`);
    const l = el.leaf;
    const out: unknown[] = [];
    for (let e = entryOf(l, row); e < entryEnd(l, row); e++) {
      if (l.defs[e] < group.def) break; // empty list
      out.push(valueAt(l, e));
    }
    return out;
  }
  const [kn, vn] = group.children;
  if (kn.kind !== 'leaf' || vn.kind !== 'leaf' || !kn.leaf || !vn.leaf) throw new UnsupportedCheckpointEncoding(`map ${node.name} with nested keys or values`);
  const k = kn.leaf;
  const v = vn.leaf;
  const out: Record<string, unknown> = {};
  // Keys and values are siblings under the repeated group: same level entries.
  for (let e = entryOf(k, row); e < entryEnd(k, row); e++) {
    if (k.defs[e] < group.def) break; // empty map
    out[String(valueAt(k, e))] = valueAt(v, e);
  }
  return out;
}

type Decompress = (input: Uint8Array, size: number) => Uint8Array;

/** Codecs the native addon decodes (the Parquet writer's own codecs), by Parquet name. */
export const NATIVE_CODECS: Readonly<Record<string, ParquetCompression>> = { SNAPPY: 'snappy', GZIP: 'gzip', BROTLI: 'brotli', ZSTD: 'zstd' };

function codecOf(codec: string, compressors: Compressors): Decompress {
  if (codec === 'UNCOMPRESSED') return (b) => b;
  const native = NATIVE_CODECS[codec];
  if (native) return (b, size) => decompressBlock(native, b, size);
  const c = compressors[codec as keyof Compressors];
  if (!c) throw new UnsupportedCheckpointEncoding(`codec ${codec}`);
  return c;
}

/** Decodes one column chunk into levels and values. */
function decodeLeaf(
  bytes: Uint8Array,
  node: Node,
  path: string[],
  type: string,
  numValues: number,
  rows: number,
  decompress: Decompress,
  chunkUncompressed: number,
): Leaf {
  const maxDef = node.def;
  const maxRep = node.rep;
  if (maxRep > 1) throw new UnsupportedCheckpointEncoding(`column ${path.join('.')} is nested in more than one repeated field`);
  if (maxDef > 255) throw new UnsupportedCheckpointEncoding(`column ${path.join('.')} is nested too deep`);
  const defs = new Uint8Array(numValues);
  const reps = maxRep > 0 ? new Uint8Array(numValues) : null;
  const values: unknown[] = [];
  let dictionary: unknown[] | null = null;
  let entries = 0;
  const reader = { bytes, pos: 0 };
  while (entries < numValues && reader.pos < bytes.length) {
    const h = readPageHeader(reader);
    // A garbled header must fail here, not loop or allocate without bound.
    if (h.compressedSize < 0 || h.compressedSize > bytes.length - reader.pos || h.uncompressedSize < 0 || h.uncompressedSize > chunkUncompressed || h.numValues < 0) {
      throw new Error(`invalid page header in column ${path.join('.')}`);
    }
    const body = bytes.subarray(reader.pos, reader.pos + h.compressedSize);
    reader.pos += h.compressedSize;
    if (h.type === 2) {
      // Dictionary page: PLAIN values.
      const page = decompress(body, h.uncompressedSize);
      dictionary = [];
      decodePlain(page, 0, type, h.numValues, dictionary, path);
      continue;
    }
    if (h.type !== 0 && h.type !== 3) continue; // index pages
    let page: Uint8Array;
    let pos = 0;
    const n = h.numValues;
    if (h.type === 0) {
      // Only RLE levels are handled, not the deprecated BIT_PACKED ones.
      if ((maxRep > 0 && h.repEncoding !== 3) || (maxDef > 0 && h.defEncoding !== 3)) throw new UnsupportedCheckpointEncoding(`BIT_PACKED levels in ${path.join('.')}`);
      page = decompress(body, h.uncompressedSize);
      if (maxRep > 0) pos = readLevelsV1(page, pos, maxRep, n, reps as Uint8Array, entries);
      if (maxDef > 0) pos = readLevelsV1(page, pos, maxDef, n, defs, entries);
    } else {
      // V2: levels are stored uncompressed before the (maybe compressed) values.
      const levelBytes = h.repLength + h.defLength;
      if (maxRep > 0) decodeHybrid(body, 0, h.repLength, bitWidth(maxRep), n, reps as Uint8Array, entries);
      if (maxDef > 0) decodeHybrid(body, h.repLength, levelBytes, bitWidth(maxDef), n, defs, entries);
      const rest = body.subarray(levelBytes);
      page = h.isCompressed ? decompress(rest, h.uncompressedSize - levelBytes) : rest;
    }
    const present = maxDef > 0 ? countEqual(defs, entries, entries + n, maxDef) : n;
    decodeValues(page, pos, h.encoding, type, present, dictionary, values, path);
    entries += n;
  }
  if (entries !== numValues) throw new Error(`column ${path.join('.')} has ${entries} level entries, the footer says ${numValues}`);
  return indexLeaf(path, maxDef, maxRep, defs, reps, values, numValues, rows);
}

function countEqual(a: Uint8Array, from: number, to: number, v: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (a[i] === v) n++;
  return n;
}

/** Appends the `count` values of a data page (PLAIN or dictionary indices) to `out`. */
function decodeValues(
  page: Uint8Array,
  pos: number,
  encoding: number,
  type: string,
  count: number,
  dictionary: unknown[] | null,
  out: unknown[],
  path: string[],
): void {
  if (encoding === 0) {
    decodePlain(page, pos, type, count, out, path);
  } else if (encoding === 2 || encoding === 8) {
    if (!dictionary) throw new UnsupportedCheckpointEncoding(`dictionary-encoded page without dictionary in ${path.join('.')}`);
    const ids = new Int32Array(count);
    decodeHybridInto(page, pos + 1, page.length, page[pos], count, ids);
    for (let i = 0; i < count; i++) out.push(dictionary[ids[i]]);
  } else {
    throw new UnsupportedCheckpointEncoding(`encoding ${encoding} in ${path.join('.')}`);
  }
}

/** The Leaf of decoded levels and values: where each entry's value is, where each row starts. */
function indexLeaf(
  path: string[],
  maxDef: number,
  maxRep: number,
  defs: Uint8Array,
  reps: Uint8Array | null,
  values: unknown[],
  numValues: number,
  rows: number,
): Leaf {
  // Most checkpoint columns are all null (other action types' rows) or all set: no index needed then.
  let at: Int32Array | null = null;
  if (values.length !== 0 && values.length !== numValues) {
    at = new Int32Array(numValues);
    let vi = 0;
    for (let i = 0; i < numValues; i++) at[i] = defs[i] === maxDef ? vi++ : -1;
  }
  let rowStart: Int32Array | null = null;
  if (reps) {
    rowStart = new Int32Array(rows + 1);
    let r = 0;
    for (let i = 0; i < numValues; i++) if (reps[i] === 0) rowStart[r++] = i;
    if (r !== rows) throw new Error(`column ${path.join('.')} has ${r} rows, the row group ${rows}`);
    rowStart[rows] = numValues;
  } else if (numValues !== rows) {
    throw new Error(`column ${path.join('.')} has ${numValues} values, the row group ${rows} rows`);
  }
  return { path, maxDef, maxRep, defs, reps, values, valueAt: at, full: values.length === numValues && numValues > 0, rowStart };
}

const bitWidth = (max: number) => 32 - Math.clz32(max);

/** Node's Buffer string slicers (public methods, missing from @types/node), skipping toString's argument handling. */
type SliceableBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

/** V1 levels: a 4-byte length, then the RLE/bit-packed hybrid runs. */
function readLevelsV1(page: Uint8Array, pos: number, max: number, n: number, out: Uint8Array, at: number): number {
  const len = page[pos] | (page[pos + 1] << 8) | (page[pos + 2] << 16) | (page[pos + 3] << 24);
  decodeHybrid(page, pos + 4, pos + 4 + len, bitWidth(max), n, out, at);
  return pos + 4 + len;
}

function decodeHybrid(buf: Uint8Array, pos: number, end: number, width: number, n: number, out: Uint8Array, at: number): void {
  decodeHybridInto(buf, pos, end, width, n, out.subarray(at, at + n));
}

/** The RLE/bit-packed hybrid encoding (levels and dictionary indices). */
function decodeHybridInto(buf: Uint8Array, pos: number, end: number, width: number, n: number, out: Uint8Array | Int32Array): void {
  let i = 0;
  const byteWidth = (width + 7) >> 3;
  while (i < n) {
    if (pos >= end) throw new Error('truncated RLE/bit-packed data');
    let header = 0;
    let shift = 0;
    let b: number;
    do {
      b = buf[pos++];
      header |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (header & 1) {
      // Bit-packed: (header >> 1) groups of 8 values, LSB first.
      const count = (header >>> 1) * 8;
      let bits = 0;
      let acc = 0;
      const mask = (1 << width) - 1;
      for (let k = 0; k < count; k++) {
        while (bits < width) {
          acc |= buf[pos++] << bits;
          bits += 8;
        }
        if (i < n) out[i++] = acc & mask;
        acc >>>= width;
        bits -= width;
      }
    } else {
      const count = header >>> 1;
      let v = 0;
      for (let k = 0; k < byteWidth; k++) v |= buf[pos++] << (8 * k);
      // Runs are long in checkpoints (a column is null on all other actions' rows): fill natively.
      const stop = Math.min(n, i + count);
      out.fill(v, i, stop);
      i = stop;
    }
  }
}


function decodePlain(page: Uint8Array, pos: number, type: string, count: number, out: unknown[], path: string[]): void {
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  switch (type) {
    case 'BYTE_ARRAY': {
      // Log strings are nearly always ASCII: then one-byte strings are made directly.
      const buf = Buffer.from(page.buffer, page.byteOffset, page.byteLength) as SliceableBuffer;
      const ascii = isAscii(buf);
      for (let i = 0; i < count; i++) {
        const len = view.getUint32(pos, true);
        pos += 4;
        out.push(ascii ? buf.latin1Slice(pos, pos + len) : buf.utf8Slice(pos, pos + len));
        pos += len;
      }
      return;
    }
    case 'INT64':
      for (let i = 0; i < count; i++) {
        // Exact below 2^53, as every checkpoint integer is.
        out.push(view.getUint32(pos, true) + view.getInt32(pos + 4, true) * 4294967296);
        pos += 8;
      }
      return;
    case 'INT32':
      for (let i = 0; i < count; i++) {
        out.push(view.getInt32(pos, true));
        pos += 4;
      }
      return;
    case 'BOOLEAN':
      for (let i = 0; i < count; i++) out.push(((page[pos + (i >> 3)] >> (i & 7)) & 1) === 1);
      return;
    default:
      throw new UnsupportedCheckpointEncoding(`physical type ${type} in ${path.join('.')}`);
  }
}


interface PageHeader {
  type: number;
  uncompressedSize: number;
  compressedSize: number;
  numValues: number;
  encoding: number;
  defLength: number;
  repLength: number;
  isCompressed: boolean;
  /** Level encodings of v1 data pages (RLE = 3; writers put BIT_PACKED = 4 where a column has no such levels). */
  defEncoding: number;
  repEncoding: number;
}

/** Thrift compact protocol: just enough to read a PageHeader (other fields skipped). */
function readPageHeader(r: { bytes: Uint8Array; pos: number }): PageHeader {
  const h: PageHeader = { type: -1, uncompressedSize: 0, compressedSize: 0, numValues: 0, encoding: 0, defLength: 0, repLength: 0, isCompressed: true, defEncoding: 3, repEncoding: 3 };
  readStruct(r, (id, t) => {
    if (id === 1 && t === 5) h.type = zigzag(varint(r));
    else if (id === 2 && t === 5) h.uncompressedSize = zigzag(varint(r));
    else if (id === 3 && t === 5) h.compressedSize = zigzag(varint(r));
    else if ((id === 5 || id === 7) && t === 12) {
      readStruct(r, (fid, ft) => {
        if (fid === 1 && ft === 5) h.numValues = zigzag(varint(r));
        else if (fid === 2 && ft === 5) h.encoding = zigzag(varint(r));
        else if (fid === 3 && ft === 5 && id === 5) h.defEncoding = zigzag(varint(r));
        else if (fid === 4 && ft === 5 && id === 5) h.repEncoding = zigzag(varint(r));
        else skip(r, ft);
      });
    } else if (id === 8 && t === 12) {
      readStruct(r, (fid, ft) => {
        if (fid === 1 && ft === 5) h.numValues = zigzag(varint(r));
        else if (fid === 4 && ft === 5) h.encoding = zigzag(varint(r));
        else if (fid === 5 && ft === 5) h.defLength = zigzag(varint(r));
        else if (fid === 6 && ft === 5) h.repLength = zigzag(varint(r));
        else if (fid === 7 && (ft === 1 || ft === 2)) h.isCompressed = ft === 1;
        else skip(r, ft);
      });
    } else skip(r, t);
  });
  if (h.type === 3 && h.numValues === 0) throw new UnsupportedCheckpointEncoding('data page v2 without a header');
  return h;
}

function varint(r: { bytes: Uint8Array; pos: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = r.bytes[r.pos++];
    if (b === undefined) throw new Error('truncated Thrift varint');
    result += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return result;
    shift += 7;
  }
}

const zigzag = (n: number) => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);

function readStruct(r: { bytes: Uint8Array; pos: number }, field: (id: number, type: number) => void): void {
  let last = 0;
  for (;;) {
    const b = r.bytes[r.pos++];
    if (b === undefined) throw new Error('truncated Thrift struct');
    if (b === 0) return;
    const type = b & 0x0f;
    const delta = b >> 4;
    const id = delta === 0 ? zigzag(varint(r)) : last + delta;
    last = id;
    field(id, type);
  }
}

function skip(r: { bytes: Uint8Array; pos: number }, type: number): void {
  switch (type) {
    case 1:
    case 2:
      return; // booleans live in the type nibble
    case 3:
      r.pos++;
      return;
    case 4:
    case 5:
    case 6:
      varint(r);
      return;
    case 7:
      r.pos += 8;
      return;
    case 8: {
      const len = varint(r); // read before r.pos: `r.pos += varint(r)` would drop the varint's own bytes
      r.pos += len;
      return;
    }
    case 9:
    case 10: {
      const b = r.bytes[r.pos++];
      const size = b >> 4 === 15 ? varint(r) : b >> 4;
      const et = b & 0x0f;
      // Booleans inside lists take a byte each.
      if (et === 1 || et === 2) r.pos += size;
      else for (let i = 0; i < size; i++) skip(r, et);
      return;
    }
    case 11: {
      const size = varint(r);
      if (size === 0) return;
      const kv = r.bytes[r.pos++];
      for (let i = 0; i < size; i++) {
        skip(r, kv >> 4);
        skip(r, kv & 0x0f);
      }
      return;
    }
    case 12:
      readStruct(r, (_id, t) => skip(r, t));
      return;
    default:
      throw new Error(`unknown Thrift type ${type}`);
  }
}
