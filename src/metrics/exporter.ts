// Prometheus metrics of a run (#14), built with prom-client on a registry of their own (never the global
// one, so an embedding application's metrics are untouched). The supervisor's per-second progress samples
// feed them during the run; the final report sets them to its exact totals at the end, so a scrape after
// the run (or the --metrics-file) agrees with the report to the request.
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ProgressSample } from '../engine/supervisor.js'
import type { Report } from '../report/report.js'
import { decodeHistogram } from '../stats/histogram.js'
import type { TimelineSecond } from '../stats/timeline.js'

// Seconds; Prometheus' classic buckets (prom-client 15 has no native histograms), a push service's range.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const

type CounterName = 'started' | 'completed' | 'status' | 'errors' | 'outcomes' | 'originRequests' | 'originOutcomes' | 'originThrottled' | 'originPaused'

/** The metrics of one run and the registry that exposes them. */
export class RunMetrics {
  readonly registry = new Registry()
  readonly #counters: Record<CounterName, Counter>
  readonly #paused: Gauge
  readonly #inFlight: Gauge
  readonly #rateTarget: Gauge
  readonly #rateAchieved: Gauge
  readonly #latency: Histogram
  // Samples and reports are cumulative, counters take increments: the total each series already holds.
  readonly #held = new Map<string, number>()
  // Timeline-derived totals (error kinds, outcomes, per origin) and the last second folded into them.
  #fromTimeline: TimelineTotals = emptyTimelineTotals()
  #lastT = -Infinity

