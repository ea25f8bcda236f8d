// Reports built by the real buildReport from made-up run results, for the merge tests: the histograms and
// counts are chosen by the test, everything else is what a run would write.
import { Slot } from '../../src/engine/protocol.js'
import type { SlotName } from '../../src/engine/protocol.js'
import type { ErrorKinds } from '../../src/stats/snapshot.js'
import { buildReport } from '../../src/report/report.js'
import type { OutcomeCounts, Report, ShardInfo } from '../../src/report/report.js'
import { sendErrorRate } from '../../src/report/thresholds.js'
import { createHistogram, encodeHistogram, mergeEncoded } from '../../src/stats/histogram.js'
import type { LatencyHistogram } from '../../src/stats/histogram.js'

/** What a made-up run measured; unset counters are derived from the histogram's count. */
export interface FakeRun {
  corrected: LatencyHistogram
  raw?: LatencyHistogram
  startedAt?: Date
  durationMs?: number
  command?: 'load' | 'send'
  counters?: Partial<Record<SlotName, number>>
  statusCodes?: Record<string, number>
  errors?: ErrorKinds
  perAddress?: Record<string, number>
  protocols?: Record<string, number>
  outcomes?: OutcomeCounts
  shard?: ShardInfo
  problems?: string[]
  interrupted?: NodeJS.Signals | null
  workers?: number
}

/** Builds a report of `command` (load by default) with buildReport. */
export function fakeReport (run: FakeRun): Report {
  const completed = run.corrected.totalCount
  const counters = Object.fromEntries((Object.keys(Slot) as Array<keyof typeof Slot>).filter((k) => k !== 'Count').map((k) => [k, 0])) as Record<SlotName, number>
  counters.Started = completed
  counters.Completed = completed
  Object.assign(counters, run.counters)
  if (run.counters?.Status2xx === undefined) counters.Status2xx = completed - counters.Errors - counters.Status4xx - counters.Status5xx
  const workers = run.workers ?? 1
  // A run's histograms always went through encode/decode (worker snapshots, mergeEncoded), which keeps
  // only bucket boundaries: max becomes its bucket's highest equivalent value. Do the same here.
  const asRun = (h: LatencyHistogram): LatencyHistogram => mergeEncoded([encodeHistogram(h)])
  return buildReport({
    startedAt: run.startedAt ?? new Date('2026-01-01T00:00:00.000Z'),
    durationMs: run.durationMs ?? 10_000,
    counters,
    merged: {
      corrected: asRun(run.corrected),
      raw: asRun(run.raw ?? run.corrected),
      lag: createHistogram(),
      errors: run.errors ?? {},
      statusCodes: run.statusCodes ?? { 200: counters.Status2xx },
      perAddress: run.perAddress ?? { '127.0.0.1': completed },
      protocols: run.protocols ?? { 'http/1.1': 1 }
    },
    workers: Array.from({ length: workers }, (_, index) => ({ index, restarts: 0, gaveUp: false, counters, errors: [] })),
    timeline: []
  }, {
    command: run.command ?? 'load',
    version: '0.0.0-test',
    settings: { workers, http: 1 },
    thresholds: {},
    interrupted: run.interrupted ?? null,
    outcomes: run.outcomes,
    // As send does: failed messages over attempted ones, not failed requests.
    errorRate: run.outcomes === undefined ? undefined : sendErrorRate(run.outcomes),
    shard: run.shard,
    problems: run.problems ?? []
  })
}

/** A small histogram holding `values` (µs). */
export function histogramOf (values: Iterable<number>): LatencyHistogram {
  const h = createHistogram()
  for (const v of values) h.recordValue(v)
  return h
}

/** mulberry32: a seeded PRNG so datasets are varied yet the same on every run. */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
