// The tailored checkpoint decoder against hyparquet's general reader (an
// independent Parquet implementation): both must yield the same actions for
// checkpoints Tributary writes (partition values with nulls and non-ASCII
// text, txns, removes) and for every checkpoint in the shared fixtures
// (Spark, delta-rs, multi-part, V2 sidecars, dictionary pages). Files outside
// the decoder's subset must fall back to the general reader, and corrupt
// files must fail with CorruptLogError.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as arrow from 'apache-arrow';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { decodeCheckpoint, UnsupportedCheckpointEncoding } from '../../src/delta/checkpoint-decoder.ts';
import { readCheckpoint } from '../../src/delta/checkpoint-reader.ts';
import { writeCheckpoint } from '../../src/delta/checkpoint-writer.ts';
import { CorruptLogError } from '../../src/delta/errors.ts';
import { buildLogSegment } from '../../src/delta/log-segment.ts';
import { LocalStorage } from '../../src/delta/storage/local-storage.ts';
import { DeltaTable } from '../../src/delta/table.ts';
import { FIXTURES, haveFixtures } from './helpers.ts';
import { tempTableDir } from './write-helpers.ts';

const ACTIONS = ['add', 'remove', 'metaData', 'protocol', 'txn', 'domainMetadata', 'checkpointMetadata', 'sidecar'];

const toArrayBuffer = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** JSON with bigint → number and Date → ISO text; absent and null fields are the same thing for replay. */
function canonical(x: unknown): string {
  const text = JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.toISOString() : v));
  return JSON.stringify(JSON.parse(text, (k, v: unknown) => (v === null && k !== '' ? undefined : v)));
}

/** Decoder and hyparquet on one file; 'unsupported' when the decoder declines it. */
async function compare(path: string): Promise<'same' | 'unsupported'> {
  const file = toArrayBuffer(readFileSync(path));
  const metadata = parquetMetadata(file);
  const names = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
  const columns = ACTIONS.filter((c) => names.has(c));
  let mine: Record<string, unknown>[];
  try {
    mine = (await decodeCheckpoint(file, metadata, columns, compressors)).map(({ column, value }) => ({ [column]: value }));
  } catch (err) {
    if (err instanceof UnsupportedCheckpointEncoding) return 'unsupported';
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const theirs: Record<string, unknown>[] = [];
  for (const row of await parquetReadObjects({ file, metadata, columns, compressors })) {
    for (const c of columns) {
      const v = row[c];
      if (!v || typeof v !== 'object') continue;
      // The decoder skips the typed copies replay never reads.
      const { stats_parsed: _s, partitionValues_parsed: _p, ...rest } = v as Record<string, unknown>;
      theirs.push({ [c]: rest });
    }
  }
  assert.is(canonical(mine), canonical(theirs), `decoder and hyparquet disagree on ${path}`);
  return 'same';
}

const schema = new arrow.Schema([
  new arrow.Field('id', new arrow.Int64(), false),
  new arrow.Field('city', new arrow.Utf8(), true),
  new arrow.Field('note', new arrow.Utf8(), true),
]);
const rows = (ids: number[], city: string | null, note: string | null) =>
  new arrow.Table({
    id: arrow.vectorFromArray(ids.map(BigInt), new arrow.Int64()),
    city: arrow.vectorFromArray(ids.map(() => city), new arrow.Utf8()),
    note: arrow.vectorFromArray(ids.map(() => note), new arrow.Utf8()),
  });

test('Tributary checkpoints: partition values (null, non-ASCII), txns, removes decode as hyparquet reads them', async () => {
  const dir = tempTableDir('cpdec');
  const t = await DeltaTable.create(dir, { schema, partitionBy: ['city'], properties: { 'delta.checkpointInterval': '1000' } });
  await t.append(rows([1, 2], 'Zürich', 'grüße 🌊'), { txn: { appId: 'ingest-ü', version: 3 } });
  await t.append(rows([3], null, null));
  await t.append(rows([4, 5, 6], 'Paris', 'plain'));
  await t.overwrite(rows([7], 'Paris', 'again'), { replaceWhere: "city = 'Paris'" });
  const info = await writeCheckpoint(t.storage, t.snapshot);
  assert.is(await compare(join(dir, info.path)), 'same');

  // And through readCheckpoint, the replayed state matches the log's JSON commits.
  const storage = new LocalStorage(dir);
  const seg = await buildLogSegment(storage);
  assert.is(seg.checkpoint?.version, t.version());
  const actions = await readCheckpoint(storage, seg.checkpoint!);
  const adds = actions.flatMap((a) => ('add' in a ? [a.add] : []));
  const byPath = new Map(t.files().map((f) => [f.path, f]));
  assert.is(adds.length, byPath.size);
  for (const a of adds) {
    const f = byPath.get(a.path);
    assert.ok(f, `checkpoint add ${a.path} is an active file`);
    assert.equal(a.partitionValues, f!.partitionValues);
    assert.is(a.size, f!.size);
    assert.is(a.modificationTime, f!.modificationTime);
    assert.is(a.stats, f!.stats);
    assert.is(typeof a.size, 'number');
  }
  assert.ok(adds.some((a) => a.partitionValues.city === null), 'a null partition value survives');
  assert.ok(adds.some((a) => a.partitionValues.city === 'Zürich'));
  assert.ok(adds.some((a) => a.stats?.includes('grüße 🌊')), 'non-ASCII stats text survives');
  const txn = actions.find((a) => 'txn' in a);
  assert.equal(txn && 'txn' in txn ? [txn.txn.appId, txn.txn.version] : null, ['ingest-ü', 3]);
  assert.ok(actions.some((a) => 'remove' in a), 'the replaced files are tombstones');
});

test('every checkpoint of the shared fixtures decodes as hyparquet reads it, or is declined', async () => {
  if (!haveFixtures('checkpoint decoder vs fixtures')) return;
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/_delta_log\/(\d{20}\.checkpoint[^/]*|_sidecars\/[^/]+)\.parquet$/.test(p)) files.push(p);
    }
  };
  walk(FIXTURES);
  assert.ok(files.length > 10, `found ${files.length} fixture checkpoints`);
  let same = 0;
  for (const f of files) if ((await compare(f)) === 'same') same++;
  // Declining is only for features outside the subset (e.g. typed stats only); most files must take the fast path.
  assert.ok(same >= files.length * 0.9, `${same} of ${files.length} fixture checkpoints took the fast path`);
});

