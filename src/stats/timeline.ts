// The per-second timeline of a run (#14). The supervisor closes one entry per wall-clock second from
// cumulative totals (counters, error kinds, per-origin counts, outcome counts): each entry is the difference
// to the previous one, so the entries always add up to the report's totals. Latency comes from the
// workers' interval histograms, which cover the responses reported since their previous snapshot; they
// land in the second their snapshot arrived in (so a second's percentiles may lag by up to one second).
import type { ErrorKinds } from './snapshot.js'
import { createHistogram, decodeHistogram, encodeHistogram } from './histogram.js'
import type { LatencyHistogram } from './histogram.js'

/** Interval percentiles in ms. */
export interface IntervalLatency {
  count: number
  p50: number
  p90: number
  p99: number
}

/** One push-service origin during one second (send). */
export interface OriginSecond {
  /** Responses and transport failures (retries included). */
  requests: number
  /** 429 responses. */
  throttled: number
  /** Lines of this origin that ended in each outcome kind this second (`sent`, `expired`, `failed`, …). */
  outcomes: Record<string, number>
  /** Milliseconds of this second during which the origin was paused by a 429/Retry-After. */
  pausedMs: number
  /** Still paused at the end of the second. */
  paused: boolean
}

/** One wall-clock second of a run. */
export interface TimelineSecond {
  /** Unix time in seconds of the start of this wall-clock second. */
  t: number
  started: number
  completed: number
  /** Requests the arrival schedule had due in this second (open model); null in the closed model. */
  target: number | null
  /** Transport errors (no HTTP response). */
  errors: number
  errorKinds: Record<string, number>
  status: { '1xx': number, '2xx': number, '3xx': number, '4xx': number, '5xx': number }
  /** Requests in flight at the end of the second. */
  inFlight: number
  bytes: { sent: number, received: number }
  latency: { corrected: IntervalLatency, raw: IntervalLatency }
  /** Encoded interval HdrHistograms (µs), so timelines of shards merge into true percentiles. */
  histograms: { corrected: string, raw: string }
  /** send: lines settled this second, by outcome kind. */
  outcomes?: Record<string, number>
  /** send: per push-service origin. */
  origins?: Record<string, OriginSecond>
}

/**
 * Encoded hdr histograms (µs) of the responses a worker reported since its previous snapshot only: it
 * records into them besides its cumulative ones, and resets them after each snapshot.
 */
export interface IntervalHistograms {
  corrected: string
  raw: string
}

/** The run's counters a second is made of (the supervisor's totals, by slot name). */
type Counter = 'Started' | 'Completed' | 'Errors' | 'Status1xx' | 'Status2xx' | 'Status3xx' | 'Status4xx' | 'Status5xx' | 'InFlight' | 'BytesSent' | 'BytesReceived'

/** Cumulative totals at the end of a second. */
export interface TimelineTotals {
  counters: Readonly<Record<Counter, number>>
  errors: ErrorKinds
  perOrigin: Record<string, Record<string, number>>
  outcomes?: Record<string, number> | undefined
}

const ORIGIN_KEYS: ReadonlySet<string> = new Set(['requests', 'throttled'])

/** Builds the timeline on the main thread, one {@link close} per second. */
export class TimelineRecorder {
  readonly entries: TimelineSecond[] = []
  #corrected = createHistogram()
  #raw = createHistogram()
  #prev: TimelineTotals | null = null
  #lastT = -Infinity
  // Pauses per origin still relevant to the open second: [from, until) in epoch ms.
  readonly #pauses = new Map<string, Array<[number, number]>>()
  readonly #target: ((fromMs: number, toMs: number) => number) | null

  /** `target` gives the requests due between two epoch times, or null for a closed-model run. */
  constructor (target: ((fromMs: number, toMs: number) => number) | null) {
    this.#target = target
  }

  /** Adds a worker's interval histograms (from a snapshot) to the open second. */
  addInterval (interval: IntervalHistograms): void {
    if (interval.corrected !== '') this.#corrected.add(decodeHistogram(interval.corrected))
    if (interval.raw !== '') this.#raw.add(decodeHistogram(interval.raw))
  }

  /** An origin is paused from `fromMs` until `untilMs` (a 429 with Retry-After). */
  pause (origin: string, fromMs: number, untilMs: number): void {
    const list = this.#pauses.get(origin)
    if (list === undefined) this.#pauses.set(origin, [[fromMs, untilMs]])
    else list.push([fromMs, untilMs])
  }

  /** Origins paused at `nowMs`, with the end of their pause (live progress). */
  activePauses (nowMs: number): Array<{ origin: string, untilMs: number }> {
    const out: Array<{ origin: string, untilMs: number }> = []
    for (const [origin, list] of this.#pauses) {
      const until = Math.max(...list.map(([, b]) => b))
      if (until > nowMs) out.push({ origin, untilMs: until })
    }
    return out
  }

