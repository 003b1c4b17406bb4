// Outage policy: when a model keeps failing, stop pairing it for a while, then give it one more trial.

/** Consecutive failures from which a model is taken out of pairing. */
export const OUTAGE_AFTER_FAILURES = 3;
/** Cool-down at the third consecutive failure; it doubles with every further failure. */
export const OUTAGE_FIRST_COOLDOWN_MS = 60_000;
/** The cool-down never grows beyond one hour. */
export const OUTAGE_MAX_COOLDOWN_MS = 3_600_000;

/**
 * Until when a model with `consecutiveFailures` failures in a row stays out of pairing, or null when it stays in.
 *
 * - fewer than 3 failures: null (a single error is often transient; the battle is errored, the model stays in);
 * - 3 failures: 1 minute; 4: 2 min; 5: 4 min; 6: 8 min; 7: 16 min; 8: 32 min; 9 and more: 1 hour (the cap).
 *
 * Once the time has passed the model is drawn again; that battle is its trial. A failure there lengthens the
 * next cool-down (the counter keeps growing); a success resets the counter and clears the outage (the store's
 * `recordModelSuccess`).
 */
export function outageUntil(consecutiveFailures: number, now: Date): Date | null {
  if (!(consecutiveFailures >= OUTAGE_AFTER_FAILURES)) return null;
  const doublings = Math.min(consecutiveFailures - OUTAGE_AFTER_FAILURES, 30);
  const cooldownMs = Math.min(OUTAGE_FIRST_COOLDOWN_MS * 2 ** doublings, OUTAGE_MAX_COOLDOWN_MS);
  return new Date(now.getTime() + cooldownMs);
}
