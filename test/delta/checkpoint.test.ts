// Classic checkpoints: written at every `delta.checkpointInterval` commits,
// `_last_checkpoint` points at them, our reader replays from them, and DuckDB
// sees the column layout Spark writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeltaTable } from '../../src/delta/table.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { LocalStorage } from '../../src/delta/storage/local-storage.ts';
import { MemoryStorage } from '../../src/delta/storage/memory-storage.ts';
import { lastCheckpointChecksum, retentionMs } from '../../src/delta/checkpoint-writer.ts';
import { duckRows, tempTableDir } from './write-helpers.ts';

const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int64(), true), new arrow.Field('p', new arrow.Utf8(), true)]);
const rows = (ids: number[], p: string | null) =>
  new arrow.Table({ id: arrow.vectorFromArray(ids.map(BigInt), new arrow.Int64()), p: arrow.vectorFromArray(ids.map(() => p), new arrow.Utf8()) });

test('checkpoint at version 10 (default interval): _last_checkpoint, reader replay, DuckDB shape', async () => {
  const dir = tempTableDir();
  const t = await DeltaTable.create(dir, { schema, partitionBy: ['p'], properties: { 'delta.appendOnly': 'false' } });
  let expectedIds: number[] = [];
  for (let v = 1; v <= 9; v++) {
    const r = await t.append(rows([v * 10, v * 10 + 1], v % 3 === 0 ? null : `p${v % 3}`), { txn: { appId: 'app', version: v } });
    assert.is(r.checkpoint, undefined);
    expectedIds.push(v * 10, v * 10 + 1);
  }
  assert.not.ok(existsSync(join(dir, '_delta_log/_last_checkpoint')));
  // Version 10 removes some files, so the checkpoint also carries tombstones.
  const r10 = await t.overwrite(rows([1000], 'p1'), { replaceWhere: "p = 'p1'" });
  assert.is(r10.version, 10);
  assert.ok(r10.checkpoint, `checkpoint written (${r10.checkpointError?.message ?? ''})`);
  expectedIds = [...expectedIds.filter((id) => (Math.floor(id / 10) % 3) !== 1), 1000];

  const hint = JSON.parse(readFileSync(join(dir, '_delta_log/_last_checkpoint'), 'utf8'));
  const snap = await loadSnapshot(new LocalStorage(dir));
  assert.is(hint.version, 10);
  assert.is(hint.numOfAddFiles, snap.files().length);
  assert.is(hint.checksum, lastCheckpointChecksum(hint));
  const cpPath = join(dir, '_delta_log/00000000000000000010.checkpoint.parquet');
  assert.is(hint.sizeInBytes, readFileSync(cpPath).length);

  // The reader replays from the checkpoint alone once the JSON commits are gone from the segment.
  assert.is(snap.logSegment.checkpoint?.version, 10);
  assert.is(snap.logSegment.commits.length, 0);
  assert.is(snap.txnVersion('app'), 9);
  const ids = (await t.toArrow()).getChild('id')!.toArray();
  assert.equal(Array.from(ids as BigInt64Array, Number).sort((a, b) => a - b), expectedIds.sort((a, b) => a - b));

  // DuckDB: one action per row, struct columns named and typed as Spark writes them.
  const desc = await duckRows(`DESCRIBE SELECT * FROM read_parquet('${cpPath}')`);
  const types = Object.fromEntries(desc.map((d) => [d.column_name, String(d.column_type)]));
  assert.equal(Object.keys(types), ['txn', 'add', 'remove', 'metaData', 'protocol', 'domainMetadata']);
  assert.match(types.add, /^STRUCT\(path VARCHAR, partitionValues MAP\(VARCHAR, VARCHAR\), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP\(VARCHAR, VARCHAR\), deletionVector STRUCT\(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER, sizeInBytes INTEGER, cardinality BIGINT\)/);
  assert.match(types.protocol, /minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR\[\], writerFeatures VARCHAR\[\]/);
  assert.match(types.metaData, /partitionColumns VARCHAR\[\], "configuration" MAP\(VARCHAR, VARCHAR\), createdTime BIGINT/);
  const [counts] = await duckRows(
    `SELECT count(add) AS adds, count(remove) AS removes, count(txn) AS txns, count(metaData) AS md, count(protocol) AS pr, count(*) AS n FROM read_parquet('${cpPath}')`,
  );
  assert.is(Number(counts.adds), snap.files().length);
  assert.is(Number(counts.removes), snap.tombstones().length);
  assert.ok(Number(counts.removes) > 0);
  assert.equal([Number(counts.txns), Number(counts.md), Number(counts.pr)], [1, 1, 1]);
  assert.is(Number(counts.n), hint.size);
  const nullPartition = await duckRows(
    `SELECT add.partitionValues['p'] AS v FROM read_parquet('${cpPath}') WHERE add IS NOT NULL AND add.path LIKE 'p=__HIVE_DEFAULT_PARTITION__%'`,
  );
  assert.ok(nullPartition.length > 0 && nullPartition.every((r) => r.v === null), 'null partition values stay null in the map');
  const [md] = await duckRows(`SELECT metaData.schemaString AS s, metaData.partitionColumns AS pc FROM read_parquet('${cpPath}') WHERE metaData IS NOT NULL`);
  assert.is(md.s, snap.metadata.schemaString);
  assert.equal(md.pc, ['p']);

  // More commits replay on top of the checkpoint.
  await t.append(rows([5000], 'p2'));
  const s11 = await loadSnapshot(new LocalStorage(dir));
  assert.is(s11.logSegment.checkpoint?.version, 10);
  assert.is(s11.version, 11);
  assert.is((await DeltaTable.open(dir)).files().length, snap.files().length + 1);
});

test('custom interval; a failing checkpoint never fails the commit', async () => {
  // Storage whose checkpoint writes fail (a full disk, a permission problem).
  class FailingCheckpoints extends MemoryStorage {
    override async write(path: string, data: Uint8Array): Promise<void> {
      if (path.includes('.checkpoint.') && failing) throw new Error('disk full');
      return super.write(path, data);
    }
  }
  let failing = false;
  const storage = new FailingCheckpoints();
  const t = await DeltaTable.create(storage, { schema, properties: { 'delta.checkpointInterval': '2' } });
  await t.append(rows([1], 'a'));
  const r2 = await t.append(rows([2], 'a'));
  assert.ok(r2.checkpoint);
  assert.ok(await storage.head('_delta_log/00000000000000000002.checkpoint.parquet'));
  await t.append(rows([3], 'a'));
  failing = true;
  const r4 = await t.append(rows([4], 'a'));
  assert.is(r4.version, 4);
  assert.match(r4.checkpointError?.message ?? '', /disk full/);
  assert.is(await storage.head('_delta_log/00000000000000000004.checkpoint.parquet'), null);
  // The hint still names the previous checkpoint, and the table reads fine.
  assert.is(JSON.parse(new TextDecoder().decode((await storage.read('_delta_log/_last_checkpoint'))!)).version, 2);
  const s = await loadSnapshot(storage);
  assert.is(s.version, 4);
  assert.is(s.logSegment.checkpoint?.version, 2);
  assert.is((await t.toArrow()).numRows, 4);
});

test('tombstone retention parses Spark intervals', () => {
  assert.is(retentionMs(undefined, 't'), 7 * 86400e3);
  assert.is(retentionMs('interval 2 days', 't'), 2 * 86400e3);
  assert.is(retentionMs('interval 1 hour', 't'), 3600e3);
  assert.throws(() => retentionMs('forever', 't'), /deletedFileRetentionDuration/);
});

test.run();
