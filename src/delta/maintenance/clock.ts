// Time as maintenance sees it. VACUUM and log cleanup compare file ages with
// retention periods, so tests inject a clock instead of waiting days.

/** A source of the current time in ms since the epoch. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that stands still until moved (tests).
 *
 * @example
 * const clock = manualClock(Date.parse('2026-01-01'));
 * clock.advance(8 * 24 * 3600_000); // a week and a day later
 */
export function manualClock(start: number): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
