// How a streaming sink records its progress in a Delta table: every commit
// carries `txn(appId, batchId)` (Delta's idempotent-write marker, kept by
// checkpoints) and `commitInfo.tributary = { appId, batchId, sourceOffset }`
// (kept only in the commit's JSON file). Tables with the `domainMetadata`
// writer feature also get the record as domain `tributary.streaming.<appId>`,
// which checkpoints keep, so the offset survives log cleanup too.
import type { CommitInfo, DomainMetadata } from '../../delta/actions.ts';

/** What one streaming commit records about its micro-batch. */
export interface StreamProgress<O = unknown> {
  /** The writing application (pipeline) id. */
  appId: string;
  /** The micro-batch sequence number: the commit's `txn.version` for `appId`. */
  batchId: number;
  /** Where the source stood after this batch (JSON-serialisable); absent when the sink was given none. */
  sourceOffset?: O;
}

/** The `commitInfo` field that holds {@link StreamProgress}. */
export const COMMIT_INFO_KEY = 'tributary';

/** The domain-metadata name under which `appId`'s progress is kept. */
export function progressDomain(appId: string): string {
  return `tributary.streaming.${appId}`;
}

/** The progress record `commitInfo` holds for `appId`, if any. */
export function progressInCommitInfo(commitInfo: CommitInfo | undefined, appId: string): StreamProgress | undefined {
  const p = commitInfo?.[COMMIT_INFO_KEY];
  if (!isProgress(p) || p.appId !== appId) return undefined;
  return p;
}

/** The progress record in a domain's configuration string, if it parses as one. */
export function progressInDomain(configuration: string | undefined, appId: string): StreamProgress | undefined {
  if (configuration === undefined) return undefined;
  try {
    const p: unknown = JSON.parse(configuration);
    return isProgress(p) && p.appId === appId ? p : undefined;
  } catch {
    return undefined;
  }
}

/** The domain-metadata action recording `progress`. */
export function progressDomainAction(progress: StreamProgress): DomainMetadata {
  return { domain: progressDomain(progress.appId), configuration: JSON.stringify(progress), removed: false };
}

function isProgress(p: unknown): p is StreamProgress {
  if (p === null || typeof p !== 'object') return false;
  const o = p as Record<string, unknown>;
  return typeof o.appId === 'string' && typeof o.batchId === 'number' && Number.isSafeInteger(o.batchId);
}
