// S3 storage against a real S3-compatible server (moto_server on 127.0.0.1,
// started for this file only): the Storage contract LocalStorage and
// MemoryStorage pass, multipart uploads, and Delta tables on s3:// — every
// version reads the same through Tributary on S3, Tributary on local disk and
// Python deltalake (delta-rs, reading S3 itself); a checkpoint is written and is
// what readers use; and 8 in-process writers plus 2 writer processes racing on
// one table land every commit exactly once, at contiguous versions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import * as arrow from 'apache-arrow';
import { DeltaTable } from '../../src/delta/table.ts';
import { S3Storage } from '../../src/delta/storage/s3-storage.ts';
import { vacuum } from '../../src/delta/maintenance/vacuum.ts';
import { openStorage } from '../../src/delta/storage/open-storage.ts';
import type { Storage } from '../../src/delta/storage/storage.ts';
import { dec, enc, rejects } from '../delta/helpers.ts';
import { storageContract } from '../support/storage-contract.ts';
import { allTypesFields, allTypesRows, nullRow } from './all-types.ts';
import { startMoto, type Moto } from './moto.ts';
import { normaliseTable } from './normalise.ts';
import { Oracle, assertSameRows, scratchDir, sortRows, type Row } from './oracle.ts';
import { arrowSchemaOf, specToArrow } from './spec-to-arrow.ts';

const BUCKET = 'tributary-interop';
const scratch = scratchDir('s3');
const oracle = new Oracle();
let moto: Moto;
let admin: S3Client;

