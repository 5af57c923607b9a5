// The build side of a hash join over key columns, probed by other batches'
// key columns: MERGE's source index, APPLY CHANGES' grouping of events by key
// and its lookups in state files and target files. Columns of plain layouts
// (integers, dates, timestamps, decimals, floats, booleans, strings, binary)
// are hashed and compared natively on their Arrow buffers (native/join/);
// other types go through JavaScript Map keys (keys.ts) with the same
// equality, which is also the path when a probe's types differ from the
// build's (an int32 key probing an int64 index, say).

import * as arrow from 'apache-arrow';
import type { Decoded } from '../../delta/maintenance/native-read.ts';
import { native } from '../../native/addon.ts';
import { compositeReader, contiguous, keyReader, type KeyValue } from './keys.ts';

/** A key column as native/join/join_binding.cc takes it. */
interface NativeColumn {
  kind: number;
  width: number;
  values: ArrayBufferView;
  offsets?: Int32Array;
  valid?: Uint8Array;
}

const core = native as unknown as {
  keyTableProbePages(build: NativeColumn[], buildRows: number, slots: Int32Array, filter: BigUint64Array, nullSafe: boolean, file: Uint8Array | number, columns: PageColumn[]): Promise<{ rows: Int32Array; first: Int32Array; payload: Decoded[] }>;
  keyTableBuild(columns: NativeColumn[], rows: number, nullSafe: boolean, slots: Int32Array, filter: BigUint64Array, first: Int32Array, next: Int32Array): number;
  keyTableProbe(build: NativeColumn[], buildRows: number, slots: Int32Array, filter: BigUint64Array, probe: NativeColumn[], probeRows: number, nullSafe: boolean, out: Int32Array): void;
};

const KIND = { fixed: 0, float32: 1, float64: 2, bool: 3, bytes: 4 } as const;

/** A Parquet column of a file as the native decoder takes it (src/delta/maintenance/native-read.ts). */
export interface PageColumn {
  type: number;
  typeLength: number;
  maxDef: number;
  chunks: { start: number; end: number; numValues: number; codec: number }[];
}

/** The key layout pages of each Parquet physical type decode to (BOOLEAN, INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY). */
const PAGE_LAYOUT: Record<number, { kind: number; width: number }> = {
  0: { kind: KIND.bool, width: 0 },
  1: { kind: KIND.fixed, width: 4 },
  2: { kind: KIND.fixed, width: 8 },
  4: { kind: KIND.float32, width: 4 },
  5: { kind: KIND.float64, width: 8 },
  6: { kind: KIND.bytes, width: 0 },
};

/** Options of {@link KeyIndex.build}. */
export interface KeyIndexOptions {
  /** NULL equals NULL (`<=>`, APPLY CHANGES keys); otherwise a row with a NULL key part matches nothing (SQL `=`). */
  nullSafe: boolean;
}

/**
 * A hash index over the key columns of `rows` build rows.
 *
 * @example
 * const index = KeyIndex.build([source.data.children[0]], { nullSafe: false });
 * const hit = index.probe([target.data.children[0]]); // hit[i]: first source row with target row i's key, or -1
 * for (let s = hit[i]; s >= 0; s = index.next[s]) { ... } // every source row with that key
 */
export class KeyIndex {
  /** Per build row: the first build row with an equal key (itself for the first), or -1 when the row's key has a NULL part and keys are not null-safe. */
  readonly first: Int32Array;
  /** Per build row: the next build row with an equal key (ascending), or -1. */
  readonly next: Int32Array;
  /** Distinct keys among the build rows (left-out NULL keys not counted). */
  readonly distinct: number;
  private map: Map<KeyValue, number> | null = null;

  private constructor(
    readonly rows: number,
    private readonly columns: readonly arrow.Data[],
    private readonly nullSafe: boolean,
    private readonly table: { layout: NativeColumn[]; slots: Int32Array; filter: BigUint64Array } | null,
    first: Int32Array,
    next: Int32Array,
    distinct: number,
  ) {
    this.first = first;
    this.next = next;
    this.distinct = distinct;
  }

