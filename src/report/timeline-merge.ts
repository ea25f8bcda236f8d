// Merging the timelines of concurrent runs (shards, machines) by wall-clock second: counts are summed,
// interval histograms added (true percentiles of the second, not averages of percentiles), a push
// service's pause counts once however many shards saw it.
import { createHistogram, decodeHistogram, encodeHistogram } from '../stats/histogram.js'
import { intervalLatency } from '../stats/timeline.js'
import type { OriginSecond, TimelineSecond } from '../stats/timeline.js'
import { addCounts } from '../stats/merge.js'

/** Merges timelines entry by entry on `t`; the result is sorted by second. */
export function mergeTimelines (timelines: ReadonlyArray<readonly TimelineSecond[] | undefined>): TimelineSecond[] {
  const bySecond = new Map<number, TimelineSecond[]>()
  for (const tl of timelines) {
    for (const e of tl ?? []) {
      const list = bySecond.get(e.t)
      if (list === undefined) bySecond.set(e.t, [e])
      else list.push(e)
    }
  }
  return [...bySecond.keys()].sort((a, b) => a - b).map((t) => mergeSecond(t, bySecond.get(t) ?? []))
}

function mergeSecond (t: number, entries: readonly TimelineSecond[]): TimelineSecond {
  const sum = (get: (e: TimelineSecond) => number): number => entries.reduce((n, e) => n + get(e), 0)
  const corrected = createHistogram()
  const raw = createHistogram()
  for (const e of entries) {
    if (e.histograms.corrected !== '') corrected.add(decodeHistogram(e.histograms.corrected))
    if (e.histograms.raw !== '') raw.add(decodeHistogram(e.histograms.raw))
  }
  const errorKinds: Record<string, number> = {}
  for (const e of entries) addCounts(errorKinds, e.errorKinds)
  const targets = entries.filter((e) => e.target !== null)
  const out: TimelineSecond = {
    t,
    started: sum((e) => e.started),
    completed: sum((e) => e.completed),
    target: targets.length === 0 ? null : Math.round(sum((e) => e.target ?? 0) * 1000) / 1000,
    errors: sum((e) => e.errors),
    errorKinds,
    status: {
      '1xx': sum((e) => e.status['1xx']),
      '2xx': sum((e) => e.status['2xx']),
      '3xx': sum((e) => e.status['3xx']),
      '4xx': sum((e) => e.status['4xx']),
      '5xx': sum((e) => e.status['5xx'])
    },
    inFlight: sum((e) => e.inFlight),
    bytes: { sent: sum((e) => e.bytes.sent), received: sum((e) => e.bytes.received) },
    latency: { corrected: intervalLatency(corrected), raw: intervalLatency(raw) },
    histograms: { corrected: encodeHistogram(corrected), raw: encodeHistogram(raw) }
  }
  const withOutcomes = entries.filter((e) => e.outcomes !== undefined)
  if (withOutcomes.length > 0) {
    out.outcomes = {}
    for (const e of withOutcomes) addCounts(out.outcomes, e.outcomes ?? {})
  }
  const withOrigins = entries.filter((e) => e.origins !== undefined)
  if (withOrigins.length > 0) {
    const origins: Record<string, OriginSecond> = {}
    for (const e of withOrigins) {
      for (const [name, o] of Object.entries(e.origins ?? {})) {
        const cur = origins[name]
        if (cur === undefined) {
          origins[name] = { ...o, outcomes: { ...o.outcomes } }
          continue
        }
        cur.requests += o.requests
        cur.throttled += o.throttled
        addCounts(cur.outcomes, o.outcomes)
        // Shards pause the same service at about the same time; summing would exceed the second.
        cur.pausedMs = Math.max(cur.pausedMs, o.pausedMs)
        cur.paused ||= o.paused
      }
    }
    out.origins = origins
  }
  return out
}
