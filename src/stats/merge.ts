// Merging worker snapshots on the main thread: histograms are decoded and added, breakdowns summed.
import type { ErrorKinds, WorkerSnapshot } from '../engine/protocol.js'
import { mergeEncoded } from './histogram.js'
import type { LatencyHistogram } from './histogram.js'

/** The union of every worker's (and every dead incarnation's) snapshot. */
export interface MergedStats {
  corrected: LatencyHistogram
  raw: LatencyHistogram
  lag: LatencyHistogram
  errors: ErrorKinds
  statusCodes: Record<string, number>
  perAddress: Record<string, number>
  protocols: Record<string, number>
}

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

/** Merges snapshots; each one is cumulative for its incarnation, so every incarnation counts once. */
export function mergeSnapshots (snapshots: readonly WorkerSnapshot[]): MergedStats {
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
