// Spark's `interval <n> <unit>` table-property durations
// (`delta.deletedFileRetentionDuration`, `delta.logRetentionDuration`).

const UNIT_MS: Record<string, number> = {
  millisecond: 1,
  second: 1e3,
  minute: 60e3,
  hour: 3600e3,
  day: 86400e3,
  week: 7 * 86400e3,
};

/** Default of `delta.deletedFileRetentionDuration`: `interval 7 days`. */
export const DEFAULT_DELETED_FILE_RETENTION = 'interval 7 days';
/** Default of `delta.logRetentionDuration`: `interval 30 days`. */
export const DEFAULT_LOG_RETENTION = 'interval 30 days';

/**
 * Milliseconds of an `interval <n> <unit>` value (units millisecond…week,
 * singular or plural; the `interval` keyword optional). Throws naming the
 * property and table when the text cannot be parsed.
 *
 * @example
 * parseDuration('interval 7 days', 'delta.deletedFileRetentionDuration', '/t') // 604800000
 */
export function parseDuration(text: string, property: string, table: string): number {
  const m = /^\s*(?:interval\s+)?(\d+(?:\.\d+)?)\s*(millisecond|second|minute|hour|day|week)s?\s*$/i.exec(text);
  if (!m) {
    throw new Error(`Cannot parse ${property} '${text}' of Delta table ${table}: expected 'interval <n> <unit>' (unit millisecond … week)`);
  }
  return Number(m[1]) * UNIT_MS[m[2].toLowerCase()];
}

/** The table's retention for a duration property, or its default. */
export function retentionOf(
  configuration: Readonly<Record<string, string>>,
  property: 'delta.deletedFileRetentionDuration' | 'delta.logRetentionDuration',
  table: string,
): number {
  const fallback = property === 'delta.logRetentionDuration' ? DEFAULT_LOG_RETENTION : DEFAULT_DELETED_FILE_RETENTION;
  return parseDuration(configuration[property] ?? fallback, property, table);
}

/** Renders ms as hours for messages (`168 hours`). */
export function hoursText(ms: number): string {
  const h = ms / 3600e3;
  return `${Number.isInteger(h) ? h : h.toFixed(3)} hours`;
}
