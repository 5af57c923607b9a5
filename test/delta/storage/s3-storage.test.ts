// S3Storage and openStorage without an S3 server: location parsing, path and
// bucket validation, and errors when the endpoint is unreachable. The storage
// contract against a real S3-compatible server is in test/interop/s3.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalStorage, MemoryStorage, S3Storage, openStorage } from '../../../src/delta/storage/index.ts';
import { enc, rejects } from '../helpers.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

test('openStorage: s3:// and s3a:// URLs become S3Storage with bucket and prefix', () => {
  const s = openStorage('s3://lake/warehouse/orders/');
  assert.instance(s, S3Storage);
  const s3 = s as S3Storage;
  assert.is(s3.bucket, 'lake');
  assert.is(s3.keyPrefix, 'warehouse/orders/');
  assert.is(s3.root, 's3://lake/warehouse/orders');
  const bare = openStorage('s3a://lake') as S3Storage;
  assert.instance(bare, S3Storage);
  assert.is(bare.keyPrefix, '');
  assert.is(bare.root, 's3://lake');
});

test('openStorage: plain paths and file:// URLs become LocalStorage; a Storage passes through', () => {
  const dir = join(tmpdir(), 'tributary-open-storage', 'orders');
  const local = openStorage(dir);
  assert.instance(local, LocalStorage);
  assert.is(local.root, resolve(dir));
  assert.is(openStorage('relative/dir').root, resolve('relative/dir'));
  const fromUrl = openStorage(pathToFileURL(dir).href);
  assert.instance(fromUrl, LocalStorage);
  assert.is(fromUrl.root, resolve(dir));
  assert.is(openStorage(pathToFileURL(dir)).root, resolve(dir));
  const mem = new MemoryStorage();
  assert.is(openStorage(mem), mem);
});

test('openStorage: unsupported schemes, a missing bucket and queries are refused by name', () => {
  assert.throws(() => openStorage('gs://bucket/t'), /Unsupported table location 'gs:\/\/bucket\/t': scheme 'gs:\/\/'/);
  assert.throws(() => openStorage('s3:///t'), /No bucket in S3 location 's3:\/\/\/t'/);
  assert.throws(() => openStorage('s3://b1x/t?versionId=1'), /query or fragment/);
  assert.throws(() => openStorage(''), /Empty table location/);
  assert.throws(() => openStorage('s3://bad bucket/t'), /Invalid S3 bucket name 'bad bucket'/);
});

test('S3Storage: paths that would leave the prefix are refused before any request', async () => {
  // No client is ever created: validation runs first, so no endpoint or credentials are needed.
  const s = new S3Storage({ bucket: 'lake', prefix: 'orders' });
  for (const bad of ['../x', 'a/../../x', '/abs', '', './x']) {
    await rejects(() => s.read(bad), /Invalid path .* for S3 storage s3:\/\/lake\/orders/);
    await rejects(() => s.putIfAbsent(bad, enc('x')), /Invalid path/);
  }
});

test('S3Storage: an unreachable endpoint fails with an error naming the bucket and key', async () => {
  // A port that was free a moment ago: nothing listens there.
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  const s = new S3Storage({
    bucket: 'lake',
    prefix: 'orders',
    client: { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'k', secretAccessKey: 's' } },
  });
  await rejects(() => s.read('_delta_log/_last_checkpoint'), /S3 GetObject of s3:\/\/lake\/orders\/_delta_log\/_last_checkpoint failed: .*ECONNREFUSED/);
  await rejects(() => s.putIfAbsent('_delta_log/00000000000000000000.json', enc('{}')), /S3 PutObject of s3:\/\/lake\/orders\/_delta_log\/00000000000000000000.json failed/);
  await rejects(() => s.listFrom('_delta_log', '0'), /S3 ListObjectsV2 of s3:\/\/lake\/orders\/_delta_log\/ failed/);
  await s.destroy();
});

test('S3Storage: without @aws-sdk/client-s3 installed, the first call says which package to install', async () => {
  // A child process whose module resolution cannot find the SDK, as in a project that never installed it.
  const hooks = `export async function resolve(spec, ctx, next) {
    if (spec === '@aws-sdk/client-s3') { const e = new Error("Cannot find package '@aws-sdk/client-s3'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; }
    return next(spec, ctx);
  }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(hooks))});`;
  const storageUrl = new URL('../../../src/delta/storage/s3-storage.ts', import.meta.url).href;
  const script = `const { S3Storage } = await import(${JSON.stringify(storageUrl)});
    try { await new S3Storage({ bucket: 'lake', prefix: 'orders' }).read('_delta_log/_last_checkpoint'); console.log('no error'); }
    catch (e) { console.log(e.message); }`;
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import', 'tsx', '--import', 'data:text/javascript,' + encodeURIComponent(register), '--input-type=module', '-e', script,
  ]);
  assert.match(stdout, /S3 storage \(s3:\/\/lake\/orders\) needs the optional package @aws-sdk\/client-s3, which is not installed: run `npm install @aws-sdk\/client-s3`/);
});

test.run();