  /**
   * Closes the second that ends at (or contains) `nowMs`, from the cumulative totals at that moment.
   * `final`: the run ended; the partial current second is closed.
   */
  close (nowMs: number, totals: TimelineTotals, final = false): void {
    let t = Math.floor(nowMs / 1000) - (final ? 0 : 1)
    // A late timer or a final close right after a boundary must not reuse a second.
    if (t <= this.#lastT) t = this.#lastT + 1
    // The counts are differences since the last close, so a timer that fired seconds late (a busy machine)
    // puts the skipped seconds' requests in this entry; their target and pauses go with them, or the
    // target would no longer add up to the schedule.
    const from = Number.isFinite(this.#lastT) ? (this.#lastT + 1) * 1000 : -Infinity
    this.#lastT = t
    const to = t * 1000 + 1000
    const c = totals.counters
    const p = this.#prev?.counters
    const d = (k: Counter): number => c[k] - (p?.[k] ?? 0)
    const entry: TimelineSecond = {
      t,
      started: d('Started'),
      completed: d('Completed'),
      target: this.#target === null ? null : round3(this.#target(from, to)),
      errors: d('Errors'),
      errorKinds: diffKinds(totals.errors, this.#prev?.errors),
      status: { '1xx': d('Status1xx'), '2xx': d('Status2xx'), '3xx': d('Status3xx'), '4xx': d('Status4xx'), '5xx': d('Status5xx') },
      inFlight: c.InFlight,
      bytes: { sent: d('BytesSent'), received: d('BytesReceived') },
      latency: { corrected: intervalLatency(this.#corrected), raw: intervalLatency(this.#raw) },
      histograms: { corrected: encodeHistogram(this.#corrected), raw: encodeHistogram(this.#raw) }
    }
    if (totals.outcomes !== undefined) entry.outcomes = diffCounts(totals.outcomes, this.#prev?.outcomes)
    const origins = this.#origins(totals.perOrigin, from, to)
    if (origins !== undefined) entry.origins = origins
    this.entries.push(entry)
    this.#prev = structuredClone(totals)
    this.#corrected = createHistogram()
    this.#raw = createHistogram()
  }

  #origins (perOrigin: Record<string, Record<string, number>>, from: number, to: number): Record<string, OriginSecond> | undefined {
    const names = new Set([...Object.keys(perOrigin), ...this.#pauses.keys()])
    if (names.size === 0) return undefined
    const out: Record<string, OriginSecond> = {}
    for (const origin of names) {
      const now = perOrigin[origin] ?? {}
      const before = this.#prev?.perOrigin[origin] ?? {}
      const outcomes: Record<string, number> = {}
      for (const [k, v] of Object.entries(now)) {
        if (!ORIGIN_KEYS.has(k) && v - (before[k] ?? 0) > 0) outcomes[k] = v - (before[k] ?? 0)
      }
      const pauses = this.#pauses.get(origin) ?? []
      out[origin] = {
        requests: (now.requests ?? 0) - (before.requests ?? 0),
        throttled: (now.throttled ?? 0) - (before.throttled ?? 0),
        outcomes,
        pausedMs: pausedWithin(pauses, from, to),
        paused: pauses.some(([a, b]) => a < to && b > to)
      }
      const left = pauses.filter(([, b]) => b > to)
      if (left.length === 0) this.#pauses.delete(origin)
      else this.#pauses.set(origin, left)
    }
    return out
  }
}

/** Interval percentiles (ms) of a histogram in µs. */
export function intervalLatency (h: LatencyHistogram): IntervalLatency {
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0 }
  const ms = (us: number): number => Math.round(us) / 1000
  return { count: h.totalCount, p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)) }
}

// Overlapping pauses (several workers throttled by the same 429 burst) count once.
function pausedWithin (pauses: ReadonlyArray<[number, number]>, from: number, to: number): number {
  const clipped = pauses.map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0])
  let total = 0
  let end = from
  for (const [a, b] of clipped) {
    const start = Math.max(a, end)
    if (b > start) total += b - start
    end = Math.max(end, b)
  }
  return Math.round(total)
}

function diffKinds (now: ErrorKinds, before: ErrorKinds | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, e] of Object.entries(now)) {
    const n = e.count - (before?.[k]?.count ?? 0)
    if (n > 0) out[k] = n
  }
  return out
}

function diffCounts (now: Record<string, number>, before: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(now)) out[k] = v - (before?.[k] ?? 0)
  return out
}

function round3 (n: number): number {
  return Math.round(n * 1000) / 1000
}
