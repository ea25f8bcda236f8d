// Open-model arrival schedule. Event times are computed in closed form from an absolute start so the
// schedule never drifts (k6's ramping-arrival-rate `cal()`), however late the timers fire.
import type { EngineOptions, Stage } from './options.js'

interface Segment {
  startMs: number
  durationMs: number
  fromRate: number
  toRate: number
  /** Events scheduled before this segment starts. */
  eventsBefore: number
}

/** Builds the stages of a run: explicit `stages`, or a linear ramp from 0 to `rate` and then `rate` forever. */
export function planStages (rate: number, rampUpMs: number, stages: readonly Stage[]): Stage[] {
  if (stages.length > 0) return [...stages]
  return rampUpMs > 0 ? [{ durationMs: rampUpMs, target: rate }] : []
}

/**
 * Piecewise-linear arrival rate: each stage ramps from the previous target (0 for the first) to its own
 * target; after the last stage the rate holds at `holdRate`.
 */
export class ArrivalSchedule {
  readonly #segments: Segment[] = []
  readonly #holdRate: number
  readonly #holdStartMs: number
  readonly #holdEventsBefore: number

  constructor (stages: readonly Stage[], holdRate: number) {
    let start = 0
    let events = 0
    let from = 0
    for (const s of stages) {
      this.#segments.push({ startMs: start, durationMs: s.durationMs, fromRate: from, toRate: s.target, eventsBefore: events })
      events += ((from + s.target) / 2) * (s.durationMs / 1000)
      start += s.durationMs
      from = s.target
    }
    this.#holdRate = holdRate
    this.#holdStartMs = start
    this.#holdEventsBefore = events
  }

  /** Length of the shaped part (sum of stages) in ms. */
  get stagesDurationMs (): number {
    return this.#holdStartMs
  }

  /** Offset in ms from the start at which the n-th event (n >= 1, fractional allowed) is due; Infinity if never. */
  timeOf (n: number): number {
    for (const seg of this.#segments) {
      const inSeg = n - seg.eventsBefore
      const segEvents = ((seg.fromRate + seg.toRate) / 2) * (seg.durationMs / 1000)
      if (inSeg > segEvents) continue
      return seg.startMs + solve(inSeg, seg.fromRate, seg.toRate, seg.durationMs / 1000) * 1000
    }
    if (this.#holdRate <= 0) return Infinity
    return this.#holdStartMs + ((n - this.#holdEventsBefore) / this.#holdRate) * 1000
  }

  /** Number of events due in [0, tMs] (for reports and tests). */
  eventsBy (tMs: number): number {
    let total = 0
    for (const seg of this.#segments) {
      const t = Math.min(Math.max(tMs - seg.startMs, 0), seg.durationMs) / 1000
      const d = seg.durationMs / 1000
      total += seg.fromRate * t + ((seg.toRate - seg.fromRate) * t * t) / (2 * d)
    }
    if (tMs > this.#holdStartMs) total += this.#holdRate * ((tMs - this.#holdStartMs) / 1000)
    return total
  }

  /** The instantaneous target rate (req/s) at tMs. */
  rateAt (tMs: number): number {
    for (const seg of this.#segments) {
      if (tMs < seg.startMs + seg.durationMs) {
        const f = (tMs - seg.startMs) / seg.durationMs
        return seg.fromRate + (seg.toRate - seg.fromRate) * Math.max(0, f)
      }
    }
    return this.#holdRate
  }
}

// Time t (s) within a segment at which `m` events have occurred, for a rate rising linearly from a to b over
// d seconds: solves a·t + (b−a)·t²/(2d) = m. Written as 2m / (a + sqrt(…)) to stay exact when a ≈ b.
function solve (m: number, a: number, b: number, d: number): number {
  if (m <= 0) return 0
  const disc = a * a + (2 * (b - a) * m) / d
  const denom = a + Math.sqrt(Math.max(disc, 0))
  return denom > 0 ? (2 * m) / denom : d
}

/** The arrival schedule a run's options describe (undefined = closed model); workers and the timeline share it. */
export function runSchedule (engine: Pick<EngineOptions, 'rate' | 'stages' | 'rampUpMs' | 'durationMs'>): ArrivalSchedule | undefined {
  const rate = engine.rate
  if (rate === undefined && engine.stages.length === 0) return undefined
  const stages = planStages(rate ?? 0, engine.rampUpMs, engine.stages)
  return new ArrivalSchedule(stages, rate ?? (engine.durationMs === undefined ? 0 : (stages.at(-1)?.target ?? 0)))
}
