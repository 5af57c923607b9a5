// Bin-packing for OPTIMIZE: per partition, the files smaller than the target
// size are grouped, in log order, into bins whose total size stays within the
// target. A bin of one file gains nothing and is dropped — unless that file
// carries a deletion vector, whose deleted rows the rewrite purges.

import type { Add } from '../actions.ts';

/** Files rewritten together into one (bin-pack) or several (Z-order) files. */
export interface Bin {
  /** Serialized partition values shared by the files. */
  partitionValues: Record<string, string | null>;
  files: Add[];
  /** Sum of the files' sizes in bytes. */
  bytes: number;
}

/** Files of one partition, in log order. */
export interface PartitionFiles {
  partitionValues: Record<string, string | null>;
  files: Add[];
}

/** Groups files by their partition values (first-seen order of partitions). */
export function groupByPartition(files: readonly Add[]): PartitionFiles[] {
  const groups = new Map<string, PartitionFiles>();
  for (const f of files) {
    const keys = Object.keys(f.partitionValues).sort();
    const key = JSON.stringify(keys.map((k) => [k, f.partitionValues[k]]));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { partitionValues: { ...f.partitionValues }, files: [] }));
    g.files.push(f);
  }
  return [...groups.values()];
}

/**
 * Bins of small files per partition, each at most `targetSize` bytes (a
 * single file of a bin may be anything below the target).
 *
 * @example
 * planBins(snapshot.files(), 128 << 20) // [{ partitionValues, files, bytes }, ...]
 */
export function planBins(files: readonly Add[], targetSize: number): Bin[] {
  const bins: Bin[] = [];
  for (const part of groupByPartition(files)) {
    const small = part.files.filter((f) => f.size < targetSize || f.deletionVector);
    let current: Bin | null = null;
    const close = () => {
      if (current && (current.files.length > 1 || current.files.some((f) => f.deletionVector))) bins.push(current);
      current = null;
    };
    for (const f of small) {
      if (current && current.bytes + f.size > targetSize) close();
      current ??= { partitionValues: part.partitionValues, files: [], bytes: 0 };
      current.files.push(f);
      current.bytes += f.size;
    }
    close();
  }
  return bins;
}

/** Size percentiles of the files an OPTIMIZE added, as Delta reports them. */
export function fileSizeMetrics(sizes: readonly number[]): Record<'minFileSize' | 'p25FileSize' | 'p50FileSize' | 'p75FileSize' | 'maxFileSize', number> {
  const s = [...sizes].sort((a, b) => a - b);
  const at = (q: number) => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]);
  return { minFileSize: at(0), p25FileSize: at(0.25), p50FileSize: at(0.5), p75FileSize: at(0.75), maxFileSize: at(1) };
}
