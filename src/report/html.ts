// `--html report.html` (#14): one self-contained page per report. uPlot's script and stylesheet are read
// from node_modules when the page is written and inlined with the page's own script and the data, so the
// file opens anywhere (a CI artifact, an e-mail attachment) without fetching anything.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { decodeHistogram } from '../stats/histogram.js'
import type { LatencySummary } from '../stats/histogram.js'
import { CLIENT_CSS, CLIENT_JS } from './html-client.js'
import type { Report } from './report.js'
import { writeFileAtomic } from '../fs/atomic-write.js'

type Cell = string | number | null

/** What the page script draws: the report reduced to series and table rows (no encoded histograms). */
export interface HtmlModel {
  command: string
  version: string
  startedAt: string
  durationMs: number
  passed: boolean
  exitCode: number
  interrupted: string | null
  merged: number | null
  requests: Cell[]
  thresholds: Report['thresholds']
  problems: string[]
  latency: Cell[][]
  timeline: {
    t: number[]
    started: number[]
    completed: number[]
    target: Array<number | null> | null
    errors: number[]
    inFlight: number[]
    status: Record<string, number[]>
    cp50: Array<number | null>
    cp90: Array<number | null>
    cp99: Array<number | null>
    rp50: Array<number | null>
    rp99: Array<number | null>
    outcomes: Record<string, number[]> | null
  }
  /** HDR percentile plot: x = 1 / (1 - percentile), values in ms. */
  distribution: { x: number[], corrected: number[], raw: number[] }
  statusCodes: Cell[][]
  errors: Cell[][]
  outcomes: Cell[][] | null
  origins: Cell[][]
  workersHead: string[]
  workers: Cell[][]
  addresses: Cell[][]
}

// Percentiles from 0 to 99.999 %, 20 per decade of 1/(1-p): enough to show the tail's shape.
const DISTRIBUTION_STEPS = 100
const OUTCOME_ORDER = ['sent', 'expired', 'failed', 'invalid', 'dryRun', 'notAttempted', 'indeterminate', 'skipped'] as const

/** Reduces a report to what the page shows. */
export function htmlModel (r: Report): HtmlModel {
  const tl = r.timeline ?? []
  const nullIfEmpty = (count: number, v: number): number | null => count === 0 ? null : v
  const classes = ['2xx', '3xx', '4xx', '5xx', '1xx'] as const
  const usedClasses = classes.filter((k) => tl.some((e) => e.status[k] > 0))
  const outcomeKeys = OUTCOME_ORDER.filter((k) => tl.some((e) => (e.outcomes?.[k] ?? 0) > 0))
  return {
    command: r.command,
    version: r.version,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    passed: r.passed,
    exitCode: r.exitCode,
    interrupted: r.interrupted,
    merged: r.merged?.count ?? null,
    requests: ['total', r.requests.started, r.requests.completed, r.requests.ok, r.requests.errors, r.requests.timeouts, r.requests.retries, r.requests.late, r.requests.dropped, r.requests.rps, r.requests.errorRate],
    thresholds: r.thresholds,
    problems: r.problems,
    latency: (['corrected', 'raw', 'startLag'] as const).map((k) => latencyRow(k, r.latency[k])),
    timeline: {
      t: tl.map((e) => e.t),
      started: tl.map((e) => e.started),
      completed: tl.map((e) => e.completed),
      target: tl.some((e) => e.target !== null) ? tl.map((e) => e.target) : null,
      errors: tl.map((e) => e.errors),
      inFlight: tl.map((e) => e.inFlight),
      status: Object.fromEntries(usedClasses.map((k) => [k, tl.map((e) => e.status[k])])),
      cp50: tl.map((e) => nullIfEmpty(e.latency.corrected.count, e.latency.corrected.p50)),
      cp90: tl.map((e) => nullIfEmpty(e.latency.corrected.count, e.latency.corrected.p90)),
      cp99: tl.map((e) => nullIfEmpty(e.latency.corrected.count, e.latency.corrected.p99)),
      rp50: tl.map((e) => nullIfEmpty(e.latency.raw.count, e.latency.raw.p50)),
      rp99: tl.map((e) => nullIfEmpty(e.latency.raw.count, e.latency.raw.p99)),
      outcomes: r.outcomes === undefined ? null : Object.fromEntries(outcomeKeys.map((k) => [k, tl.map((e) => e.outcomes?.[k] ?? 0)]))
    },
    distribution: distribution(r),
    statusCodes: Object.entries(r.status.codes).sort(([a], [b]) => a.localeCompare(b)).map(([code, n]) => [code, n]),
    errors: Object.entries(r.errors).map(([kind, e]) => [kind, e.count, e.sample]),
    outcomes: r.outcomes === undefined ? null : Object.entries(r.outcomes).map(([k, n]) => [k, n]),
    origins: originRows(r),
    workersHead: ['worker', 'started', 'completed', 'errors', 'restarts', 'gave up', ...(r.merged === undefined ? [] : ['report'])],
    workers: r.workers.map((w) => [String(w.index), w.started, w.completed, w.errors, w.restarts, w.gaveUp ? 'yes' : 'no', ...(w.source === undefined ? [] : [w.source])]),
    addresses: r.settings.forceDns === true || Object.keys(r.perAddress).length > 1
      ? Object.entries(r.perAddress).sort(([, a], [, b]) => b - a).map(([a, n]) => [a, n])
      : []
  }
}

