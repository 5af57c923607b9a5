// Key-only MERGE joins on storages without file descriptors (S3, memory):
// the key column's byte range is fetched, not the whole data file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { merge } from '../../../src/cdc/index.ts';
import { DeltaTable } from '../../../src/delta/table.ts';
import { MemoryStorage } from '../../../src/delta/storage/index.ts';
import type { Storage } from '../../../src/delta/storage/storage.ts';
import { prng } from '../../support/prng.ts';

/** A MemoryStorage that counts the bytes read from Parquet data files. */
class CountingStorage extends MemoryStorage {
  dataBytesRead = 0;
  wholeDataReads = 0;

  override async read(path: string): Promise<Uint8Array | null> {
    const out = await super.read(path);
    if (path.endsWith('.parquet') && out) {
      this.dataBytesRead += out.length;
      this.wholeDataReads++;
    }
    return out;
  }

  override async readRange(path: string, start: number, end: number): Promise<Uint8Array> {
    const out = await super.readRange(path, start, end);
    if (path.endsWith('.parquet')) this.dataBytesRead += out.length;
    return out;
  }
}

test('a deletion-vector MERGE on a storage without descriptors reads the key column and footers, not whole files', async () => {
  const storage = new CountingStorage('/mem/ranged');
  const n = 20_000;
  const schema = new arrow.Schema([
    new arrow.Field('id', new arrow.Int64(), false),
    new arrow.Field('payload', new arrow.Utf8(), true),
  ]);
  const table = await DeltaTable.create(storage as Storage, { schema, properties: { 'delta.enableDeletionVectors': 'true' } });
  // A wide payload column that does not compress, so the key column is a small part of each file.
  const r = prng(11);
  const text = () => Array.from({ length: 48 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(r() * 36)]).join('');
  const rows = (ids: number[]) => arrow.tableFromArrays({ id: BigInt64Array.from(ids.map(BigInt)), payload: ids.map(text) });
  await table.append(rows(Array.from({ length: n }, (_, i) => i)));
  const fileBytes = table.snapshot.files().reduce((s, f) => s + f.size, 0);
  storage.dataBytesRead = 0;
  const result = await merge(table, rows([5, 7, 19_999, n + 1]), { on: ['id'], whenMatched: [{ update: '*' }], whenNotMatched: [{ insert: '*' }] });
  assert.is(result.metrics.numTargetRowsUpdated, 3);
  assert.is(result.metrics.numTargetRowsInserted, 1);
  assert.is(storage.wholeDataReads, 0, 'no data file is read whole');
  assert.ok(storage.dataBytesRead < fileBytes / 4, `read ${storage.dataBytesRead} of ${fileBytes} bytes`);
  const ids = (await (await DeltaTable.open(storage as Storage)).toArrow()).getChild('id')!.toArray() as BigInt64Array;
  assert.is(ids.length, n + 1);
});

test.run();
