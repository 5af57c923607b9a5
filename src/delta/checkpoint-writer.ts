// Classic single-file checkpoints (PROTOCOL.md "Checkpoints", V1 spec): the
// reconciled state of a version — protocol, metadata, txns, live domain
// metadata, active files and unexpired tombstones — as one Parquet file with
// one action per row, in the column layout Spark writes, followed by the
// `_last_checkpoint` hint. Readers then replay from it instead of from 0.

import { createHash } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { Add, Remove } from './actions.ts';
import type { Storage } from './storage/storage.ts';
import { buildArrowData } from './arrow-data.ts';
import { classicCheckpointPath, LAST_CHECKPOINT_PATH } from './log-path.ts';
import type { Snapshot } from './snapshot.ts';
import { protocolFeatures } from './writer-features.ts';
import { writeParquet } from '../parquet/write.ts';

/** Commits between checkpoints when `delta.checkpointInterval` is not set. */
export const DEFAULT_CHECKPOINT_INTERVAL = 10;
/** Tombstone retention when `delta.deletedFileRetentionDuration` is not set (1 week). */
export const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** What was written. */
export interface CheckpointInfo {
  version: number;
  path: string;
  /** Number of actions (rows). */
  size: number;
  sizeInBytes: number;
  numOfAddFiles: number;
}

/** The table's checkpoint interval (`delta.checkpointInterval`, default 10). */
export function checkpointInterval(configuration: Readonly<Record<string, string>>): number {
  const v = configuration['delta.checkpointInterval'];
  const n = v === undefined ? DEFAULT_CHECKPOINT_INTERVAL : Number(v);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_CHECKPOINT_INTERVAL;
}

/** Whether a commit of `version` should be followed by a checkpoint. */
export function shouldCheckpoint(version: number, configuration: Readonly<Record<string, string>>): boolean {
  return version > 0 && version % checkpointInterval(configuration) === 0;
}

const str = () => new arrow.Utf8();
const long = () => new arrow.Int64();
const int = () => new arrow.Int32();
const bool = () => new arrow.Bool();
const f = (name: string, type: arrow.DataType) => new arrow.Field(name, type, true);
const stringMap = () =>
  new arrow.Map_(
    new arrow.Field('key_value', new arrow.Struct([new arrow.Field('key', str(), false), new arrow.Field('value', str(), true)] as arrow.Field[]), false) as never,
  );
const stringList = () => new arrow.List(new arrow.Field('element', str(), true));
const dvType = () =>
  new arrow.Struct([f('storageType', str()), f('pathOrInlineDv', str()), f('offset', int()), f('sizeInBytes', int()), f('cardinality', long())]);

/** The checkpoint's Arrow schema: one nullable struct column per action type, as Spark lays it out. */
export function checkpointSchema(): arrow.Schema {
  return new arrow.Schema([
    f('txn', new arrow.Struct([f('appId', str()), f('version', long()), f('lastUpdated', long())])),
    f(
      'add',
      new arrow.Struct([
        f('path', str()), f('partitionValues', stringMap()), f('size', long()), f('modificationTime', long()),
        f('dataChange', bool()), f('stats', str()), f('tags', stringMap()), f('deletionVector', dvType()),
        f('baseRowId', long()), f('defaultRowCommitVersion', long()), f('clusteringProvider', str()),
      ]),
    ),
    f(
      'remove',
      new arrow.Struct([
        f('path', str()), f('deletionTimestamp', long()), f('dataChange', bool()), f('extendedFileMetadata', bool()),
        f('partitionValues', stringMap()), f('size', long()), f('deletionVector', dvType()), f('baseRowId', long()),
        f('defaultRowCommitVersion', long()),
      ]),
    ),
    f(
      'metaData',
      new arrow.Struct([
        f('id', str()), f('name', str()), f('description', str()),
        f('format', new arrow.Struct([f('provider', str()), f('options', stringMap())])),
        f('schemaString', str()), f('partitionColumns', stringList()), f('configuration', stringMap()), f('createdTime', long()),
      ]),
    ),
    f(
      'protocol',
      new arrow.Struct([f('minReaderVersion', int()), f('minWriterVersion', int()), f('readerFeatures', stringList()), f('writerFeatures', stringList())]),
    ),
    f('domainMetadata', new arrow.Struct([f('domain', str()), f('configuration', str()), f('removed', bool())])),
  ]);
}

