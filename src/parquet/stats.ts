// Native (plain-encoded) column statistics → FileStats in each column's
// logical domain.
import type { NativeColumnStats } from './native-job.ts';
import type { LeafPlan, StatKind } from './schema.ts';
import type { ColumnStats, FileStats, StatValue } from './types.ts';

const utf8 = new TextDecoder('utf-8', { fatal: false });

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Big-endian two's complement → bigint (the unscaled decimal). */
function fromBigEndian(b: Uint8Array): bigint {
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  const bits = BigInt(b.length * 8);
  return b.length > 0 && (b[0]! & 0x80) !== 0 ? v - (1n << bits) : v;
}

/** Decodes one plain-encoded min/max value. */
export function decodeStat(kind: StatKind, b: Uint8Array): StatValue {
  switch (kind) {
    case 'bool':
      return b[0] !== 0;
    case 'int32':
    case 'date':
      return view(b).getInt32(0, true);
    case 'uint32':
      return view(b).getUint32(0, true);
    case 'int64':
      return view(b).getBigInt64(0, true);
    case 'uint64':
      return view(b).getBigUint64(0, true);
    case 'timestampSec':
      return view(b).getBigInt64(0, true) / 1000n; // stored as milliseconds, exact multiples
    case 'float':
      return view(b).getFloat32(0, true);
    case 'double':
      return view(b).getFloat64(0, true);
    case 'string':
      return utf8.decode(b);
    case 'binary':
      return new Uint8Array(b);
    case 'decimal':
      return fromBigEndian(b);
  }
}

/** FileStats from the native per-leaf statistics (leaves below lists/maps get no min/max). */
export function toFileStats(numRows: number, leaves: readonly LeafPlan[], stats: readonly NativeColumnStats[]): FileStats {
  const columns: ColumnStats[] = leaves.map((leaf, i) => {
    const s = stats[i]!;
    const out: ColumnStats = { path: leaf.statsPath, nullCount: s.nullCount };
    if (!leaf.repeated && s.min !== undefined && s.max !== undefined) {
      out.min = decodeStat(leaf.stat, s.min);
      out.max = decodeStat(leaf.stat, s.max);
    }
    return out;
  });
  return { numRows, columns };
}