  /** Indexes the rows of `columns` (one Data per key column, equal lengths). */
  static build(columns: readonly arrow.Data[], options: KeyIndexOptions): KeyIndex {
    if (columns.length === 0) throw new Error('KeyIndex: no key columns');
    const cols = columns.map(contiguous);
    const rows = cols[0].length;
    const first = new Int32Array(rows);
    const next = new Int32Array(rows);
    const layout = nativeLayout(cols);
    if (layout) {
      const capacity = capacityFor(rows);
      // Slots of 4 int32 (row, hash bits, inline key), and a Bloom filter of an eighth as many words (see native/join/key_hash.cc).
      const slots = new Int32Array(4 * capacity);
      const filter = new BigUint64Array(Math.max(1, capacity / 8));
      const distinct = core.keyTableBuild(layout, rows, options.nullSafe, slots, filter, first, next);
      return new KeyIndex(rows, cols, options.nullSafe, { layout, slots, filter }, first, next, distinct);
    }
    const index = new KeyIndex(rows, cols, options.nullSafe, null, first, next, 0);
    (index as { distinct: number }).distinct = index.fillFromMap();
    return index;
  }

  /** For each row of `columns` (the same key columns of another batch), the first build row with an equal key, or -1. */
  probe(columns: readonly arrow.Data[]): Int32Array {
    if (columns.length !== this.columns.length) throw new Error(`KeyIndex: probing ${columns.length} key column(s) against ${this.columns.length}`);
    const cols = columns.map(contiguous);
    const rows = cols.length > 0 ? cols[0].length : 0;
    const out = new Int32Array(rows);
    const layout = this.table && cols.every((c, i) => sameKeyType(c.type, this.columns[i].type)) ? nativeLayout(cols) : null;
    if (this.table && layout) {
      core.keyTableProbe(this.table.layout, this.rows, this.table.slots, this.table.filter, layout, rows, this.nullSafe, out);
      return out;
    }
    const map = this.jsMap();
    const key = compositeReader(cols.map(keyReader), this.nullSafe);
    for (let i = 0; i < rows; i++) {
      const k = key(i);
      out[i] = k === null ? -1 : map.get(k) ?? -1;
    }
    return out;
  }

  /**
   * Probes one Parquet key column of a file (its bytes, or an open
   * descriptor from which only the column's chunks are read; `type`: its
   * Arrow type in the table) page by page off the JS thread, without
   * materialising it: the
   * column rows whose key is indexed and the first build row of each, rows
   * ascending — and the `payload` columns' values at those rows, decoded in
   * the same pass over the file. Null when this index cannot (several key
   * columns, a type without a native layout, or pages of another layout
   * than the index's).
   */
  async probePages(file: Uint8Array | number, column: PageColumn, type: arrow.DataType, payload: PageColumn[] = []): Promise<{ rows: Int32Array; first: Int32Array; payload: Decoded[] } | null> {
    if (!this.table || this.columns.length !== 1 || !sameKeyType(type, this.columns[0].type)) return null;
    const page = PAGE_LAYOUT[column.type];
    const own = this.table.layout[0];
    if (!page || page.kind !== own.kind || page.width !== own.width) return null;
    return core.keyTableProbePages(this.table.layout, this.rows, this.table.slots, this.table.filter, this.nullSafe, file, [column, ...payload]);
  }

  /** The JavaScript index (first row per key), made on first use when the native one cannot serve a probe. */
  private jsMap(): Map<KeyValue, number> {
    if (this.map) return this.map;
    const key = compositeReader(this.columns.map(keyReader), this.nullSafe);
    const map = new Map<KeyValue, number>();
    for (let i = 0; i < this.rows; i++) {
      if (this.first[i] === i) map.set(key(i)!, i);
    }
    return (this.map = map);
  }

