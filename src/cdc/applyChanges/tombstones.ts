// Durable SCD1 key state: for every key the sequence value of its last
// applied event and whether that was a delete (a tombstone). Kept as
// newline-delimited JSON files in the flow's state directory: each commit
// adds one file with the keys it changed, and every `COMPACT_AFTER` files
// (or after a TRUNCATE) one file with the whole state replaces them.
// Tombstones older than the retention threshold are dropped when state is
// loaded or compacted — after that, a late event older than the delete
// resurrects the key, as in DLT.
import { randomUUID } from 'node:crypto';
import type { Storage } from '../../delta/storage/storage.ts';
import type { KeyState } from './keyState.ts';
import type { RowKey } from './rowKey.ts';
import { compareSeq, decodeSeq, DELETE, encodeSeq, UPSERT, type SeqValue } from './sequence.ts';
import { stateDirectory } from './stateDomain.ts';

/** State files a flow accumulates before they are compacted into one. */
export const COMPACT_AFTER = 16;

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** The in-memory key state of one SCD1 flow. */
export class KeyStateStore {
  readonly states = new Map<RowKey, KeyState>();
  files: string[] = [];
  watermark: SeqValue | undefined;

  /** Loads the state files listed by a state record; tombstones older than `gcBefore` (ms) are dropped. */
  static async load(storage: Storage, files: readonly string[], watermark: SeqValue | undefined, gcBefore: number): Promise<KeyStateStore> {
    const store = new KeyStateStore();
    store.files = [...files];
    store.watermark = watermark;
    for (const f of files) {
      const bytes = await storage.read(f);
      if (!bytes) throw new Error(`Delta table ${storage.root}: CDC state file ${f} is missing; the flow needs a full refresh`);
      for (const line of DECODER.decode(bytes).split('\n')) {
        if (line === '') continue;
        const [k, s, r, at] = JSON.parse(line) as [unknown, unknown, number, number];
        store.states.set(decodeSeq(k) as RowKey, { seq: decodeSeq(s), rank: r === DELETE ? DELETE : UPSERT, at });
      }
    }
    store.collect(gcBefore);
    return store;
  }

  /** Drops tombstones made before `gcBefore` (ms) and states a TRUNCATE superseded. */
  collect(gcBefore: number): number {
    let dropped = 0;
    for (const [k, s] of this.states) {
      const old = s.rank === DELETE && s.at < gcBefore;
      const truncated = this.watermark !== undefined && compareSeq(s.seq, this.watermark) < 0;
      if (old || truncated) {
        this.states.delete(k);
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * Writes the state after applying `changes` (and a new truncate
   * watermark) as a new file — or, when due, one compacted file — and
   * returns the file list and watermark the commit must record. The
   * in-memory state is not modified (see {@link apply}).
   */
  async stage(
    storage: Storage,
    appId: string,
    batchId: number,
    changes: Iterable<[RowKey, KeyState]>,
    watermark: SeqValue | undefined,
  ): Promise<{ files: string[]; written: string }> {
    const dir = stateDirectory(appId);
    const name = `${dir}state-${String(batchId).padStart(20, '0')}-${randomUUID()}.ndjson`;
    const compact = watermark !== this.watermark || this.files.length + 1 >= COMPACT_AFTER;
    const lines: string[] = [];
    const line = (k: RowKey, s: KeyState) => JSON.stringify([encodeSeq(k), encodeSeq(s.seq), s.rank, s.at]);
    if (compact) {
      const merged = new Map(this.states);
      for (const [k, s] of changes) merged.set(k, s);
      for (const [k, s] of merged) if (watermark === undefined || compareSeq(s.seq, watermark) >= 0) lines.push(line(k, s));
    } else {
      for (const [k, s] of changes) lines.push(line(k, s));
    }
    await storage.write(name, ENCODER.encode(lines.join('\n') + '\n'));
    return { files: compact ? [name] : [...this.files, name], written: name };
  }

  /** Applies a committed batch to the in-memory state. */
  apply(changes: Iterable<[RowKey, KeyState]>, files: string[], watermark: SeqValue | undefined): void {
    for (const [k, s] of changes) this.states.set(k, s);
    this.files = files;
    if (watermark !== this.watermark) {
      this.watermark = watermark;
      this.collect(-Infinity);
    }
  }
}
