// Where an APPLY CHANGES flow's hidden state is recorded: files under
// `<table>/_tributary/cdc/<appId>/` (Delta readers only read files the log
// references, and VACUUM leaves `_`-prefixed directories alone), listed by a
// domain-metadata record `tributary.cdc.<appId>` that is committed in the
// same Delta commit as the target rows it belongs to. So state and data
// move together atomically; state files of a failed commit are orphans that
// the next successful commit deletes.
import type { DomainMetadata } from '../../delta/actions.ts';
import type { Snapshot } from '../../delta/snapshot.ts';

/** The state record of one flow, as committed with the target. */
export interface CdcPointer {
  appId: string;
  /** The micro-batch whose commit wrote this record. */
  batchId: number;
  scdType: 1 | 2;
  keys: string[];
  sequenceBy: string[];
  /** State files, relative to the table root, oldest first (later files override earlier ones per key). */
  files: string[];
  /**
   * SCD1: where live keys' last sequence values are read — 'target' (the
   * sequence columns are target columns; state files then hold tombstones
   * only) or 'state' (state files hold every key).
   */
  sequenceIn?: 'target' | 'state';
  /** The greatest TRUNCATE sequence value applied (encoded), if any. */
  watermark?: unknown;
  /**
   * SCD1: no key's state — a state entry, or a target row's sequence — is
   * newer than this sequence value (encoded). Known only for flows that have
   * written every row of their target (absent for a flow adopted over
   * existing rows; null while the flow has written nothing); a batch whose
   * events are all newer needs no key state.
   */
  newest?: unknown;
  /** Snapshot flows: the last processed snapshot version (encoded). */
  snapshotVersion?: unknown;
}

/** State files a flow accumulates before they are compacted into one. */
export const COMPACT_AFTER = 16;

/** The domain name holding the state record of `appId`. */
export function cdcDomain(appId: string): string {
  return `tributary.cdc.${appId}`;
}

/** The directory (relative to the table root) of `appId`'s state files. */
export function stateDirectory(appId: string): string {
  return `_tributary/cdc/${encodeURIComponent(appId)}/`;
}

/** The state record of `appId` in `snapshot`, if any. */
export function readPointer(snapshot: Snapshot, appId: string): CdcPointer | undefined {
  const text = snapshot.domainConfiguration(cdcDomain(appId));
  if (text === undefined) return undefined;
  const p = JSON.parse(text) as CdcPointer;
  if (p.appId !== appId || !Array.isArray(p.files)) throw new Error(`Delta table ${snapshot.table}: the CDC state record of '${appId}' is malformed`);
  return p;
}

/** The domain-metadata action that records `pointer`. */
export function pointerAction(pointer: CdcPointer): DomainMetadata {
  return { domain: cdcDomain(pointer.appId), configuration: JSON.stringify(pointer), removed: false };
}