  /** Fills first/next through a Map (types without a native layout); returns the distinct count. */
  private fillFromMap(): number {
    const key = compositeReader(this.columns.map(keyReader), this.nullSafe);
    const map = new Map<KeyValue, number>();
    const tail = new Int32Array(this.rows);
    for (let i = 0; i < this.rows; i++) {
      this.next[i] = -1;
      const k = key(i);
      if (k === null) {
        this.first[i] = -1;
        continue;
      }
      const f = map.get(k);
      if (f === undefined) {
        map.set(k, i);
        this.first[i] = i;
        tail[i] = i;
      } else {
        this.first[i] = f;
        this.next[tail[f]] = i;
        tail[f] = i;
      }
    }
    this.map = map;
    return map.size;
  }
}

/** A power of two at least 1.5 times the rows: linear probing stays short, and absent keys rarely get past the filter. */
function capacityFor(rows: number): number {
  let cap = 16;
  while (cap < rows * 1.5) cap *= 2;
  return cap;
}

/** Whether two key types hash alike natively (same layout and same meaning of the bits). */
function sameKeyType(a: arrow.DataType, b: arrow.DataType): boolean {
  return signature(a) !== null && signature(a) === signature(b);
}

function signature(t: arrow.DataType): string | null {
  switch (t.typeId) {
    case arrow.Type.Int:
      return `int${(t as arrow.Int).bitWidth}${(t as arrow.Int).isSigned ? '' : 'u'}`;
    case arrow.Type.Date:
      // Millisecond dates compare by day (keys.ts), not by their bits.
      return (t as arrow.Date_).unit === arrow.DateUnit.DAY ? 'date' : null;
    case arrow.Type.Timestamp:
      return `ts${(t as arrow.Timestamp).unit}`;
    case arrow.Type.Decimal:
      return `dec${(t as arrow.Decimal).bitWidth}:${(t as arrow.Decimal).scale}`;
    case arrow.Type.Float:
      return `float${(t as arrow.Float).precision}`;
    case arrow.Type.Bool:
      return 'bool';
    case arrow.Type.Utf8:
      return 'utf8';
    case arrow.Type.Binary:
      return 'binary';
    default:
      return null;
  }
}

/** The native layouts of contiguous key columns, or null when one has none. */
function nativeLayout(cols: readonly arrow.Data[]): NativeColumn[] | null {
  const out: NativeColumn[] = [];
  for (const d of cols) {
    const c = columnLayout(d);
    if (!c) return null;
    if (d.nullCount > 0 && d.nullBitmap) c.valid = d.nullBitmap;
    out.push(c);
  }
  return out;
}

function columnLayout(d: arrow.Data): NativeColumn | null {
  const t = d.type;
  if (signature(t) === null) return null;
  switch (t.typeId) {
    case arrow.Type.Int:
      return { kind: KIND.fixed, width: (t as arrow.Int).bitWidth / 8, values: d.values };
    case arrow.Type.Date:
      return { kind: KIND.fixed, width: 4, values: d.values };
    case arrow.Type.Timestamp:
      return { kind: KIND.fixed, width: 8, values: d.values };
    case arrow.Type.Decimal:
      return { kind: KIND.fixed, width: (t as arrow.Decimal).bitWidth / 8, values: d.values };
    case arrow.Type.Float: {
      const p = (t as arrow.Float).precision;
      if (p === arrow.Precision.HALF) return null;
      return { kind: p === arrow.Precision.SINGLE ? KIND.float32 : KIND.float64, width: p === arrow.Precision.SINGLE ? 4 : 8, values: d.values };
    }
    case arrow.Type.Bool:
      return { kind: KIND.bool, width: 0, values: d.values };
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
      return { kind: KIND.bytes, width: 0, values: d.values, offsets: d.valueOffsets as Int32Array };
    default:
      return null;
  }
}
