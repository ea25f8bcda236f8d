// Retry delays: exponential with full jitter (AWS architecture blog), so a burst of 5xx answers does not
// come back as a synchronized burst of retries.

/** Base delay of the first retry. */
export const BACKOFF_BASE_MS = 250
/** Upper bound of any single delay. */
export const BACKOFF_MAX_MS = 30_000

/** Delay before retry number `attempt` (1 = first retry): uniform in [0, min(max, base·2^(attempt−1))]. */
export function backoffMs (attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1))
  return Math.round(random() * ceiling)
}
