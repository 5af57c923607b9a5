// Table maintenance: OPTIMIZE (bin-pack, Z-order), VACUUM, log cleanup,
// checkpoints and automatic maintenance.
export { optimize, DEFAULT_OPTIMIZE_TARGET_SIZE, type OptimizeOptions, type OptimizeResult, type OptimizeMetrics, type FileSetMetrics } from './optimize.ts';
export { vacuum, referencedFiles, type VacuumOptions, type VacuumResult } from './vacuum.ts';
export { cleanupExpiredLogs, planLogCleanup, checkpoint, type LogCleanupOptions, type LogCleanupResult } from './log-cleanup.ts';
export { MaintenanceScheduler, autoMaintain, wantsAutoMaintenance, type AutoMaintenanceOptions, type MaintenanceReport } from './auto-maintenance.ts';
export { planBins, groupByPartition, type Bin } from './bin-pack.ts';
export { clusterOrder, clusterKey, type ClusteringCurve } from './zorder.ts';
export { systemClock, manualClock, type Clock } from './clock.ts';
export type { PartitionPredicate } from './partition-filter.ts';
export type { TableLike } from './table-handle.ts';
