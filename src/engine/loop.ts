// The per-worker request loop: closed model (keep N requests in flight, N ramping up) or open model (start
// requests on an absolute arrival schedule). It never blocks: every wait is a timer or an I/O callback.
import { Slot } from './protocol.js'
import { errorKind, isConnectionLevel } from './error-kind.js'
import type { ArrivalSchedule } from './schedule.js'
import type { WorkerStats } from './worker-stats.js'
import { recordMs } from '../stats/histogram.js'
import { NotifySenderError } from '../errors.js'
import { BODY_EXCERPT_BYTES, Inflight } from './inflight.js'
import type { RequestOwner } from './inflight.js'
import type { Prepared, RequestSource } from './workload.js'

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
  /** Total time one request may take once written (headers and the whole body), from `--timeout`. */
  timeoutMs: number
  /** Response body bytes read before the outcome is settled and the rest dropped; undefined = no cap. */
  maxResponseBytes: number | undefined
  /**
   * Once the status is known the request's outcome is (send: the service accepted or refused the message),
   * so a failure while reading the body still completes it. Load counts such a failure as an error.
   */
  statusDecides: boolean
  /** After `durationMs`, how long in-flight requests may finish before everything is aborted. */
  graceMs: number
  /** Fails what is queued inside the transport (never written) at the hard deadline. */
  abortQueued: (err: Error) => void
  /** A configuration error no retry can fix (protocol mismatch): the run must end with it. */
  onFatal: ((err: Error) => void) | undefined
}

/** Closed-model ramp granularity. */
export const RAMP_TICK_MS = 100
const MAX_EVENTS_PER_TURN = 2000
const CONNECT_BACKOFF_MS = 100
// The per-request deadline is checked by one sweep per worker rather than a timer per request.
const MAX_SWEEP_MS = 250
const MIN_SWEEP_MS = 10

