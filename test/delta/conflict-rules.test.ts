// Delta's conflict rules, one winning commit at a time (the pure checker).
// The racing-writer tests against real tables live in conflict.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Action, Add } from '../../src/delta/actions.ts';
import {
  checkConflict,
  ConcurrentAppendError,
  ConcurrentDeleteDeleteError,
  ConcurrentDeleteReadError,
  ConcurrentTransactionError,
  MetadataChangedError,
  ProtocolChangedError,
  type ConflictCheckOptions,
  type CurrentTransactionInfo,
  type ReadPredicate,
} from '../../src/delta/conflict-checker.ts';

const add = (path: string, country: string | null, dataChange = true): Add => ({
  path,
  partitionValues: { country },
  size: 10,
  modificationTime: 0,
  dataChange,
});
const commit = (isBlindAppend: boolean, ...rest: Action[]): Action[] => [{ commitInfo: { operation: 'WRITE', isBlindAppend } }, ...rest];
const countryIs = (c: string): ReadPredicate => ({ text: `country = '${c}'`, matches: (pv) => pv.country === c });

const opts: ConflictCheckOptions = {
  isolationLevel: 'WriteSerializable',
  table: '/t',
  readProtocol: { minReaderVersion: 1, minWriterVersion: 2 },
};
const txn = (over: Partial<CurrentTransactionInfo>): CurrentTransactionInfo => ({
  readPredicates: [],
  readFiles: new Set(),
  readWholeTable: false,
  readAppIds: new Set(),
  actions: [],
  isBlindAppend: false,
  partitionColumns: ['country'],
  ...over,
});

test('blind appends never conflict with each other', () => {
  const me = txn({ isBlindAppend: true, actions: [{ add: add('b', 'US') }] });
  assert.is(checkConflict(me, { version: 3, actions: commit(true, { add: add('a', 'US') }) }, opts), null);
});

test('added files in a partition the transaction read → ConcurrentAppendError; elsewhere → none', () => {
  const me = txn({ readPredicates: [countryIs('US')], actions: [{ remove: { path: 'old', dataChange: true } }] });
  const winnerUS = { version: 5, actions: commit(false, { add: add('a', 'US') }) };
  const err = checkConflict(me, winnerUS, opts);
  assert.instance(err, ConcurrentAppendError);
  assert.match(err!.message, /partition \[country=US\]/);
  assert.match(err!.message, /version 5, operation WRITE/);
  assert.is(err!.winningVersion, 5);
  assert.is(checkConflict(me, { version: 5, actions: commit(false, { add: add('a', 'FR') }) }, opts), null);
});

test('WriteSerializable exempts concurrent blind appends unless this transaction changes metadata; Serializable does not', () => {
  const overwrite = txn({ readWholeTable: true, actions: [{ remove: { path: 'old', dataChange: true } }] });
  const blind = { version: 2, actions: commit(true, { add: add('a', 'US') }) };
  assert.is(checkConflict(overwrite, blind, opts), null);
  assert.instance(checkConflict(overwrite, blind, { ...opts, isolationLevel: 'Serializable' }), ConcurrentAppendError);
  const withSchemaChange = txn({ readWholeTable: true, actions: [{ metaData: {} as never }, { remove: { path: 'old', dataChange: true } }] });
  assert.instance(checkConflict(withSchemaChange, blind, opts), ConcurrentAppendError);
  // A rewrite without data change (OPTIMIZE-like) is not a blind append, so it conflicts too, as in Delta.
  assert.instance(checkConflict(overwrite, { version: 2, actions: commit(false, { add: add('c', 'US', false) }) }, opts), ConcurrentAppendError);
  assert.is(checkConflict(overwrite, blind, { ...opts, isolationLevel: 'SnapshotIsolation' }), null);
});

test('removal of a file the transaction read → ConcurrentDeleteReadError; of any file after reading all → same', () => {
  const reader = txn({ readFiles: new Set(['f1']), readPredicates: [countryIs('FR')] });
  const removesF1 = { version: 9, actions: commit(false, { remove: { path: 'f1', dataChange: true, partitionValues: { country: 'FR' } } }) };
  const e = checkConflict(reader, removesF1, opts);
  assert.instance(e, ConcurrentDeleteReadError);
  assert.match(e!.message, /f1/);
  const removesF2 = { version: 9, actions: commit(false, { remove: { path: 'f2', dataChange: true } }) };
  assert.is(checkConflict(reader, removesF2, opts), null);
  assert.instance(checkConflict(txn({ readWholeTable: true }), removesF2, opts), ConcurrentDeleteReadError);
});

test('removing the same file twice → ConcurrentDeleteDeleteError', () => {
  const me = txn({ actions: [{ remove: { path: 'f1', dataChange: true } }] });
  const winner = { version: 4, actions: commit(false, { remove: { path: 'f1', dataChange: true } }) };
  assert.instance(checkConflict(me, winner, opts), ConcurrentDeleteDeleteError);
});

test('metadata and protocol changes by the winner conflict', () => {
  const me = txn({ isBlindAppend: true, actions: [{ add: add('x', 'US') }] });
  const md = { version: 1, actions: commit(false, { metaData: {} as never }) };
  assert.instance(checkConflict(me, md, opts), MetadataChangedError);
  // A protocol upgrade adding a feature (e.g. CHECK constraints) fails concurrent writers.
  const proto = { version: 1, actions: commit(false, { protocol: { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['appendOnly', 'invariants', 'checkConstraints'] } }) };
  assert.instance(checkConflict(me, proto, opts), ProtocolChangedError);
  // Re-stating the same features in table-features form adds nothing.
  const same = { version: 1, actions: commit(false, { protocol: { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['appendOnly', 'invariants'] } }) };
  assert.is(checkConflict(me, same, opts), null);
  // Two creators of the same table: the loser read no protocol.
  const create = { version: 0, actions: commit(true, { protocol: { minReaderVersion: 1, minWriterVersion: 2 } }) };
  const e = checkConflict(txn({ actions: [{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }] }), create, { ...opts, readProtocol: null });
  assert.instance(e, ProtocolChangedError);
  assert.match(e!.message, /same empty location/);
});

test('idempotent writers of the same application conflict', () => {
  const me = txn({ isBlindAppend: true, readAppIds: new Set(['app-1']), actions: [{ txn: { appId: 'app-1', version: 8 } }] });
  const winner = { version: 6, actions: commit(true, { txn: { appId: 'app-1', version: 8 } }) };
  const e = checkConflict(me, winner, opts);
  assert.instance(e, ConcurrentTransactionError);
  assert.match(e!.message, /app-1/);
  const other = { version: 6, actions: commit(true, { txn: { appId: 'app-2', version: 1 } }) };
  assert.is(checkConflict(me, other, opts), null);
});

test.run();
