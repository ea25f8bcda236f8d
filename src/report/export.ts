// Exports of a report for other tools: the timeline as CSV (spreadsheets) and the final histograms in
// HdrHistogram's percentile-distribution format (.hgrm, read by HdrHistogram's plotter and friends).
import { writeFileAtomic } from '../fs/atomic-write.js'
import { decodeHistogram } from '../stats/histogram.js'
import type { TimelineSecond } from '../stats/timeline.js'
import type { Report } from './report.js'

const FIXED_COLUMNS = [
  'time', 't', 'started', 'completed', 'target', 'errors', 'status_1xx', 'status_2xx', 'status_3xx', 'status_4xx', 'status_5xx',
  'in_flight', 'bytes_sent', 'bytes_received', 'latency_count', 'corrected_p50_ms', 'corrected_p90_ms', 'corrected_p99_ms',
  'raw_p50_ms', 'raw_p90_ms', 'raw_p99_ms'
]

/** The timeline as RFC 4180 CSV: fixed columns, then one per error kind, outcome kind and origin counter. */
export function timelineCsv (timeline: readonly TimelineSecond[]): string {
  const kinds = union(timeline.map((e) => Object.keys(e.errorKinds)))
  const outcomes = union(timeline.map((e) => Object.keys(e.outcomes ?? {})))
  const origins = union(timeline.map((e) => Object.keys(e.origins ?? {})))
  const header = [
    ...FIXED_COLUMNS,
    ...kinds.map((k) => `error_${k}`),
    ...outcomes.map((k) => `outcome_${k}`),
    ...origins.flatMap((o) => [`${o} requests`, `${o} throttled`, `${o} paused_ms`])
  ]
  const rows = timeline.map((e) => [
    new Date(e.t * 1000).toISOString(), e.t, e.started, e.completed, e.target ?? '', e.errors,
    e.status['1xx'], e.status['2xx'], e.status['3xx'], e.status['4xx'], e.status['5xx'],
    e.inFlight, e.bytes.sent, e.bytes.received, e.latency.corrected.count,
    e.latency.corrected.p50, e.latency.corrected.p90, e.latency.corrected.p99,
    e.latency.raw.p50, e.latency.raw.p90, e.latency.raw.p99,
    ...kinds.map((k) => e.errorKinds[k] ?? 0),
    ...outcomes.map((k) => e.outcomes?.[k] ?? 0),
    ...origins.flatMap((o) => { const s = e.origins?.[o]; return [s?.requests ?? 0, s?.throttled ?? 0, s?.pausedMs ?? 0] })
  ])
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n'
}

/** A final histogram of the report (µs) as an .hgrm percentile distribution in milliseconds. */
export function hgrm (report: Report, which: 'corrected' | 'raw'): string {
  const encoded = report.histograms[which]
  if (encoded === '') return ''
  // Scaling ratio 1000: the histograms hold µs, the distribution is written in ms like the report.
  return decodeHistogram(encoded).outputPercentileDistribution(5, 1000)
}

/** Writes `<prefix>.corrected.hgrm` and `<prefix>.raw.hgrm`; returns the paths. */
export function writeHgrm (prefix: string, report: Report): string[] {
  const base = prefix.replace(/\.hgrm$/, '')
  return (['corrected', 'raw'] as const).map((k) => {
    const path = `${base}.${k}.hgrm`
    writeFileAtomic(path, hgrm(report, k))
    return path
  })
}

function union (lists: ReadonlyArray<readonly string[]>): string[] {
  return [...new Set(lists.flat())].sort()
}

function csvField (v: string | number): string {
  const s = String(v)
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}
