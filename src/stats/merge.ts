// Merging worker snapshots on the main thread: histograms are decoded and added, breakdowns summed.
import { mergeEncoded } from './histogram.js'
import type { LatencyHistogram } from './histogram.js'
import type { ErrorKinds, Snapshot } from './snapshot.js'

/** Adds `b` into `a` key by key. */
export function addCounts (a: Record<string, number>, b: Readonly<Record<string, number>>): Record<string, number> {
  for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v
  return a
}

/** Adds the error kinds of `b` into `a` (counts summed, the first sample message kept). */
export function addErrorKinds (a: ErrorKinds, b: Readonly<ErrorKinds>): ErrorKinds {
  for (const [kind, e] of Object.entries(b)) {
    const cur = a[kind]
    if (cur === undefined) a[kind] = { ...e }
    else cur.count += e.count
  }
  return a
}

/**
 * Merges snapshots; each one is cumulative for its incarnation, so every incarnation counts once.
 * Per-origin counts are left out: the timeline reads them second by second, and nothing needs their sum.
 */
export function mergeSnapshots (snapshots: ReadonlyArray<Snapshot<string>>): Omit<Snapshot<LatencyHistogram>, 'perOrigin'> {
  const errors: ErrorKinds = {}
  const statusCodes: Record<string, number> = {}
  const perAddress: Record<string, number> = {}
  const protocols: Record<string, number> = {}
  for (const s of snapshots) {
    addErrorKinds(errors, s.errors)
    addCounts(statusCodes, s.statusCodes)
    addCounts(perAddress, s.perAddress)
    addCounts(protocols, s.protocols)
  }
  return {
    corrected: mergeEncoded(snapshots.map((s) => s.corrected)),
    raw: mergeEncoded(snapshots.map((s) => s.raw)),
    lag: mergeEncoded(snapshots.map((s) => s.lag)),
    errors,
    statusCodes,
    perAddress,
    protocols
  }
}
