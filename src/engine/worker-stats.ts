// Per-worker statistics. The hot path increments plain numbers; `flush()` publishes them to the worker's
// stripe of the shared buffer on a timer, so a request costs no Atomics operation at all.
import { Slot } from './protocol.js'
import type { SlotIndex } from './protocol.js'
import { createHistogram, encodeHistogram, recordMs } from '../stats/histogram.js'
import type { LatencyHistogram } from '../stats/histogram.js'
import type { ErrorKinds, Snapshot } from '../stats/snapshot.js'
import type { IntervalHistograms } from '../stats/timeline.js'

/** Counters, histograms and breakdowns of one worker incarnation. */
export class WorkerStats {
  readonly counters = new Float64Array(Slot.Count)
  readonly corrected: LatencyHistogram = createHistogram()
  readonly raw: LatencyHistogram = createHistogram()
  readonly lag: LatencyHistogram = createHistogram()
  // The timeline's interval histograms: a second record per response (no allocation), encoded and
  // reset once per snapshot, so the hot-path cost stays flat however long the run.
  readonly #intervalCorrected: LatencyHistogram = createHistogram()
  readonly #intervalRaw: LatencyHistogram = createHistogram()
  readonly perOrigin: Record<string, Record<string, number>> = Object.create(null) as Record<string, Record<string, number>>
  readonly errors: ErrorKinds = Object.create(null) as ErrorKinds
  readonly statusCodes: Record<string, number> = Object.create(null) as Record<string, number>
  readonly protocols: Record<string, number> = Object.create(null) as Record<string, number>
  readonly #stripe: BigInt64Array

  constructor (stripe: BigInt64Array) {
    this.#stripe = stripe
  }

  /** Adds to a counter. */
  add (slot: SlotIndex, n = 1): void {
    this.counters[slot] = (this.counters[slot] as number) + n
  }

  /** Sets a gauge (in-flight requests). */
  set (slot: SlotIndex, v: number): void {
    this.counters[slot] = v
  }

  /** Records a response: status class, status code and both latencies (ms). */
  response (status: number, correctedMs: number, rawMs: number): void {
    const c = this.counters
    c[Slot.Completed] = (c[Slot.Completed] as number) + 1
    const cls = status >= 200 && status < 300
      ? Slot.Status2xx
      : status >= 400 && status < 500 ? Slot.Status4xx : status >= 500 ? Slot.Status5xx : status >= 300 ? Slot.Status3xx : Slot.Status1xx
    c[cls] = (c[cls] as number) + 1
    this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1
    recordMs(this.corrected, correctedMs)
    recordMs(this.raw, rawMs)
    recordMs(this.#intervalCorrected, correctedMs)
    recordMs(this.#intervalRaw, rawMs)
  }

  /** One attempt was a retry of an earlier one. */
  retried (): void {
    this.add(Slot.Retries)
  }

  /** Counts `key` (`requests`, `throttled`, an outcome kind) for `origin` (send: per push service). */
  originCount (origin: string, key: string): void {
    const o = this.perOrigin[origin] ??= Object.create(null) as Record<string, number>
    o[key] = (o[key] ?? 0) + 1
  }

  /** Records a failed request by error kind, keeping the first message of each kind as a sample. */
  error (kind: string, message: string): void {
    const c = this.counters
    c[Slot.Completed] = (c[Slot.Completed] as number) + 1
    c[Slot.Errors] = (c[Slot.Errors] as number) + 1
    if (kind === 'timeout') c[Slot.Timeouts] = (c[Slot.Timeouts] as number) + 1
    const e = this.errors[kind]
    if (e === undefined) this.errors[kind] = { count: 1, sample: message.slice(0, 300) }
    else e.count++
  }

  /** Publishes the counters to the shared stripe (single writer: plain stores, no read-modify-write). */
  flush (): void {
    const c = this.counters
    const s = this.#stripe
    for (let i = 0; i < Slot.Count; i++) Atomics.store(s, i, BigInt(Math.trunc(c[i] as number)))
  }

  /** Everything the supervisor cannot read from the shared buffer, since the incarnation started. */
  snapshot (perAddress: Record<string, number>): Snapshot<string> {
    return {
      perOrigin: structuredClone(this.perOrigin),
      corrected: encodeHistogram(this.corrected),
      raw: encodeHistogram(this.raw),
      lag: encodeHistogram(this.lag),
      errors: structuredClone(this.errors),
      statusCodes: { ...this.statusCodes },
      perAddress,
      protocols: { ...this.protocols }
    }
  }

  /** The responses since the previous call (the timeline's second); starts the next interval. */
  interval (): IntervalHistograms {
    const interval = { corrected: encodeHistogram(this.#intervalCorrected), raw: encodeHistogram(this.#intervalRaw) }
    this.#intervalCorrected.reset()
    this.#intervalRaw.reset()
    return interval
  }
}
