// Automatic maintenance driven by table properties, run in the background
// after commits so ingestion never waits for it:
//   delta.autoOptimize.autoCompact = true|auto   after a commit, bin-pack when
//       at least `delta.autoOptimize.autoCompact.minNumFiles` (default 50)
//       files are smaller than the target (`delta.autoOptimize.autoCompact.maxFileSize`,
//       else `delta.targetFileSize`, else 128 MiB);
//   pipelines.autoOptimize.managed = true   at most once per
//       `pipelines.autoOptimize.intervalHours` (default 24): OPTIMIZE (Z-ordered
//       by `pipelines.autoOptimize.zOrderCols`, comma-separated, when set),
//       VACUUM with the table's retention, and expired-log cleanup. The time
//       of the last such run is kept beside the table, in the hidden
//       `_tributary/maintenance.json` (never read by Delta readers, never
//       vacuumed), so a restarted service — or another process writing the
//       same table — does not run it again within the interval.
// `delta.autoOptimize.optimizeWrite` is accepted and needs nothing more here:
// sinks already write one file per partition per commit.
// Runs for one table are serialized and coalesced; a run that loses a
// conflict (a concurrent delete of a file it compacts) is reported through
// `onError` and leaves the table untouched.

import type { Storage } from '../storage/storage.ts';
import { loadSnapshot } from '../snapshot.ts';
import { systemClock, type Clock } from './clock.ts';
import { cleanupExpiredLogs, type LogCleanupResult } from './log-cleanup.ts';
import { optimize, type OptimizeResult } from './optimize.ts';
import { storageOfTable, type TableLike } from './table-handle.ts';
import { vacuum, type VacuumResult } from './vacuum.ts';

const DEFAULT_AUTO_COMPACT_TARGET = 128 * 1024 * 1024;
const DEFAULT_MIN_NUM_FILES = 50;

/** Options of {@link MaintenanceScheduler}. */
export interface AutoMaintenanceOptions {
  clock?: Clock;
  /** Called with what each background run did. */
  onRun?: (report: MaintenanceReport) => void;
  /** Called when a background run fails (default: kept as `lastError`). */
  onError?: (error: Error) => void;
}

/** One background run. */
export interface MaintenanceReport {
  compaction?: OptimizeResult;
  optimize?: OptimizeResult;
  vacuum?: VacuumResult;
  logCleanup?: LogCleanupResult;
}

/** Whether a table's properties ask for any automatic maintenance. */
export function wantsAutoMaintenance(properties: Readonly<Record<string, string>>): boolean {
  return autoCompactEnabled(properties) || properties['pipelines.autoOptimize.managed'] === 'true';
}

function autoCompactEnabled(p: Readonly<Record<string, string>>): boolean {
  const v = (p['delta.autoOptimize.autoCompact'] ?? '').toLowerCase();
  return v === 'true' || v === 'auto' || v === 'legacy';
}

