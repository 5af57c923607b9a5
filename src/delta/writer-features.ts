// The writer's side of PROTOCOL.md "Table Features": which features a table
// needs for its metadata (so new tables get the lowest protocol that works,
// reader 1 / writer 2, and move to writer 7 with explicit features only when
// one requires it), and which tables Tributary must refuse to write because
// it cannot honour a feature they use.

import type { Metadata, Protocol } from './actions.ts';
import { UnsupportedFeatureError } from './errors.ts';
import { parseSchema, type DeltaType, type StructType } from './schema.ts';

/** Writer features whose write-side rules Tributary implements. */
export const SUPPORTED_WRITER_FEATURES: ReadonlySet<string> = new Set([
  'appendOnly',
  'invariants',
  'checkConstraints',
  'changeDataFeed',
  'timestampNtz',
  'deletionVectors',
  'domainMetadata',
  'vacuumProtocolCheck',
  'v2Checkpoint',
]);

/** Features that readers must understand too (listed in readerFeatures as well). */
const READER_WRITER_FEATURES: ReadonlySet<string> = new Set([
  'columnMapping', 'deletionVectors', 'timestampNtz', 'v2Checkpoint', 'vacuumProtocolCheck', 'typeWidening',
  'typeWidening-preview', 'variantType', 'variantType-preview', 'catalogManaged', 'catalogOwned-preview',
  'variantShredding', 'variantShredding-preview',
]);

/** Features implied by legacy writer versions 2..6, in version order. */
const LEGACY_WRITER: readonly [number, string][] = [
  [2, 'appendOnly'], [2, 'invariants'], [3, 'checkConstraints'], [4, 'changeDataFeed'],
  [4, 'generatedColumns'], [5, 'columnMapping'], [6, 'identityColumns'],
];

/** Features a protocol enables: the explicit lists at reader 3 / writer 7, else those its legacy versions imply. */
export function protocolFeatures(p: Protocol): Set<string> {
  const out = new Set<string>();
  if (p.minWriterVersion >= 7) for (const f of p.writerFeatures ?? []) out.add(f);
  else for (const [v, f] of LEGACY_WRITER) if (p.minWriterVersion >= v) out.add(f);
  if (p.minReaderVersion >= 3) for (const f of p.readerFeatures ?? []) out.add(f);
  else if (p.minReaderVersion >= 2 && p.minWriterVersion >= 5) out.add('columnMapping');
  return out;
}

/**
 * The features a table's metadata makes necessary: table properties
 * (`delta.enableChangeDataFeed`, `delta.constraints.*`, `delta.enableDeletionVectors`,
 * `delta.feature.<name>=supported`) and the schema (timestamp_ntz columns, invariants).
 */
export function requiredFeatures(metadata: Metadata): Set<string> {
  const conf = metadata.configuration;
  const out = new Set<string>();
  if (conf['delta.appendOnly'] === 'true') out.add('appendOnly');
  if (conf['delta.enableChangeDataFeed'] === 'true') out.add('changeDataFeed');
  if (conf['delta.enableDeletionVectors'] === 'true') out.add('deletionVectors');
  for (const [k, v] of Object.entries(conf)) {
    if (k.startsWith('delta.constraints.')) out.add('checkConstraints');
    if (k.startsWith('delta.feature.') && (v === 'supported' || v === 'enabled')) out.add(k.slice('delta.feature.'.length));
  }
  const schema = parseSchema(metadata.schemaString);
  if (someType(schema, (t) => t === 'timestamp_ntz')) out.add('timestampNtz');
  if (someField(schema, (md) => 'delta.invariants' in md)) out.add('invariants');
  return out;
}

/**
 * The protocol a table with `metadata` needs, starting from `base` (an
 * existing table's protocol; never downgraded). Stays on reader 1 / writer 2
 * when only appendOnly/invariants are needed; otherwise writer 7 listing
 * every feature (appendOnly and invariants always, plus those the old legacy
 * versions implied), and reader 3 when a reader feature is among them.
 *
 * @example
 * requiredProtocol(md)  // { minReaderVersion: 1, minWriterVersion: 2 }
 * requiredProtocol(mdWithNtzColumn)
 * // { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['appendOnly', 'invariants', 'timestampNtz'] }
 */
