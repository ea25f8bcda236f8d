// The per-worker request loop: closed model (keep N requests in flight, N ramping up) or open model (start
// requests on an absolute arrival schedule). It never blocks: every wait is a timer or an I/O callback.
import type { Dispatcher } from 'undici'
import { Slot } from './protocol.js'
import { errorKind, isConnectionLevel } from './error-kind.js'
import type { ErrorKind } from './error-kind.js'
import type { Connection, OriginPool } from './pool.js'
import type { ArrivalSchedule } from './schedule.js'
import type { WorkerStats } from '../stats/worker-stats.js'
import { recordMs } from '../stats/histogram.js'

/** A request ready to be sent. `item` belongs to the source (the engine never looks inside). */
export interface Prepared {
  pool: OriginPool
  opts: Dispatcher.DispatchOptions
  bodyBytes: number
  item: unknown
}

/** What the source learns about a response. Headers and body are only captured when it asks for details. */
export interface ResponseInfo {
  status: number
  retryAfter: string | null
  body: string
}

/** Supplies requests and consumes their results (load targets, or Web Push messages). */
export interface RequestSource {
  /** The next request to start, or null if none is ready now. */
  next: () => Prepared | null
  /** True once no request will ever be ready again. */
  readonly exhausted: boolean
  /** Capture Retry-After and a body excerpt for error statuses. */
  readonly wantsDetails: boolean
  completed: (p: Prepared, r: ResponseInfo) => void
  failed: (p: Prepared, err: Error, kind: ErrorKind) => void
  /** Installed by the engine; the source calls it when requests become ready after `next()` returned null. */
  wake: () => void
}

/** Scheduling settings of one worker's loop. */
export interface LoopConfig {
  concurrency: number
  /** Open model when set (this worker takes every `workers`-th event of the global schedule). */
  schedule: ArrivalSchedule | undefined
  workerIndex: number
  workers: number
  /** Closed model: time to reach full concurrency (stepwise, every {@link RAMP_TICK_MS}). */
  rampUpMs: number
  /** performance.now() value of the shared start. */
  t0: number
  /** Stop scheduling at t0 + durationMs. */
  durationMs: number | undefined
  /** This worker's request budget. */
  budget: number | undefined
}

/** Closed-model ramp granularity. */
export const RAMP_TICK_MS = 100
const BODY_EXCERPT_BYTES = 512
const MAX_EVENTS_PER_TURN = 2000
const CONNECT_BACKOFF_MS = 100

/** One in-flight request; it is also the undici dispatch handler, so no closure is allocated per request. */
class Inflight implements Dispatcher.DispatchHandler {
  conn: Connection | null = null
  status = 0
  retryAfter: string | null = null
  chunks: Buffer[] | null = null
  bytes = 0
  readonly loop: Loop
  readonly prepared: Prepared
  readonly intended: number
  readonly started: number

  constructor (loop: Loop, prepared: Prepared, intended: number, started: number) {
    this.loop = loop
    this.prepared = prepared
    this.intended = intended
    this.started = started
  }

  // undici 8 requires this method; a request that is replayed (GOAWAY, REFUSED_STREAM) starts again here.
  onRequestStart (): void {
    this.status = 0
    this.retryAfter = null
    this.chunks = null
    this.bytes = 0
  }

  onResponseStart (_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.status = statusCode
    if (statusCode >= 400 && this.loop.source.wantsDetails) {
      this.chunks = []
      const ra = headers['retry-after']
      if (ra !== undefined) this.retryAfter = Array.isArray(ra) ? (ra[0] ?? null) : ra
    }
  }

  onResponseData (_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length
    if (this.chunks !== null && this.bytes - chunk.length < BODY_EXCERPT_BYTES) this.chunks.push(chunk)
  }

  onResponseEnd (): void {
    this.loop.onComplete(this)
  }

  onResponseError (_controller: Dispatcher.DispatchController | null, err: Error): void {
    this.loop.onError(this, err)
  }
}