test.before(async () => {
  moto = await startMoto();
  // Both the AWS SDK (Tributary) and delta-rs (the deltalake oracle) configure themselves from these.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_ALLOW_HTTP: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  admin = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
  await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

test.after(async () => {
  admin?.destroy();
  await oracle.close();
  await moto?.stop();
  scratch.cleanup();
});

let prefixes = 0;
/** A storage under a prefix no other test uses: an empty store, like a fresh temp dir. */
const fresh = (options: { multipartThreshold?: number; partSize?: number } = {}): S3Storage =>
  new S3Storage({ bucket: BUCKET, prefix: `t${++prefixes}/root`, ...options });

// --- Storage contract: the shared cases, plus what S3 must add (errors naming the key, separate clients racing).

storageContract('S3Storage', () => fresh());

test('contract: readRange past the end, or of a missing object, is an error naming the key', async () => {
  const s = fresh();
  await s.write('x', enc('abc'));
  await rejects(() => s.readRange('x', 1, 10), /past the end of s3:\/\/tributary-interop\/t\d+\/root\/x/);
  await rejects(() => s.readRange('x', 5, 6), /past the end/);
  await rejects(() => s.readRange('x', 5, 5), /past the end/);
  await rejects(() => s.readRange('missing', 0, 1), /No object at s3:\/\/tributary-interop\/t\d+\/root\/missing/);
});

test('contract: concurrent putIfAbsent has exactly one winner (separate clients)', async () => {
  const root = fresh();
  // One storage (and so one client, one connection pool) per writer, as separate machines would have.
  const writers = Array.from({ length: 20 }, () => new S3Storage({ bucket: BUCKET, prefix: root.keyPrefix }));
  const results = await Promise.all(writers.map((s, i) => s.putIfAbsent('c.json', enc(`w${i}`))));
  assert.is(results.filter(Boolean).length, 1);
  assert.is(dec(await root.read('c.json')), `w${results.indexOf(true)}`);
  await Promise.all(writers.map((w) => w.destroy()));
});

// --- S3 specifics.

test('listFrom is inclusive and skips names just below the start (the exclusive StartAfter bound)', async () => {
  const s = fresh();
  // '1/', '1.' and '1' sort between the StartAfter bound ('1/' for '10') and '10' or just below it.
  for (const p of ['d/1', 'd/1.json', 'd/1/x', 'd/10', 'd/100', 'd/11', 'd/9']) await s.write(p, enc(p));
  assert.equal((await s.listFrom('d', '10')).map((f) => f.path), ['d/10', 'd/100', 'd/11', 'd/9']);
  assert.equal((await s.listFrom('d/', '')).map((f) => f.path), ['d/1', 'd/1.json', 'd/10', 'd/100', 'd/11', 'd/9']);
});

test('list and listFrom page through ListObjectsV2 (3 keys per page)', async () => {
  const s = new S3Storage({ bucket: BUCKET, prefix: `t${++prefixes}/root`, listPageSize: 3 });
  const names = Array.from({ length: 11 }, (_, i) => `${String(i).padStart(20, '0')}.json`);
  for (const n of names) await s.write(`_delta_log/${n}`, enc(n));
  await s.write('_delta_log/_last_checkpoint', enc('{}'));
  await s.write('_delta_log/_sidecars/x.parquet', enc('x'));
  assert.equal((await s.list('_delta_log/0')).map((f) => f.path), names.map((n) => `_delta_log/${n}`));
  assert.is((await s.list('_delta_log/')).length, 13);
  assert.equal((await s.listFrom('_delta_log', names[4])).map((f) => f.path), [...names.slice(4), '_last_checkpoint'].map((n) => `_delta_log/${n}`));
});

test('a prefix isolates tables: no keys of a sibling prefix that shares its first characters', async () => {
  const a = new S3Storage({ bucket: BUCKET, prefix: `iso${++prefixes}/t` });
  const ab = new S3Storage({ bucket: BUCKET, prefix: `iso${prefixes}/t2` });
  await a.write('_delta_log/0.json', enc('a'));
  await ab.write('_delta_log/0.json', enc('ab'));
  assert.equal((await a.list('')).map((f) => f.path), ['_delta_log/0.json']);
  assert.is(dec(await a.read('_delta_log/0.json')), 'a');
  assert.is(a.root, `s3://${BUCKET}/iso${prefixes}/t`);
});

test('multipart: a body above the threshold goes up in parts and reads back byte for byte; putIfAbsent stays conditional', async () => {
  const s = fresh({ multipartThreshold: 6 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
  const big = new Uint8Array(11 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i += 4096) new DataView(big.buffer).setUint32(i, i * 2654435761, true);
  const sha = (b: Uint8Array | null) => createHash('sha256').update(b ?? new Uint8Array()).digest('hex');
  await s.write('data/big.parquet', big);
  assert.is(sha(await s.read('data/big.parquet')), sha(big));
  assert.is((await s.head('data/big.parquet'))?.size, big.length);
  assert.is(sha(await s.readRange('data/big.parquet', 5 * 1024 * 1024 - 3, 5 * 1024 * 1024 + 5)), sha(big.subarray(5 * 1024 * 1024 - 3, 5 * 1024 * 1024 + 5)));
  // A conditional multipart create on an existing key loses, and the first body stays.
  const other = big.slice();
  other[0] ^= 0xff;
  assert.is(await s.putIfAbsent('data/big.parquet', other), false);
  assert.is(sha(await s.read('data/big.parquet')), sha(big));
  assert.is(await s.putIfAbsent('data/new.parquet', other), true);
  assert.is(sha(await s.read('data/new.parquet')), sha(other));
});

test('errors name the bucket and key: a missing bucket, bad paths', async () => {
  const s = new S3Storage({ bucket: 'no-such-bucket-here', prefix: 'tbl' });
  await rejects(() => s.read('_delta_log/_last_checkpoint'), /s3:\/\/no-such-bucket-here\/tbl\/_delta_log\/_last_checkpoint.*NoSuchBucket/);
  await rejects(() => s.write('x', enc('1')), /PutObject of s3:\/\/no-such-bucket-here\/tbl\/x failed: NoSuchBucket/);
  await rejects(() => s.list('_delta_log/'), /ListObjectsV2 of s3:\/\/no-such-bucket-here\/tbl\/_delta_log\/ failed/);
  await rejects(() => fresh().read('../escape'), /Invalid path '..\/escape' for S3 storage s3:\/\/tributary-interop/);
  await s.destroy();
});

// --- Delta tables on S3.

type Expected = Map<number, Row[]>;

/** Creates, appends, overwrites and replaceWhere-overwrites one table; returns every version's expected rows. */
async function scenario(location: Storage): Promise<Expected> {
  const write = (rows: Row[]) => specToArrow(allTypesFields, rows);
  const expected: Expected = new Map();
  const table = await DeltaTable.create(location, {
    schema: arrowSchemaOf(allTypesFields),
    partitionBy: ['part'],
    properties: { 'delta.checkpointInterval': '2' },
  });
  expected.set(table.version(), []);
  let current: Row[] = [];
  for (const batch of [[...allTypesRows(0, 7), nullRow(7, 'south')], allTypesRows(10, 9), allTypesRows(30, 5)]) {
    const r = await table.append(write(batch));
    assert.is(r.checkpointError, undefined);
    current = [...current, ...batch];
    expected.set(r.version, current);
  }
  const overwrite = allTypesRows(100, 12);
  let r = await table.overwrite(write(overwrite));
  current = overwrite;
  expected.set(r.version, current);
  const replacement = allTypesRows(200, 9).filter((row) => row.part === 'north');
  r = await table.overwrite(write(replacement), { replaceWhere: "part = 'north'" });
  current = [...current.filter((row) => row.part !== 'north'), ...replacement];
  expected.set(r.version, current);
  assert.equal([...expected.keys()], [0, 1, 2, 3, 4, 5], 'one version per operation');
  return expected;
}

async function tributaryRows(storage: Storage, version?: number): Promise<{ version: number; rows: Row[] }> {
  const table = await DeltaTable.open(storage, version === undefined ? {} : { version });
  return { version: table.version(), rows: sortRows(normaliseTable(await table.toArrow()).rows) };
}

test('DeltaTable on s3://: create, append, overwrite, replaceWhere, time travel read the same on S3, on local disk and in deltalake', async () => {
  const url = `s3://${BUCKET}/tables/all-types`;
  const onS3 = openStorage(url);
  const local = openStorage(join(scratch.dir, 'all-types'));
  assert.instance(onS3, S3Storage);
  const expectedS3 = await scenario(onS3);
  const expectedLocal = await scenario(local);
  assert.equal([...expectedS3.entries()], [...expectedLocal.entries()]);
  for (const [version, rows] of expectedS3) {
    const want = sortRows(rows);
    const s3 = await tributaryRows(onS3, version);
    assert.is(s3.version, version);
    assertSameRows(s3.rows, want, `tributary on S3 at v${version}`);
    assertSameRows((await tributaryRows(local, version)).rows, s3.rows, `tributary on local disk at v${version}`);
    const dl = await oracle.deltalakeRead(url, version);
    assert.is(dl.version, version);
    assertSameRows(dl.rows, want, `deltalake reading S3 at v${version}`);
  }
  // Partition directories (one with a non-ASCII value) are the same keys under the prefix as directories on disk.
  const partitionDirs = async (s: Storage) =>
    [...new Set((await s.list('')).map((f) => f.path).filter((p) => p.endsWith('.parquet') && !p.startsWith('_delta_log/')).map((p) => p.split('/')[0]))].sort();
  const dirs = await partitionDirs(onS3);
  assert.equal(dirs, await partitionDirs(local));
  assert.is(dirs.length, 3);
});

test('checkpoint on S3: written at the interval, named by _last_checkpoint, and enough to read the table without older commits', async () => {
  const url = `s3://${BUCKET}/tables/checkpointed`;
  const s = openStorage(url);
  const expected = await scenario(s);
  const log = (await s.list('_delta_log/')).map((f) => f.path);
  assert.ok(log.includes('_delta_log/00000000000000000002.checkpoint.parquet'), log.join(', '));
  assert.ok(log.includes('_delta_log/00000000000000000004.checkpoint.parquet'), log.join(', '));
  const last = JSON.parse(dec(await s.read('_delta_log/_last_checkpoint')) ?? '{}') as { version: number; size: number };
  assert.is(last.version, 4);
  // Without commits 0-4 only the checkpoint holds the table's state, so reading it proves it is used.
  for (let v = 0; v <= 4; v++) await s.delete(`_delta_log/${String(v).padStart(20, '0')}.json`);
  const want = sortRows(expected.get(5)!);
  const ours = await tributaryRows(s);
  assert.is(ours.version, 5);
  assertSameRows(ours.rows, want, 'tributary from the checkpoint');
  const dl = await oracle.deltalakeRead(url);
  assert.is(dl.version, 5);
  assertSameRows(dl.rows, want, 'deltalake from the checkpoint');
});

test('DeltaTable.create/open take s3:// strings (table.ts storageOf via openStorage)', async () => {
  // Runs in the scratch dir: if storageOf still maps every string to a local directory, the stray "s3:" folder lands there.
  const cwd = process.cwd();
  process.chdir(scratch.dir);
  try {
    const url = `s3://${BUCKET}/tables/by-url`;
    const t = await DeltaTable.create(url, { schema: new arrow.Schema([new arrow.Field('id', new arrow.Int64(), false)]) });
    await t.append(arrow.tableFromArrays({ id: BigInt64Array.from([1n, 2n]) }));
    assert.instance(t.storage, S3Storage, `DeltaTable.create('${url}') used ${t.storage.root}`);
    assert.is((await DeltaTable.open(url)).version(), 1);
    assert.is((await oracle.deltalakeRead(url)).rows.length, 2);
  } finally {
    process.chdir(cwd);
  }
});

test('VACUUM on S3 deletes 1,100 replaced files in two DeleteObjects requests; deltalake reads the same rows after', async () => {
  const deletes: number[] = [];
  const client = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = (args as { input: { Delete?: { Objects?: unknown[] } } }).input;
      if (context.commandName === 'DeleteObjectsCommand') deletes.push(input.Delete?.Objects?.length ?? 0);
      return next(args);
    },
    { step: 'initialize', name: 'countDeletes' },
  );
  const storage = new S3Storage({ bucket: BUCKET, prefix: 'tables/vacuumed', client });
  try {
    const table = await DeltaTable.create(storage, { schema: new arrow.Schema([new arrow.Field('id', new arrow.Int64(), false)]) });
    const ids = (from: number, n: number) => arrow.tableFromArrays({ id: BigInt64Array.from({ length: n }, (_, i) => BigInt(from + i)) });
    // A target size of a few rows' bytes cuts one append into many small files.
    const cut = await table.append(ids(0, 1100), { targetFileSize: 8 });
    assert.is(cut.addedFiles.length, 1100);
    await table.overwrite(ids(5000, 3));
    const r = await vacuum(storage, { retentionHours: 0, enforceRetention: false });
    assert.is(r.numDeletedFiles, 1100);
    assert.equal(deletes, [1000, 100], 'DeleteObjects requests and their sizes');
    const left = (await storage.list('')).filter((f) => !f.path.startsWith('_delta_log/'));
    assert.is(left.length, 1, left.map((f) => f.path).join(', '));
    const want = sortRows(['5000', '5001', '5002'].map((id) => ({ id })));
    assertSameRows((await tributaryRows(storage)).rows, want, 'tributary after VACUUM');
    assertSameRows((await oracle.deltalakeRead(`s3://${BUCKET}/tables/vacuumed`)).rows, want, 'deltalake after VACUUM');
    const history = (await table.refresh()).history();
    assert.equal((await history).slice(0, 2).map((h) => h.operation), ['VACUUM END', 'VACUUM START']);
  } finally {
    client.destroy();
  }
});

// --- Optimistic concurrency on S3: many writers, one table.

const WRITER_SCRIPT = fileURLToPath(new URL('./s3-writer.ts', import.meta.url));

/** A writer process, held at the start line until `go()`. */
function writerProcess(url: string, writer: number, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER_SCRIPT, url, String(writer), String(count)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<number[]>((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`writer process ${writer} failed (exit ${code}): ${err}`));
      resolve(JSON.parse(out.slice('ready\n'.length)) as number[]);
    }),
  );
  // A child that dies before "ready" must not hang the test.
  const readyOrDied = Promise.race([ready, done.then(() => undefined)]);
  return { ready: readyOrDied, done, go: () => child.stdin.end('go\n') };
}