type Row = Record<string, unknown>;
const big = (n: number | null | undefined) => (n === null || n === undefined ? null : BigInt(n));
const pairs = (m: Record<string, string | null> | null | undefined) => (m ? Object.entries(m) : null);
const dv = (d: Add['deletionVector']) =>
  d ? { ...d, offset: d.offset ?? null, cardinality: BigInt(d.cardinality) } : null;

/**
 * Writes the classic checkpoint of `snapshot` and then `_last_checkpoint`.
 * Refuses tables with the v2Checkpoint feature (their classic checkpoints
 * must follow the V2 spec, which this writer does not produce).
 *
 * @example
 * if (shouldCheckpoint(version, snapshot.properties)) await writeCheckpoint(storage, snapshot);
 */
export async function writeCheckpoint(storage: Storage, snapshot: Snapshot, now = Date.now()): Promise<CheckpointInfo> {
  if (protocolFeatures(snapshot.protocol).has('v2Checkpoint')) {
    throw new Error(`Delta table ${storage.root} uses V2 checkpoints (feature v2Checkpoint); Tributary writes classic V1 checkpoints only`);
  }
  const retention = retentionMs(snapshot.properties['delta.deletedFileRetentionDuration'], storage.root);
  const p = snapshot.protocol;
  const m = snapshot.metadata;
  const rows: Row[] = [];
  rows.push({
    protocol: {
      minReaderVersion: p.minReaderVersion,
      minWriterVersion: p.minWriterVersion,
      // At reader 3 / writer 7 the lists must be present; below, null (PROTOCOL.md "Checkpoint Schema").
      readerFeatures: p.minReaderVersion >= 3 ? (p.readerFeatures ?? []) : null,
      writerFeatures: p.minWriterVersion >= 7 ? (p.writerFeatures ?? []) : null,
    },
  });
  rows.push({
    metaData: {
      id: m.id,
      name: m.name ?? null,
      description: m.description ?? null,
      format: { provider: m.format?.provider ?? 'parquet', options: pairs(m.format?.options ?? {}) },
      schemaString: m.schemaString,
      partitionColumns: m.partitionColumns ?? [],
      configuration: pairs(m.configuration ?? {}),
      createdTime: big(m.createdTime),
    },
  });
  for (const t of snapshot.txns()) rows.push({ txn: { appId: t.appId, version: BigInt(t.version), lastUpdated: big(t.lastUpdated) } });
  for (const d of snapshot.domainMetadata()) rows.push({ domainMetadata: { domain: d.domain, configuration: d.configuration, removed: false } });
  const adds = snapshot.files();
  for (const a of adds) rows.push({ add: addRow(a) });
  for (const r of snapshot.tombstones()) {
    // Expired tombstones are dropped; VACUUM no longer needs them.
    if ((r.deletionTimestamp ?? 0) > now - retention) rows.push({ remove: removeRow(r) });
  }

  const schema = checkpointSchema();
  const children = schema.fields.map((field) =>
    buildArrowData(field.type, rows.map((r) => r[field.name] ?? null), `checkpoint.${field.name}`),
  );
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows.length, nullCount: 0, children });
  const table = new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]);
  const { bytes } = await writeParquet(table, { compression: 'snappy' });
  const path = classicCheckpointPath(snapshot.version);
  // Two writers of the same checkpoint write the same content, so replacing is safe (PROTOCOL.md "Classic checkpoint").
  await storage.write(path, bytes);
  const info: CheckpointInfo = { version: snapshot.version, path, size: rows.length, sizeInBytes: bytes.length, numOfAddFiles: adds.length };
  const hint: Record<string, unknown> = {
    version: info.version,
    size: info.size,
    sizeInBytes: info.sizeInBytes,
    numOfAddFiles: info.numOfAddFiles,
  };
  hint.checksum = lastCheckpointChecksum(hint);
  await storage.write(LAST_CHECKPOINT_PATH, new TextEncoder().encode(JSON.stringify(hint)));
  return info;
}

