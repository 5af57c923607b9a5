// Which protocol versions and table features Tributary can read (and which
// writer features exist), per PROTOCOL.md "Table Features". A reader must
// refuse a table whose reader requirements it does not implement; silently
// ignoring e.g. deletion vectors would return deleted rows.

import type { Metadata, Protocol } from './actions.ts';
import { UnsupportedFeatureError } from './errors.ts';
import { containsVariant, parseSchema } from './schema.ts';

/** Highest `minReaderVersion` understood (3 = reader table features). */
export const MAX_READER_VERSION = 3;
/** Highest `minWriterVersion` understood (7 = writer table features). */
export const MAX_WRITER_VERSION = 7;

/** Reader features whose read semantics Tributary implements. */
export const SUPPORTED_READER_FEATURES: ReadonlySet<string> = new Set([
  'columnMapping',
  'deletionVectors',
  'timestampNtz',
  'typeWidening',
  'typeWidening-preview',
  'v2Checkpoint',
  'vacuumProtocolCheck',
]);

/** Reader features known to the protocol but refused, with the reason given to users. */
const REFUSED_READER_FEATURES: Record<string, string> = {
  variantType: 'variant columns are not supported',
  'variantType-preview': 'variant columns are not supported',
  'variantShredding-preview': 'shredded variant columns are not supported',
  variantShredding: 'shredded variant columns are not supported',
  catalogManaged: 'catalog-managed tables need a catalog to resolve staged commits',
  'catalogOwned-preview': 'catalog-managed tables need a catalog to resolve staged commits',
};

/** Writer features defined by the protocol (writers decide which they honour). */
export const KNOWN_WRITER_FEATURES: ReadonlySet<string> = new Set([
  'appendOnly', 'invariants', 'checkConstraints', 'changeDataFeed', 'generatedColumns', 'columnMapping',
  'identityColumns', 'deletionVectors', 'rowTracking', 'timestampNtz', 'domainMetadata', 'v2Checkpoint',
  'icebergCompatV1', 'icebergCompatV2', 'clustering', 'inCommitTimestamp', 'vacuumProtocolCheck',
  'typeWidening', 'typeWidening-preview', 'variantType', 'variantType-preview', 'allowColumnDefaults',
  'checkpointProtection', 'collations-preview', 'liquid',
]);

/**
 * Throws {@link UnsupportedFeatureError} unless Tributary can read a table
 * with this protocol and metadata. `table` names the table in the message.
 *
 * @example
 * assertReadable({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['variantType'] }, md, '/t')
 * // throws: Cannot read Delta table /t: it requires reader feature 'variantType' (variant columns are not supported)
 */
export function assertReadable(protocol: Protocol, metadata: Metadata | undefined, table: string): void {
  const v = protocol.minReaderVersion;
  if (!Number.isInteger(v) || v < 1 || v > MAX_READER_VERSION) {
    throw new UnsupportedFeatureError(
      `Cannot read Delta table ${table}: it requires reader version ${v}, Tributary supports up to ${MAX_READER_VERSION}`,
      `readerVersion:${v}`,
    );
  }
  if (v === 3) {
    for (const f of protocol.readerFeatures ?? []) {
      if (SUPPORTED_READER_FEATURES.has(f)) continue;
      const why = REFUSED_READER_FEATURES[f] ?? 'unknown to Tributary';
      throw new UnsupportedFeatureError(`Cannot read Delta table ${table}: it requires reader feature '${f}' (${why})`, f);
    }
  }
  // A schema may use variant under a writer-only protocol in preview builds; refuse it just as clearly.
  if (metadata && containsVariant(parseSchema(metadata.schemaString))) {
    throw new UnsupportedFeatureError(
      `Cannot read Delta table ${table}: its schema has variant columns, which Tributary does not support`,
      'variantType',
    );
  }
}

/** Writer features of `protocol` that are not in `supported` (empty when writable). */
export function unsupportedWriterFeatures(protocol: Protocol, supported: ReadonlySet<string>): string[] {
  if (protocol.minWriterVersion < 7) return [];
  return (protocol.writerFeatures ?? []).filter((f) => !supported.has(f));
}

/** True when the protocol enables `feature` (explicitly at 3/7, or implied by legacy versions). */
export function hasFeature(protocol: Protocol, feature: string): boolean {
  if (protocol.readerFeatures?.includes(feature) || protocol.writerFeatures?.includes(feature)) return true;
  if (protocol.minWriterVersion >= 7) return false;
  // Legacy protocol versions imply sets of features (PROTOCOL.md "Table Features for legacy versions").
  const w = protocol.minWriterVersion;
  switch (feature) {
    case 'appendOnly':
    case 'invariants':
      return w >= 2;
    case 'checkConstraints':
      return w >= 3;
    case 'changeDataFeed':
    case 'generatedColumns':
      return w >= 4;
    case 'columnMapping':
      return w >= 5 && protocol.minReaderVersion >= 2;
    case 'identityColumns':
      return w >= 6;
    default:
      return false;
  }
}