export function requiredProtocol(metadata: Metadata, base?: Protocol): Protocol {
  const start: Protocol = base ?? { minReaderVersion: 1, minWriterVersion: 2 };
  const have = protocolFeatures(start);
  const missing = [...requiredFeatures(metadata)].filter((f) => !have.has(f));
  if (missing.length === 0) {
    if (start.minWriterVersion >= 2) return start;
    return { ...start, minWriterVersion: 2 };
  }
  const writer = new Set<string>(['appendOnly', 'invariants', ...have, ...missing]);
  const readerNeeded = [...writer].filter((f) => READER_WRITER_FEATURES.has(f));
  const out: Protocol = { minReaderVersion: start.minReaderVersion, minWriterVersion: 7, writerFeatures: [...writer] };
  if (readerNeeded.length > 0 || start.minReaderVersion >= 3) {
    out.minReaderVersion = 3;
    out.readerFeatures = [...new Set([...(start.readerFeatures ?? []), ...readerNeeded])];
  }
  return out;
}

/** Why a protocol/metadata pair cannot be written by Tributary. */
export interface WriteBlocker {
  feature: string;
  reason: string;
  toError(table: string): UnsupportedFeatureError;
}

/**
 * The first reason Tributary cannot write a table with this protocol and
 * metadata, or null. Unknown or unimplemented writer features block writes
 * (ignoring one could corrupt the table for engines that honour it).
 */
export function writeBlocker(protocol: Protocol, metadata: Metadata | undefined): WriteBlocker | null {
  const block = (feature: string, reason: string): WriteBlocker => ({
    feature,
    reason,
    toError: (table) => new UnsupportedFeatureError(`Cannot write to Delta table ${table}: ${reason}`, feature),
  });
  if (protocol.minWriterVersion > 7) {
    return block(`writerVersion:${protocol.minWriterVersion}`, `it requires writer version ${protocol.minWriterVersion}; Tributary supports up to 7`);
  }
  if (protocol.minWriterVersion === 7) {
    for (const f of protocol.writerFeatures ?? []) {
      if (!SUPPORTED_WRITER_FEATURES.has(f)) return block(f, `it uses writer feature '${f}', which Tributary cannot honour when writing`);
    }
  }
  if (!metadata) return null;
  const features = protocolFeatures(protocol);
  const schema = parseSchema(metadata.schemaString);
  if (features.has('generatedColumns') && someField(schema, (md) => 'delta.generationExpression' in md)) {
    return block('generatedColumns', 'it has generated columns, which Tributary cannot compute when writing');
  }
  if (features.has('identityColumns') && someField(schema, (md) => Object.keys(md).some((k) => k.startsWith('delta.identity.')))) {
    return block('identityColumns', 'it has identity columns, which Tributary cannot generate when writing');
  }
  const mapping = metadata.configuration['delta.columnMapping.mode'];
  if (mapping !== undefined && mapping !== 'none') {
    return block('columnMapping', `it uses column mapping (mode '${mapping}'), which Tributary does not write`);
  }
  return null;
}

/** Throws {@link UnsupportedFeatureError} when Tributary cannot write the table. */
export function assertWritable(protocol: Protocol, metadata: Metadata | undefined, table: string): void {
  const b = writeBlocker(protocol, metadata);
  if (b) throw b.toError(table);
}

function someType(type: DeltaType, pred: (t: DeltaType) => boolean): boolean {
  if (pred(type)) return true;
  if (typeof type === 'string') return false;
  switch (type.type) {
    case 'struct':
      return type.fields.some((f) => someType(f.type, pred));
    case 'array':
      return someType(type.elementType, pred);
    case 'map':
      return someType(type.keyType, pred) || someType(type.valueType, pred);
  }
}

function someField(schema: StructType, pred: (metadata: Record<string, unknown>) => boolean): boolean {
  const visit = (t: DeltaType): boolean => {
    if (typeof t === 'string') return false;
    if (t.type === 'struct') return t.fields.some((f) => pred(f.metadata ?? {}) || visit(f.type));
    if (t.type === 'array') return visit(t.elementType);
    return visit(t.keyType) || visit(t.valueType);
  };
  return visit(schema);
}
