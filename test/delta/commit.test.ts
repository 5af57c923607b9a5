// Commit files and the optimistic commit loop: layout of a commit, the
// single-commit rules, retries after lost races, and bounded attempts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Action } from '../../src/delta/actions.ts';
import { commitWithRetry, serializeCommit, validateCommitActions } from '../../src/delta/commit.ts';
import { parseActions } from '../../src/delta/commit-reader.ts';
import type { CurrentTransactionInfo } from '../../src/delta/conflict-checker.ts';
import { commitPath } from '../../src/delta/log-path.ts';
import { MemoryStorage } from '../../src/delta/storage/memory-storage.ts';

const blind: CurrentTransactionInfo = {
  readPredicates: [],
  readFiles: new Set(),
  readWholeTable: false,
  readAppIds: new Set(),
  actions: [],
  isBlindAppend: true,
  partitionColumns: [],
};
const add = (path: string): Action => ({ add: { path, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true } });
const protocol = { minReaderVersion: 1, minWriterVersion: 2 };

test('a commit file is newline-delimited JSON with commitInfo first, readable by the log reader', () => {
  const bytes = serializeCommit([add('a'), { commitInfo: { operation: 'WRITE' } }, { txn: { appId: 'x', version: 1 } }]);
  const text = new TextDecoder().decode(bytes);
  assert.ok(text.endsWith('\n'));
  const lines = text.trim().split('\n');
  assert.is(lines.length, 3);
  assert.ok(lines[0].startsWith('{"commitInfo":'));
  assert.equal(parseActions(bytes, 'test').map((a) => Object.keys(a)[0]), ['commitInfo', 'add', 'txn']);
});

test('commit files read the same whether ASCII or UTF-8, small or over 1 MB', () => {
  for (const name of ['plain', 'größe=€/日本', 'a\u0000b']) {
    for (const count of [1, 12_000]) {
      const actions = Array.from({ length: count }, (_, i) => add(`${name}/part-${i}.parquet`));
      const bytes = serializeCommit([...actions, { commitInfo: { operation: 'WRITE', note: name } }]);
      if (count > 1) assert.ok(bytes.length > 1 << 20, `${bytes.length} bytes`);
      const back = parseActions(bytes, 'test');
      assert.is(back.length, count + 1);
      assert.is((back[0] as { commitInfo: { note: string } }).commitInfo.note, name);
      assert.is((back[count] as { add: { path: string } }).add.path, `${name}/part-${count - 1}.parquet`);
    }
  }
  // A byte-order mark is not part of the first action.
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"txn":{"appId":"é","version":1}}\n')]);
  assert.equal(parseActions(bom, 'bom'), [{ txn: { appId: 'é', version: 1 } }]);
});

test('single-commit rules: one metaData, one protocol, one txn per app, one action per file', () => {
  const md = { metaData: { id: 'x', format: { provider: 'parquet', options: {} }, schemaString: '{}', partitionColumns: [], configuration: {} } };
  assert.throws(() => validateCommitActions([md, md], '/t'), /more than one metaData/);
  assert.throws(() => validateCommitActions([{ protocol }, { protocol }], '/t'), /more than one protocol/);
  assert.throws(() => validateCommitActions([{ txn: { appId: 'a', version: 1 } }, { txn: { appId: 'a', version: 2 } }], '/t'), /two txn actions for appId 'a'/);
  assert.throws(() => validateCommitActions([add('f'), { remove: { path: 'f', dataChange: true } }], '/t'), /file 'f' twice/);
  validateCommitActions([md, { protocol }, add('f'), add('g'), { txn: { appId: 'a', version: 1 } }], '/t');
});

test('a lost race is checked and retried at the next free version, recording the version read', async () => {
  const storage = new MemoryStorage();
  await storage.putIfAbsent(commitPath(0), serializeCommit([{ commitInfo: {} }, { protocol }]));
  // Two other writers took versions 1 and 2 after we read version 0.
  for (const v of [1, 2]) await storage.putIfAbsent(commitPath(v), serializeCommit([{ commitInfo: { isBlindAppend: true } }, add(`w${v}`)]));
  let clock = 1000;
  const r = await commitWithRetry({
    storage,
    readVersion: 0,
    actions: [add('mine')],
    commitInfo: { operation: 'WRITE' },
    current: blind,
    conflict: { isolationLevel: 'WriteSerializable', readProtocol: protocol },
    now: () => clock++,
  });
  assert.is(r.status, 'committed');
  assert.is((r as { version: number }).version, 3);
  assert.is(r.attempts, 3);
  const [info] = parseActions((await storage.read(commitPath(3)))!, 'v3');
  assert.equal(info, { commitInfo: { timestamp: 1002, operation: 'WRITE', readVersion: 0 } });
});

test('attempts are bounded', async () => {
  // A storage where someone else always wins: every put finds the version taken.
  class AlwaysTaken extends MemoryStorage {
    override async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
      await super.putIfAbsent(path, serializeCommit([{ commitInfo: { isBlindAppend: true } }, add(path)]));
      return false;
    }
  }
  const storage = new AlwaysTaken();
  try {
    await commitWithRetry({
      storage,
      readVersion: 0,
      actions: [add('mine')],
      commitInfo: {},
      current: blind,
      conflict: { isolationLevel: 'WriteSerializable', readProtocol: protocol },
      maxAttempts: 4,
    });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /after 4 attempts/);
  }
  assert.equal((await storage.list('_delta_log/')).length, 4, 'only the other writers committed');
});

test.run();