/** Runs one worker's requests until the budget, the duration or the source is exhausted, or until stopped. */
export class Loop implements RequestOwner {
  readonly source: RequestSource
  readonly wantsDetails: boolean
  readonly maxResponseBytes: number | undefined
  readonly statusDecides: boolean
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
  #hardTimer: NodeJS.Timeout | null = null
  #sweepTimer: NodeJS.Timeout | null = null
  #head: Inflight | null = null
  #tail: Inflight | null = null
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
    this.wantsDetails = source.wantsDetails
    this.maxResponseBytes = cfg.maxResponseBytes
    this.statusDecides = cfg.statusDecides
    source.wake = () => { if (this.#cfg.schedule === undefined) this.#pumpClosed() }
  }

  /** Starts scheduling; `skipEventsUntil` lets a restarted worker continue the shared schedule from now. */
  start (): void {
    const now = performance.now()
    const { durationMs, t0, schedule } = this.#cfg
    if (durationMs !== undefined) {
      this.#endTimer = setTimeout(() => { this.stopScheduling() }, Math.max(0, t0 + durationMs - now))
      // Every run is bounded (#11): what is still queued or in flight once the grace period after
      // --duration is over is aborted, instead of waiting on a server that never answers.
      this.#hardTimer = setTimeout(() => {
        this.#hardTimer = null
        this.abortAll(new NotifySenderError(`aborted at the hard deadline (--duration ${durationMs} ms + --grace ${this.#cfg.graceMs} ms)`, 'NS_ERR_DEADLINE'))
      }, Math.max(0, t0 + durationMs + this.#cfg.graceMs - now))
    }
    const sweepMs = Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, Math.floor(this.#cfg.timeoutMs / 10)))
    this.#sweepTimer = setInterval(() => { this.#sweep() }, sweepMs)
    if (schedule !== undefined) {
      // A worker restarted mid-run joins the schedule at the current time; events it missed are dropped.
      const missed = Math.floor(schedule.eventsBy(Math.max(0, now - t0)) / this.#cfg.workers)
      this.#k = missed
      this.#tickOpen()
    } else {
      this.#rampTick()
    }
  }

  /**
   * Stops starting requests (in-flight ones finish); resolves `done` once nothing is in flight. `cut`: the
   * run was cut short (duration reached, stop requested) rather than having run out of work or budget, so
   * scheduled events that came due but were never processed — the worker was starved of CPU — count as
   * dropped instead of vanishing from the accounting.
   */
  stopScheduling (cut = true): void {
    if (this.#stopping) return
    this.#stopping = true
    for (const t of [this.#timer, this.#rampTimer, this.#pauseTimer, this.#endTimer]) if (t !== null) clearTimeout(t)
    this.#timer = this.#rampTimer = this.#pauseTimer = this.#endTimer = null
    const dropped = this.#backlog.length + (cut ? this.#unprocessedDue() : 0)
    if (dropped > 0) this.#stats.add(Slot.Dropped, dropped)
    this.#backlog = []
    this.#checkDone()
  }

  // This worker's share of the open-model events due by now (or by the end of --duration; an event due at
  // the very instant the run ends is not owed), minus those it processed.
  #unprocessedDue (): number {
    const { schedule, t0, durationMs, workers, workerIndex, budget } = this.#cfg
    if (schedule === undefined) return 0
    const elapsed = Math.min(performance.now() - t0, (durationMs ?? Infinity) - 1)
    const due = Math.floor(schedule.eventsBy(Math.max(0, elapsed)))
    let mine = due > workerIndex ? Math.floor((due - workerIndex - 1) / workers) + 1 : 0
    if (budget !== undefined) mine = Math.min(mine, budget)
    return Math.max(0, mine - this.#k)
  }

  /**
   * Ends every request now: those already written are aborted through their undici controller (a known
   * status still completes them), those queued inside the transport fail with `err` unwritten.
   */
  abortAll (err: Error): void {
    this.stopScheduling()
    for (let r = this.#head; r !== null; r = r.next) {
      if (r.controller !== null && !r.settled) this.cut(r, err)
    }
    this.#cfg.abortQueued(err)
  }

  /**
   * Settles a written request before undici is done with it (deadline, body cap, abort, a body that
   * failed): with a status it completes (the service answered; a late, broken or oversized body does not
   * change that, #12), without one it fails with `err`. Called from inside undici callbacks too, so the
   * loop continues once the stack unwinds.
   */
  cut (req: Inflight, err: Error): void {
    if (req.settled) return
    req.settled = true
    req.controller?.abort(err)
    queueMicrotask(() => {
      if (req.status > 0 && (this.statusDecides || (err as { code?: unknown }).code === 'NS_ERR_RESPONSE_TOO_LARGE')) this.onComplete(req)
      else this.onError(req, err)
    })
  }

  // One pass over the in-flight requests: those written longer than --timeout ago are cut (#12: a body
  // trickling one byte per second must not hold a request, and the run, forever).
  #sweep (): void {
    const limit = performance.now() - this.#cfg.timeoutMs
    for (let r = this.#head; r !== null; r = r.next) {
      if (r.controller !== null && !r.settled && r.writtenAt < limit) {
        this.cut(r, new NotifySenderError(`no complete response within --timeout (${this.#cfg.timeoutMs} ms)`, 'NS_ERR_TIMEOUT'))
      }
    }
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
    if (spent) this.stopScheduling(false)
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
        this.stopScheduling(false)
        return
      }
      if (due > now) {
        this.#timer = setTimeout(() => { this.#tickOpen() }, due - now)
        return
      }
      if (!this.#budgetLeft() || this.source.exhausted) {
        this.stopScheduling(false)
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
    if (this.#tail === null) this.#head = req
    else {
      this.#tail.next = req
      req.prev = this.#tail
    }
    this.#tail = req
    this.inflight++
    this.started++
    const stats = this.#stats
    stats.add(Slot.Started)
    stats.add(Slot.BytesSent, p.bodyBytes)
    if (this.#cfg.schedule !== undefined) recordMs(stats.lag, now - intended)
    p.pool.dispatch(p.opts, req)
  }

  /** Called when the transport sends a request again that the server did not process. */
  onReplay (): void {
    this.#stats.add(Slot.Replayed)
  }

  /** Called by a finished request (response complete). */
  onComplete (req: Inflight): void {
    this.#release(req)
    if (req.conn !== null) req.conn.answered = true
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
    let kind = errorKind(err)
    if (kind === 'protocol') {
      if (req.conn?.answered === true) {
        // The connection worked before: a peer that broke HTTP/2 mid-session, not a mismatch.
        kind = 'session_error'
      } else {
        err = req.prepared.pool.mismatch(err)
        this.#cfg.onFatal?.(err)
      }
    }
    this.#stats.error(kind, err.message)
    if (isConnectionLevel(kind)) this.#pauseUntil = performance.now() + CONNECT_BACKOFF_MS
    this.source.failed(req.prepared, err, kind, req.writes > 0)
    // undici (7, and 8.13 still) fails queued requests from its client's onError and then asserts that its
    // queue is empty (`assert(client[kSize] === 0)`): dispatching synchronously from here crashes the
    // worker (the connection-reset test in send-faults shows it). Start the next request once the stack
    // unwinds, and not from a microtask: undici fails a request on a destroyed HTTP/2 session inside
    // dispatch(), and a microtask chain of such failures starved every timer, --duration's included (#11).
    setImmediate(this.#nextAfterError)
  }

  readonly #nextAfterError = (): void => { this.#next() }

  #release (req: Inflight): void {
    this.inflight--
    if (req.conn !== null) req.conn.inflight--
    if (req.prev === null) this.#head = req.next
    else req.prev.next = req.next
    if (req.next === null) this.#tail = req.prev
    else req.next.prev = req.prev
    req.prev = req.next = null
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
      if (!this.#stopping) this.stopScheduling(false)
      for (const t of [this.#hardTimer, this.#sweepTimer]) if (t !== null) clearTimeout(t)
      this.#hardTimer = this.#sweepTimer = null
      this.#done()
    }
  }
}