function latencyRow (name: string, l: LatencySummary): Cell[] {
  return [name, l.count, l.min, l.mean, l.stddev ?? null, l.p50, l.p90, l.p95 ?? null, l.p99, l.p999, l.max]
}

// Values at percentiles 1 - 10^(-k/20): evenly spaced on the log axis the page draws.
function distribution (r: Report): HtmlModel['distribution'] {
  const x: number[] = []
  const out = { corrected: [] as number[], raw: [] as number[] }
  const hist = { corrected: decodeOrNull(r.histograms.corrected), raw: decodeOrNull(r.histograms.raw) }
  if (hist.corrected === null || hist.raw === null) return { x, ...out }
  for (let k = 0; k <= DISTRIBUTION_STEPS; k++) {
    const inv = 10 ** (k / 20)
    x.push(inv)
    const pct = 100 - 100 / inv
    out.corrected.push(Math.round(hist.corrected.getValueAtPercentile(pct)) / 1000)
    out.raw.push(Math.round(hist.raw.getValueAtPercentile(pct)) / 1000)
  }
  return { x, ...out }
}

function decodeOrNull (encoded: string): ReturnType<typeof decodeHistogram> | null {
  if (encoded === '') return null
  const h = decodeHistogram(encoded)
  return h.totalCount === 0 ? null : h
}

// The per-push-service table: the timeline's per-second counts summed over the run.
function originRows (r: Report): Cell[][] {
  const sums = new Map<string, { requests: number, sent: number, expired: number, failed: number, throttled: number, pausedMs: number }>()
  for (const e of r.timeline ?? []) {
    for (const [origin, o] of Object.entries(e.origins ?? {})) {
      const s = sums.get(origin) ?? { requests: 0, sent: 0, expired: 0, failed: 0, throttled: 0, pausedMs: 0 }
      s.requests += o.requests
      s.sent += o.outcomes.sent ?? 0
      s.expired += o.outcomes.expired ?? 0
      s.failed += o.outcomes.failed ?? 0
      s.throttled += o.throttled
      s.pausedMs += o.pausedMs
      sums.set(origin, s)
    }
  }
  return [...sums].sort(([, a], [, b]) => b.requests - a.requests)
    .map(([origin, s]) => [origin, s.requests, s.sent, s.expired, s.failed, s.throttled, Math.round(s.pausedMs / 100) / 10])
}

// JSON inside <script> must not be able to close the element or start a comment.
function scriptJson (value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

function asset (path: string): string {
  return readFileSync(createRequire(import.meta.url).resolve(path), 'utf8')
}

/** The complete page for `report`. */
export function renderHtml (report: Report): string {
  const title = `notify-sender ${report.command} report, ${report.startedAt}`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title.replace(/[<&]/g, '')}</title>
<style>${asset('uplot/dist/uPlot.min.css')}</style>
<style>${CLIENT_CSS}</style>
</head>
<body>
<header id="ns-head"></header>
<main id="ns-body"></main>
<script type="application/json" id="ns-model">${scriptJson(htmlModel(report))}</script>
<script>${asset('uplot/dist/uPlot.iife.min.js').replace(/<\/script/gi, '<\\/script')}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`
}

/** Writes the HTML report atomically. */
export function writeHtmlReport (path: string, report: Report): void {
  writeFileAtomic(path, renderHtml(report))
}