/** Runs one worker's requests until the budget, the duration or the source is exhausted, or until stopped. */
export class Loop {
  readonly source: RequestSource
  readonly #cfg: LoopConfig
  readonly #stats: WorkerStats
  inflight = 0
  started = 0
  #stopping = false
  #allowed: number
  #k = 0
  #backlog: number[] = []
  // One timer per purpose so that one kind of wait never hides another.
  #timer: NodeJS.Timeout | null = null
  #rampTimer: NodeJS.Timeout | null = null
  #pauseTimer: NodeJS.Timeout | null = null
  #endTimer: NodeJS.Timeout | null = null
  #pauseUntil = 0
  #pumpPending = false
  #done!: () => void
  readonly done: Promise<void>

  constructor (source: RequestSource, cfg: LoopConfig, stats: WorkerStats) {
    this.source = source
    this.#cfg = cfg
    this.#stats = stats
    this.#allowed = cfg.rampUpMs > 0 ? 0 : cfg.concurrency
    this.done = new Promise((resolve) => { this.#done = resolve })
    source.wake = () => { if (this.#cfg.schedule === undefined) this.#pumpClosed() }
  }

  /** Starts scheduling; `skipEventsUntil` lets a restarted worker continue the shared schedule from now. */
  start (): void {
    const now = performance.now()
    const { durationMs, t0, schedule } = this.#cfg
    if (durationMs !== undefined) {
      this.#endTimer = setTimeout(() => { this.stopScheduling() }, Math.max(0, t0 + durationMs - now))
    }
    if (schedule !== undefined) {
      // A worker restarted mid-run joins the schedule at the current time; events it missed are dropped.
      const missed = Math.floor(schedule.eventsBy(Math.max(0, now - t0)) / this.#cfg.workers)
      this.#k = missed
      this.#tickOpen()
    } else {
      this.#rampTick()
    }
  }

  /** Stops starting requests (in-flight ones finish); resolves `done` once nothing is in flight. */
  stopScheduling (): void {
    if (this.#stopping) return
    this.#stopping = true
    for (const t of [this.#timer, this.#rampTimer, this.#pauseTimer, this.#endTimer]) if (t !== null) clearTimeout(t)
    this.#timer = this.#rampTimer = this.#pauseTimer = this.#endTimer = null
    if (this.#backlog.length > 0) {
      this.#stats.add(Slot.Dropped, this.#backlog.length)
      this.#backlog = []
    }
    this.#checkDone()
  }

  #budgetLeft (): boolean {
    const b = this.#cfg.budget
    return b === undefined || this.started < b
  }

  #rampTick (): void {
    this.#rampTimer = null
    const { concurrency, rampUpMs, t0 } = this.#cfg
    if (rampUpMs > 0) {
      const elapsed = performance.now() - t0
      this.#allowed = Math.min(concurrency, Math.max(1, Math.ceil((concurrency * (elapsed + RAMP_TICK_MS)) / rampUpMs)))
      if (this.#allowed < concurrency && !this.#stopping) {
        this.#rampTimer = setTimeout(() => { this.#rampTick() }, RAMP_TICK_MS)
      }
    }
    this.#pumpClosed()
  }

  #pumpClosed (): void {
    if (this.#cfg.schedule !== undefined) return
    const now = performance.now()
    if (now < this.#pauseUntil) {
      // Backing off after a connection failure; the timer resumes pumping (and notices a spent budget).
      if (this.#pauseTimer === null && !this.#stopping) {
        this.#pauseTimer = setTimeout(() => { this.#pauseTimer = null; this.#pumpClosed() }, this.#pauseUntil - now)
      }
      // Already stopping (budget or duration reached) and this was the last request: nothing else will
      // call #checkDone, so skipping it here would leave the run waiting forever.
      this.#checkDone()
      return
    }
    // Prepare every request there is room for, then start them all: send's crypto runs back to back and
    // so do the dispatches. Alternating encrypt and dispatch per request cost more CPU on both sides (whole
    // process: send 1.19x, load h2 1.10x per request; benchmarks/ANALYSIS.md).
    const ready: Prepared[] = []
    const budget = this.#cfg.budget === undefined ? Infinity : this.#cfg.budget - this.started
    let spent = false
    while (!this.#stopping && this.inflight + ready.length < this.#allowed) {
      if (ready.length >= budget) {
        spent = true
        break
      }
      const p = this.source.next()
      if (p === null) break
      ready.push(p)
    }
    for (const p of ready) this.#launch(p, performance.now())
    if (spent) this.stopScheduling()
    this.#checkDone()
  }

  /** Completions only note the free slot; one pump per event-loop turn refills them all together. */
  #schedulePump (): void {
    if (this.#pumpPending) return
    this.#pumpPending = true
    setImmediate(this.#deferredPump)
  }

  readonly #deferredPump = (): void => {
    this.#pumpPending = false
    this.#pumpClosed()
  }

  #tickOpen (): void {
    this.#timer = null
    if (this.#stopping) return
    const sched = this.#cfg.schedule as ArrivalSchedule
    const { t0, workers, workerIndex, concurrency } = this.#cfg
    const now = performance.now()
    let processed = 0
    for (;;) {
      const due = t0 + sched.timeOf(this.#k * workers + workerIndex + 1)
      if (due === Infinity) {
        this.stopScheduling()
        return
      }
      if (due > now) {
        this.#timer = setTimeout(() => { this.#tickOpen() }, due - now)
        return
      }
      if (!this.#budgetLeft() || this.source.exhausted) {
        this.stopScheduling()
        return
      }
      this.#k++
      if (this.inflight < concurrency) {
        const p = this.source.next()
        if (p !== null) this.#launch(p, due)
        else this.#stats.add(Slot.Starved)
      } else if (this.#backlog.length < concurrency) {
        this.#backlog.push(due)
      } else {
        this.#stats.add(Slot.Dropped)
      }
      if (++processed >= MAX_EVENTS_PER_TURN) {
        // Let I/O callbacks run between bursts of a very high rate.
        this.#timer = setTimeout(() => { this.#tickOpen() }, 0)
        return
      }
    }
  }

  #launch (p: Prepared, intended: number): void {
    const now = performance.now()
    const req = new Inflight(this, p, intended, now)
    this.inflight++
    this.started++
    const stats = this.#stats
    stats.add(Slot.Started)
    stats.add(Slot.BytesSent, p.bodyBytes)
    if (this.#cfg.schedule !== undefined) recordMs(stats.lag, now - intended)
    p.pool.dispatch(p.opts, req)
  }

  /** Called by a finished request (response complete). */
  onComplete (req: Inflight): void {
    this.#release(req)
    const now = performance.now()
    this.#stats.response(req.status, now - req.intended, now - req.started)
    this.#stats.add(Slot.BytesReceived, req.bytes)
    const body = req.chunks === null ? '' : Buffer.concat(req.chunks).subarray(0, BODY_EXCERPT_BYTES).toString('utf8')
    this.source.completed(req.prepared, { status: req.status, retryAfter: req.retryAfter, body })
    this.#next()
  }

  /** Called by a failed request (transport error). */
  onError (req: Inflight, err: Error): void {
    this.#release(req)
    const kind = errorKind(err)
    this.#stats.error(kind, err.message)
    if (isConnectionLevel(kind)) this.#pauseUntil = performance.now() + CONNECT_BACKOFF_MS
    this.source.failed(req.prepared, err, kind)
    this.#next()
  }

  #release (req: Inflight): void {
    this.inflight--
    if (req.conn !== null) req.conn.inflight--
  }

  #next (): void {
    if (this.#cfg.schedule === undefined) {
      this.#schedulePump()
      return
    }
    if (!this.#stopping && this.#backlog.length > 0 && this.inflight < this.#cfg.concurrency) {
      const intended = this.#backlog.shift() as number
      const p = this.source.next()
      if (p !== null) {
        this.#stats.add(Slot.Late)
        this.#launch(p, intended)
      } else {
        this.#stats.add(Slot.Starved)
      }
    }
    this.#checkDone()
  }

  #checkDone (): void {
    if (this.inflight > 0) return
    if (this.#stopping || (this.source.exhausted && this.#backlog.length === 0)) {
      if (!this.#stopping) this.stopScheduling()
      this.#done()
    }
  }
}