function positive(v: string | undefined, fallback: number): number {
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * Background maintenance of one table. {@link notifyCommit} returns at once;
 * the work happens later, one run at a time.
 *
 * @example
 * const m = new MaintenanceScheduler('/data/orders', { onError: console.warn });
 * await table.append(batch);
 * m.notifyCommit();
 * await m.idle(); // tests: wait for the background run
 */
export class MaintenanceScheduler {
  readonly storage: Storage;
  private readonly clock: Clock;
  private running: Promise<void> | null = null;
  private pending = false;
  private stopped = false;
  /** When the last managed run started (ms); read from the table's sidecar on first use. */
  private lastPeriodic: number | null = null;
  /** The last background failure, when no `onError` was given. */
  lastError: Error | null = null;
  /** Background runs finished (successful or not). */
  runs = 0;

  constructor(
    table: TableLike,
    private readonly options: AutoMaintenanceOptions = {},
  ) {
    this.storage = storageOfTable(table);
    this.clock = options.clock ?? systemClock;
  }

  /** Schedules a run after a commit (coalesced with one already waiting). Never throws, never blocks. */
  notifyCommit(): void {
    if (this.stopped) return;
    this.pending = true;
    if (!this.running) this.running = this.loop();
  }

  /** Resolves when no run is in progress or waiting. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops scheduling new runs (a run in progress finishes). */
  stop(): void {
    this.stopped = true;
  }

  private async loop(): Promise<void> {
    // Yield first, so the committing caller continues before any maintenance work.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.pending && !this.stopped) {
        this.pending = false;
        try {
          const report = await this.runOnce();
          this.options.onRun?.(report);
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          if (this.options.onError) this.options.onError(e);
          else this.lastError = e;
        }
        this.runs++;
      }
    } finally {
      this.running = null;
    }
  }

  /** One maintenance pass over the latest version, per the table's properties. */
  async runOnce(): Promise<MaintenanceReport> {
    const snapshot = await loadSnapshot(this.storage);
    const p = snapshot.properties;
    const report: MaintenanceReport = {};
    if (autoCompactEnabled(p)) {
      const target = positive(p['delta.autoOptimize.autoCompact.maxFileSize'] ?? p['delta.targetFileSize'], DEFAULT_AUTO_COMPACT_TARGET);
      const minFiles = positive(p['delta.autoOptimize.autoCompact.minNumFiles'], DEFAULT_MIN_NUM_FILES);
      const small = snapshot.files().filter((f) => f.size < target).length;
      if (small >= minFiles) report.compaction = await optimize(this.storage, { targetFileSize: target, auto: true, clock: this.clock });
    }
    if (p['pipelines.autoOptimize.managed'] === 'true') {
      const interval = positive(p['pipelines.autoOptimize.intervalHours'], 24) * 3600e3;
      const now = this.clock.now();
      // Read when due by this process's count: another process (or an earlier life of this one) may have run it since.
      if (this.lastPeriodic === null || now - this.lastPeriodic >= interval) {
        this.lastPeriodic = Math.max(this.lastPeriodic ?? -Infinity, await readLastManagedRun(this.storage));
      }
      if (now - this.lastPeriodic >= interval) {
        // Set before the run: a run that fails is not retried after every commit, only in the next interval.
        this.lastPeriodic = now;
        const zOrder = (p['pipelines.autoOptimize.zOrderCols'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
        report.optimize = await optimize(this.storage, { zOrder: zOrder.length > 0 ? zOrder : undefined, auto: true, clock: this.clock });
        report.vacuum = await vacuum(this.storage, { clock: this.clock });
        report.logCleanup = await cleanupExpiredLogs(this.storage, { clock: this.clock });
        // Recorded once the run succeeded: one that died half-way is run again by the next process.
        await this.storage.write(MANAGED_RUN_PATH, new TextEncoder().encode(`${JSON.stringify({ lastManagedRun: now })}\n`));
      }
    }
    return report;
  }
}

/** The sidecar holding the start time of the last managed run (hidden from Delta readers and VACUUM). */
export const MANAGED_RUN_PATH = '_tributary/maintenance.json';

/** Start of the last managed run recorded beside the table, or -Infinity (none, or unreadable: run then). */
async function readLastManagedRun(storage: Storage): Promise<number> {
  try {
    const bytes = await storage.read(MANAGED_RUN_PATH);
    const t = bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as { lastManagedRun?: unknown }).lastManagedRun : undefined;
    return typeof t === 'number' && Number.isFinite(t) ? t : -Infinity;
  } catch {
    return -Infinity;
  }
}

const schedulers = new Map<string, MaintenanceScheduler>();

/**
 * The process-wide scheduler of a table (one per storage root), for sinks
 * that call it after each commit.
 *
 * @example
 * autoMaintain(table).notifyCommit();
 */
export function autoMaintain(table: TableLike, options?: AutoMaintenanceOptions): MaintenanceScheduler {
  const storage = storageOfTable(table);
  let s = schedulers.get(storage.root);
  if (!s || (options && s['options'] !== options)) {
    s = new MaintenanceScheduler(storage, options);
    schedulers.set(storage.root, s);
  }
  return s;
}