test('typed-only stats (stats_parsed without stats) fall back to the general reader and keep their stats', async () => {
  const dir = join(FIXTURES, 'delta-rs/delta-1.2.1-only-struct-stats');
  if (!haveFixtures('stats_parsed fallback')) return;
  let exists = true;
  try {
    statSync(dir);
  } catch {
    exists = false;
  }
  if (!exists) {
    console.log(`SKIP stats_parsed fallback: ${dir} is absent`);
    return;
  }
  const storage = new LocalStorage(dir);
  const seg = await buildLogSegment(storage);
  assert.ok(seg.checkpoint);
  assert.is(await compare(join(dir, seg.checkpoint!.files[0].path)), 'unsupported');
  const adds = (await readCheckpoint(storage, seg.checkpoint!)).flatMap((a) => ('add' in a ? [a.add] : []));
  assert.ok(adds.length > 0);
  for (const a of adds) assert.ok(typeof a.stats === 'string' && JSON.parse(a.stats).numRecords !== undefined, `stats rebuilt for ${a.path}`);
});

test('a corrupt checkpoint fails with CorruptLogError naming the file', async () => {
  const dir = tempTableDir('cpbad');
  const t = await DeltaTable.create(dir, { schema, properties: { 'delta.checkpointInterval': '1000' } });
  await t.append(rows([1, 2, 3], 'x', 'y'));
  const info = await writeCheckpoint(t.storage, t.snapshot);
  const path = join(dir, info.path);
  const bytes = readFileSync(path);
  // Garble the column data (the footer stays readable).
  for (let i = 4; i < Math.min(bytes.length - 200, 600); i++) bytes[i] = (bytes[i] * 31 + 7) & 0xff;
  writeFileSync(path, bytes);
  const storage = new LocalStorage(dir);
  const seg = await buildLogSegment(storage);
  try {
    await readCheckpoint(storage, seg.checkpoint!);
    assert.unreachable('a garbled checkpoint must not decode');
  } catch (err) {
    assert.instance(err, CorruptLogError);
    assert.match((err as Error).message, /checkpoint\.parquet/);
  }
});

test.run();