test('8 concurrent writers (separate handles and clients) plus 2 writer processes: every commit lands once, versions contiguous, no lost rows', async () => {
  const url = `s3://${BUCKET}/tables/race`;
  const schema = new arrow.Schema([new arrow.Field('id', new arrow.Int64(), false), new arrow.Field('writer', new arrow.Int32(), false)]);
  await DeltaTable.create(openStorage(url), { schema });
  const PER_WRITER = 3;
  const procs = [100, 101].map((w) => writerProcess(url, w, PER_WRITER));
  await Promise.all(procs.map((p) => p.ready));
  // Each in-process writer has its own storage, client and snapshot, like separate machines.
  const handles = await Promise.all(Array.from({ length: 8 }, () => DeltaTable.open(openStorage(url))));
  procs.forEach((p) => p.go());
  const inProcess = handles.map(async (table, w) => {
    const versions: number[] = [];
    for (let i = 0; i < PER_WRITER; i++) {
      const r = await table.append(arrow.tableFromArrays({ id: BigInt64Array.from([BigInt(w * 1000 + i)]), writer: Int32Array.from([w]) }));
      assert.is(r.checkpointError, undefined);
      versions.push(r.version);
    }
    return versions;
  });
  const all = await Promise.all([...inProcess, ...procs.map((p) => p.done)]);
  const writers = [...handles.keys(), 100, 101];
  const total = writers.length * PER_WRITER;

  // Every append got its own version, and together they are exactly 1..total.
  assert.equal(all.flat().sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i + 1));
  for (const versions of all) assert.equal(versions, [...versions].sort((a, b) => a - b), 'a writer\'s versions increase');

  // The log holds exactly one commit per version, each with exactly one file.
  const s = openStorage(url);
  const commits = (await s.list('_delta_log/')).map((f) => f.path).filter((p) => /\/\d{20}\.json$/.test(p));
  assert.equal(commits, Array.from({ length: total + 1 }, (_, v) => `_delta_log/${String(v).padStart(20, '0')}.json`));
  for (let v = 1; v <= total; v++) {
    const lines = (dec(await s.read(commits[v])) ?? '').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.is(lines.filter((a) => 'add' in a).length, 1, `adds in commit ${v}`);
    assert.is(lines.filter((a) => 'commitInfo' in a).length, 1, `commitInfo in commit ${v}`);
  }

  // Checkpoints were written at every interval (default 10) despite the race.
  for (let v = 10; v <= total; v += 10) assert.ok(await s.head(`_delta_log/${String(v).padStart(20, '0')}.checkpoint.parquet`), `checkpoint ${v}`);

  // Every row exactly once: the ids each writer appended, read by Tributary and by deltalake.
  const want = sortRows(writers.flatMap((w) => Array.from({ length: PER_WRITER }, (_, i) => ({ id: String(w * 1000 + i), writer: w }))));
  const ours = await tributaryRows(s);
  assert.is(ours.version, total);
  assertSameRows(ours.rows, want, 'tributary rows after the race');
  const dl = await oracle.deltalakeRead(url);
  assert.is(dl.version, total);
  assertSameRows(dl.rows, want, 'deltalake rows after the race');
});

test.run();