function addRow(a: Add): Row {
  return {
    path: a.path,
    partitionValues: pairs(a.partitionValues) ?? [],
    size: BigInt(a.size),
    modificationTime: BigInt(a.modificationTime),
    // A checkpoint restates state; it changes no data.
    dataChange: false,
    stats: a.stats ?? null,
    tags: pairs(a.tags),
    deletionVector: dv(a.deletionVector),
    baseRowId: big(a.baseRowId),
    defaultRowCommitVersion: big(a.defaultRowCommitVersion),
    clusteringProvider: a.clusteringProvider ?? null,
  };
}

function removeRow(r: Remove): Row {
  return {
    path: r.path,
    deletionTimestamp: big(r.deletionTimestamp),
    dataChange: r.dataChange,
    extendedFileMetadata: r.extendedFileMetadata ?? null,
    partitionValues: pairs(r.partitionValues),
    size: big(r.size),
    deletionVector: dv(r.deletionVector),
    baseRowId: big(r.baseRowId),
    defaultRowCommitVersion: big(r.defaultRowCommitVersion),
  };
}

/** Parses Spark's `interval <n> <unit>` durations (`delta.deletedFileRetentionDuration`). */
export function retentionMs(text: string | undefined, table: string): number {
  if (text === undefined) return DEFAULT_TOMBSTONE_RETENTION_MS;
  const m = /^\s*(?:interval\s+)?(\d+)\s*(millisecond|second|minute|hour|day|week)s?\s*$/i.exec(text);
  if (!m) throw new Error(`Cannot parse delta.deletedFileRetentionDuration '${text}' of Delta table ${table}`);
  const unit = { millisecond: 1, second: 1e3, minute: 60e3, hour: 3600e3, day: 86400e3, week: 7 * 86400e3 }[m[2].toLowerCase() as 'day'];
  return Number(m[1]) * unit;
}

/**
 * MD5 of the canonicalized `_last_checkpoint` JSON (PROTOCOL.md "JSON
 * checksum"): leaf values as `path=value` pairs, strings URL-encoded, pairs
 * sorted by path bytes, the top-level `checksum` key ignored.
 */
export function lastCheckpointChecksum(json: Record<string, unknown>): string {
  const pairsOut: [string, string][] = [];
  const enc = (s: string) =>
    Array.from(new TextEncoder().encode(s), (b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    ).join('');
  const walk = (v: unknown, path: string) => {
    if (v !== null && typeof v === 'object') {
      const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v as object).map(([k, x]) => [`"${enc(k)}"`, x]);
      for (const [k, x] of entries) walk(x, path === '' ? k : `${path}+${k}`);
      return;
    }
    const value = typeof v === 'string' ? `"${enc(v)}"` : v === null ? 'null' : String(v);
    pairsOut.push([path, value]);
  };
  for (const [k, v] of Object.entries(json)) if (k !== 'checksum') walk(v, `"${enc(k)}"`);
  const bytes = (s: string) => new TextEncoder().encode(s);
  pairsOut.sort((a, b) => {
    const x = bytes(a[0]);
    const y = bytes(b[0]);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  });
  const canonical = pairsOut.map(([p, v]) => `${p}=${v}`).join(',');
  return createHash('md5').update(canonical).digest('hex');
}
