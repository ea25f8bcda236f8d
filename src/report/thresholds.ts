// Threshold verdicts and the error-rate definitions they judge, shared by a run's report and by `merge`,
// so a merged report passes or fails by exactly the rules a single run does. The counts they read are
// plain shapes, not the report's types: report.ts builds on this file, not the other way round.

/** Thresholds requested on the command line. */
export interface Thresholds {
  maxErrorRate?: number | undefined
  maxP99Ms?: number | undefined
}

/** A CI threshold and whether the run met it. */
export interface ThresholdResult {
  name: 'max-error-rate' | 'max-p99'
  limit: number
  actual: number
  passed: boolean
}

/** load: failed requests (transport error or status >= 400) over completed requests. */
export function loadErrorRate (c: { completed: number, errors: number, status4xx: number, status5xx: number }): number {
  return c.completed === 0 ? 0 : (c.errors + c.status4xx + c.status5xx) / c.completed
}

/** send: failed messages over attempted ones (sent + expired + failed); retries are not failures. */
export function sendErrorRate (o: { sent: number, expired: number, failed: number }): number {
  const attempted = o.sent + o.expired + o.failed
  return attempted === 0 ? 0 : o.failed / attempted
}

/**
 * Why a run in which nothing succeeded fails (#11), or null: load: requests were started and none got a
 * response below 400; send: lines failed or were invalid and none was sent, expired or dry-run.
 * `--max-error-rate 100%` (any error rate is fine) turns the check off.
 */
export function nothingSucceeded (c: {
  started: number, completed: number, errors: number, status4xx: number, status5xx: number
}, outcomes: { sent: number, expired: number, dryRun: number, failed: number, invalid: number } | undefined, t: Thresholds): string | null {
  if (t.maxErrorRate === 1) return null
  if (outcomes !== undefined) {
    const { sent, expired, dryRun, failed, invalid } = outcomes
    if (sent + expired + dryRun > 0 || failed + invalid === 0) return null
    return `nothing succeeded: no message was sent (${failed} failed, ${invalid} invalid)`
  }
  const good = c.completed - c.errors - c.status4xx - c.status5xx
  if (c.started === 0 || good > 0) return null
  return `nothing succeeded: none of the ${c.started} requests got a response below 400 (${c.errors} transport errors, ${c.status4xx} 4xx, ${c.status5xx} 5xx)`
}

/** Evaluates the requested thresholds against the error rate and the corrected p99 (ms). */
export function evaluateThresholds (t: Thresholds, errorRate: number, correctedP99Ms: number): ThresholdResult[] {
  const results: ThresholdResult[] = []
  if (t.maxErrorRate !== undefined) {
    results.push({ name: 'max-error-rate', limit: t.maxErrorRate, actual: round(errorRate, 6), passed: errorRate <= t.maxErrorRate })
  }
  if (t.maxP99Ms !== undefined) {
    results.push({ name: 'max-p99', limit: t.maxP99Ms, actual: correctedP99Ms, passed: correctedP99Ms <= t.maxP99Ms })
  }
  return results
}

/** Rounds to `digits` decimals (report values are rounded so JSON stays readable). */
export function round (n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}