  constructor (command: 'load' | 'send') {
    const registers = [this.registry]
    this.registry.setDefaultLabels({ command })
    const counter = (name: string, help: string, labelNames: string[] = []): Counter => new Counter({ name, help, labelNames, registers })
    this.#counters = {
      started: counter('notify_sender_requests_started_total', 'Requests started (retries included)'),
      completed: counter('notify_sender_requests_completed_total', 'Requests answered or failed'),
      status: counter('notify_sender_responses_total', 'Responses by status class', ['class']),
      errors: counter('notify_sender_errors_total', 'Requests that failed without a response, by error kind', ['kind']),
      outcomes: counter('notify_sender_outcomes_total', 'send: subscription lines settled, by outcome', ['outcome']),
      originRequests: counter('notify_sender_origin_requests_total', 'send: requests per push-service origin', ['origin']),
      originOutcomes: counter('notify_sender_origin_outcomes_total', 'send: lines settled per push-service origin and outcome', ['origin', 'outcome']),
      originThrottled: counter('notify_sender_origin_throttled_total', 'send: 429 responses per push-service origin', ['origin']),
      originPaused: counter('notify_sender_origin_paused_seconds_total', 'send: time a push-service origin was paused by Retry-After', ['origin'])
    }
    this.#paused = new Gauge({ name: 'notify_sender_origin_paused', help: 'send: 1 while a push-service origin is paused by a 429', labelNames: ['origin'], registers })
    this.#inFlight = new Gauge({ name: 'notify_sender_in_flight', help: 'Requests in flight', registers })
    this.#rateTarget = new Gauge({ name: 'notify_sender_rate_target', help: 'Requests the arrival schedule had due in the last second (open model)', registers })
    this.#rateAchieved = new Gauge({ name: 'notify_sender_rate_achieved', help: 'Requests completed in the last second', registers })
    this.#latency = new Histogram({ name: 'notify_sender_latency_seconds', help: 'Latency from the intended send time (coordinated omission corrected)', buckets: LATENCY_BUCKETS, registers })
    for (const c of CLASSES) this.#counters.status.inc({ class: c }, 0)
  }

  /** Updates from a live progress sample (once per second). */
  sample (p: ProgressSample): void {
    const c = p.counters
    this.#bump('started', {}, c.Started)
    this.#bump('completed', {}, c.Completed)
    const classes = { '1xx': c.Status1xx, '2xx': c.Status2xx, '3xx': c.Status3xx, '4xx': c.Status4xx, '5xx': c.Status5xx }
    for (const [k, v] of Object.entries(classes)) this.#bump('status', { class: k }, v)
    this.#inFlight.set(c.InFlight)
    this.#paused.reset()
    for (const t of p.throttled) this.#paused.set({ origin: t.origin }, 1)
    const s = p.lastSecond
    if (s !== undefined && s.t > this.#lastT) {
      this.#rateAchieved.set(s.completed)
      if (s.target !== null) this.#rateTarget.set(s.target)
    }
    // The seconds closed so far: the last one is the newest entry of the timeline.
    if (s !== undefined) this.#fold([s])
  }

  /** Brings every series to the report's exact totals (and folds in the seconds no sample covered). */
  final (report: Report): void {
    this.#bump('started', {}, report.requests.started)
    this.#bump('completed', {}, report.requests.completed)
    for (const k of CLASSES) this.#bump('status', { class: k }, report.status[k])
    this.#fold(report.timeline ?? [])
    for (const [k, e] of Object.entries(report.errors)) this.#bump('errors', { kind: k }, e.count)
    if (report.outcomes !== undefined) {
      for (const [k, n] of Object.entries(report.outcomes)) if (k !== 'read') this.#bump('outcomes', { outcome: k }, n)
    }
    this.#inFlight.set(0)
    this.#paused.reset()
    // The live samples may have missed the last seconds (a busy machine, a short run): the rates end as the
    // report's last second has them.
    const last = report.timeline?.at(-1)
    if (last !== undefined) {
      this.#rateAchieved.set(last.completed)
      if (last.target !== null) this.#rateTarget.set(last.target)
    }
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async text (): Promise<string> {
    return await this.registry.metrics()
  }

  // Adds timeline seconds not seen yet to the timeline totals, then brings their series up to them.
  #fold (seconds: readonly TimelineSecond[]): void {
    const t = this.#fromTimeline
    for (const s of seconds) {
      if (s.t <= this.#lastT) continue
      this.#lastT = s.t
      add(t.errors, s.errorKinds)
      if (s.outcomes !== undefined) add(t.outcomes, s.outcomes)
      for (const [origin, o] of Object.entries(s.origins ?? {})) {
        const cur = t.origins[origin] ??= { requests: 0, throttled: 0, pausedMs: 0, outcomes: {} }
        cur.requests += o.requests
        cur.throttled += o.throttled
        cur.pausedMs += o.pausedMs
        add(cur.outcomes, o.outcomes)
      }
      this.#observe(s.histograms.corrected)
    }
    for (const [k, n] of Object.entries(t.errors)) this.#bump('errors', { kind: k }, n)
    for (const [k, n] of Object.entries(t.outcomes)) if (k !== 'read') this.#bump('outcomes', { outcome: k }, n)
    for (const [origin, o] of Object.entries(t.origins)) {
      this.#bump('originRequests', { origin }, o.requests)
      this.#bump('originThrottled', { origin }, o.throttled)
      this.#bump('originPaused', { origin }, o.pausedMs / 1000)
      for (const [outcome, n] of Object.entries(o.outcomes)) this.#bump('originOutcomes', { origin, outcome }, n)
    }
  }

  #bump (name: CounterName, labels: Record<string, string>, total: number): void {
    const key = `${name}\0${JSON.stringify(labels)}`
    const d = total - (this.#held.get(key) ?? 0)
    if (d <= 0) return
    this.#held.set(key, total)
    this.#counters[name].inc(labels, d)
  }

  // prom-client histograms take one observation at a time: each recorded HDR value, as often as it was seen.
  #observe (encoded: string): void {
    if (encoded === '') return
    const h = decodeHistogram(encoded) as unknown as HdrIterable
    const it = h.recordedValuesIterator
    it.reset()
    while (it.hasNext()) {
      const v = it.next()
      const seconds = v.valueIteratedTo / 1e6
      for (let i = 0; i < v.countAtValueIteratedTo; i++) this.#latency.observe(seconds)
    }
  }
}

interface TimelineTotals {
  errors: Record<string, number>
  outcomes: Record<string, number>
  origins: Record<string, { requests: number, throttled: number, pausedMs: number, outcomes: Record<string, number> }>
}

function emptyTimelineTotals (): TimelineTotals {
  return { errors: {}, outcomes: {}, origins: {} }
}

function add (into: Record<string, number>, delta: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(delta)) into[k] = (into[k] ?? 0) + v
}

// JsHistogram's iterator (hdr-histogram-js does not list it on the Histogram interface).
interface HdrIterable {
  recordedValuesIterator: {
    reset: () => void
    hasNext: () => boolean
    next: () => { valueIteratedTo: number, countAtValueIteratedTo: number }
  }
}
