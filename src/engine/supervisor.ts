// The main-thread side of a run: spawns one worker per requested core, starts them on a shared clock,
// relays a workload's messages between its feeder and its sources, reads live counters from shared
// memory, restarts crashed workers and merges their results.
//
// Plain worker_threads rather than piscina: piscina is a task-queue pool (a task runs to completion and
// returns one value), while these workers are long-lived, stateful (connections, histograms, a slot of
// shared memory each), stream messages both ways for the whole run and must be restarted in place with
// their unacknowledged work re-queued. Modelling that as pool tasks would fight the pool at every step.
import { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import { deserializeError, NotifySenderError } from '../errors.js'
import type { SerializedError } from '../errors.js'
import type { FromWorker, SlotName, ToWorker, WorkerInit } from './protocol.js'
import { SharedCounters } from './counters.js'
import type { EngineOptions } from './options.js'
import type { Feeder, FeederHost, WorkloadSpec } from './workload.js'
import { addErrorKinds, mergeSnapshots } from '../stats/merge.js'
import type { LatencyHistogram } from '../stats/histogram.js'
import type { Snapshot } from '../stats/snapshot.js'
import { TimelineRecorder } from '../stats/timeline.js'
import type { TimelineSecond, TimelineTotals } from '../stats/timeline.js'
import { runSchedule } from './schedule.js'
import { spawnWithPinnedYoungGenerations } from './young-generation.js'

/** Live totals, sampled once per progress interval. */
export interface ProgressSample {
  elapsedMs: number
  counters: Record<SlotName, number>
  /** Completed requests per second over the last interval. */
  rps: number
  workersAlive: number
  /** The last closed second of the timeline (live p50/p99), once there is one. */
  lastSecond?: TimelineSecond | undefined
  /** Origins paused by a 429/Retry-After right now, with the end of their pause (epoch ms). */
  throttled: Array<{ origin: string, untilMs: number }>
  /** Work done out of the total, when the feeder knows it (send: lines of a file). */
  work?: { done: number, total: number | undefined } | undefined
}

/** Supervisor settings. */
export interface SupervisorOptions {
  engine: EngineOptions
  workload: WorkloadSpec
  logger: Logger
  logLevel: string
  prettyLogs: boolean
  progressIntervalMs: number
  onProgress?: ((p: ProgressSample) => void) | undefined
  /** Restarts allowed per worker slot before it is given up. */
  maxRestarts: number
  feeder?: Feeder | undefined
  /** Test hook: make worker `worker` throw after `after` completed requests (first incarnation only). */
  crashWorker?: { worker: number, after: number } | undefined
  /**
   * The process runs nothing else: pin every young generation at the workload's cap (engine/young-generation.ts).
   * Off by default, because it changes V8's sizing for the whole process.
   */
  pinYoungGenerations?: boolean | undefined
}

/** Per-worker line of the result. */
export interface WorkerSummary {
  index: number
  restarts: number
  gaveUp: boolean
  counters: Record<SlotName, number>
  errors: SerializedError[]
}

/** Everything a finished (or interrupted) run measured. */
export interface SupervisorResult {
  startedAt: Date
  durationMs: number
  counters: Record<SlotName, number>
  merged: Omit<Snapshot<LatencyHistogram>, 'perOrigin'>
  workers: WorkerSummary[]
  /** One entry per wall-clock second; the entries add up to `counters` and `merged`. */
  timeline: TimelineSecond[]
}

interface SlotState {
  index: number
  worker: Worker | null
  incarnation: number
  restarts: number
  /** `crashed`: the thread failed and is exiting; nothing may be sent to it any more. */
  state: 'starting' | 'running' | 'crashed' | 'done' | 'gave-up'
  last: Snapshot<string> | null
  retired: Array<Snapshot<string>>
  errors: SerializedError[]
}

const WORKER_URL = new URL('./worker.js', import.meta.url)

/** Runs workers for one job and collects their results. */
export class Supervisor {
  readonly #opts: SupervisorOptions
  readonly #counters: SharedCounters
  readonly #slots: SlotState[]
  readonly #log: Logger
  #epochMs = 0
  #stopping = false
  #fatal: Error | null = null
  #finished!: () => void
  readonly #allDone: Promise<void>
  #killTimer: NodeJS.Timeout | null = null
  #timeline: TimelineRecorder | null = null
  #timelineTimer: NodeJS.Timeout | null = null
  #onStarted!: (startsInMs: number) => void
  /**
   * Resolves once every worker is ready and the shared start is set, with the milliseconds until that
   * start: a run's clock (`--duration`) counts from there, not from when the workers were spawned.
   */
  readonly started: Promise<number> = new Promise((resolve) => { this.#onStarted = resolve })

  constructor (opts: SupervisorOptions) {
    this.#opts = opts
    this.#log = opts.logger
    this.#counters = new SharedCounters(opts.engine.workers)
    this.#slots = Array.from({ length: opts.engine.workers }, (_, index) => ({
      index,
      worker: null,
      incarnation: 0,
      restarts: 0,
      state: 'starting',
      last: null,
      retired: [],
      errors: []
    }))
    this.#allDone = new Promise((resolve) => { this.#finished = resolve })
  }

  /** Spawns the workers, runs the job to completion and returns the merged result. */
  async run (): Promise<SupervisorResult> {
    const startedAt = new Date()
    const ready = this.#slots.map(async (s) => { await this.#spawn(s) })
    const all = Promise.all(ready)
    await Promise.race([all, this.#allDone])
    if (this.#fatal !== null) {
      await this.#terminateAll()
      throw this.#fatal
    }
    // A shared clock a little in the future so every worker starts its schedule at the same instant.
    this.#epochMs = performance.timeOrigin + performance.now() + 20
    for (const s of this.#slots) this.#post(s, { type: 'start', epochMs: this.#epochMs })
    this.#onStarted(this.#epochMs - (performance.timeOrigin + performance.now()))
    this.#startTimeline()
    this.#opts.feeder?.start(this.#host())
    for (const s of this.#slots) this.#opts.feeder?.onWorkerReady(s.index)
    const progress = this.#startProgress()
    await this.#allDone
    clearInterval(progress)
    if (this.#killTimer !== null) clearTimeout(this.#killTimer)
    if (this.#timelineTimer !== null) clearTimeout(this.#timelineTimer)
    if (this.#fatal !== null) {
      await this.#terminateAll()
      throw this.#fatal
    }
    this.#timeline?.close(Date.now(), this.#timelineTotals(), true)
    // Counted from the shared start, which is set a little in the future: a run stopped before it began
    // lasted 0 ms, not a negative time (#11).
    const durationMs = Math.max(0, performance.timeOrigin + performance.now() - this.#epochMs)
    return {
      startedAt,
      durationMs,
      counters: this.totals(),
      merged: mergeSnapshots(this.#slots.flatMap((s) => [...s.retired, ...(s.last === null ? [] : [s.last])])),
      workers: this.#slots.map((s) => ({
        index: s.index,
        restarts: s.restarts,
        gaveUp: s.state === 'gave-up',
        counters: this.#counters.of(s.index),
        errors: s.errors
      })),
      timeline: this.#timeline?.entries ?? []
    }
  }

  /** Stops scheduling everywhere; workers drain for `graceMs`, then are terminated. */
  stop (graceMs: number): void {
    if (this.#stopping) return
    this.#stopping = true
    this.#opts.feeder?.stop()
    for (const s of this.#slots) this.#post(s, { type: 'stop', graceMs })
    this.#killTimer = setTimeout(() => { void this.#terminateAll() }, graceMs + 2000)
    this.#killTimer.unref()
  }

  /** Current totals over every worker and every dead incarnation. */
  totals (): Record<SlotName, number> {
    return this.#counters.totals()
  }

  #host (): FeederHost {
    return {
      workers: this.#slots.length,
      canReceive: (i) => this.#slots[i]?.state === 'running' && this.#slots[i]?.worker !== null,
      post: (i, data) => { const s = this.#slots[i]; if (s !== undefined) this.#post(s, { type: 'workload', data }) },
      broadcast: (data) => { for (const s of this.#slots) this.#post(s, { type: 'workload', data }) },
      originPaused: (origin, untilMs) => { this.#timeline?.pause(origin, Date.now(), untilMs) }
    }
  }

  #post (s: SlotState, msg: ToWorker): void {
    if (s.worker !== null && (s.state === 'running' || s.state === 'starting')) s.worker.postMessage(msg)
  }

  async #spawn (s: SlotState): Promise<void> {
    const { engine, workload } = this.#opts
    const init: WorkerInit = {
      workerIndex: s.index,
      workers: engine.workers,
      incarnation: s.incarnation,
      sab: this.#counters.sab,
      engine,
      workload,
      logLevel: this.#opts.logLevel,
      prettyLogs: this.#opts.prettyLogs,
      resumeStarted: this.#counters.startedBefore(s.index)
    }
    const crash = this.#opts.crashWorker
    if (crash !== undefined && crash.worker === s.index && s.incarnation === 0) init.crashAfter = crash.after
    const youngMb = workload.youngGenerationMb
    const limits = youngMb === undefined ? {} : { resourceLimits: { maxYoungGenerationSizeMb: youngMb } }
    const create = (): Worker => new Worker(WORKER_URL, { workerData: init, ...limits })
    const worker = youngMb !== undefined && this.#opts.pinYoungGenerations === true ? spawnWithPinnedYoungGenerations(youngMb, create) : create()
    s.worker = worker
    s.state = 'starting'
    await new Promise<void>((resolve) => {
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          s.state = 'running'
          resolve()
          return
        }
        this.#onMessage(s, msg)
      })
      worker.on('error', (err) => {
        // Between 'error' and 'exit' the thread is gone for good: stop feeding it.
        if (s.state === 'running' || s.state === 'starting') s.state = 'crashed'
        s.errors.push({ name: err.name, code: (err as { code?: string }).code ?? 'NS_ERR_WORKER', message: err.message, stack: err.stack })
        this.#log.error({ worker: s.index, err }, 'worker crashed')
      })
      worker.on('exit', (code) => {
        resolve()
        this.#onExit(s, worker, code)
      })
    })
  }

  #onMessage (s: SlotState, msg: FromWorker): void {
    switch (msg.type) {
      case 'snapshot':
        s.last = msg.snapshot
        this.#timeline?.addInterval(msg.interval)
        break
      case 'done':
        s.last = msg.snapshot
        this.#timeline?.addInterval(msg.interval)
        s.state = 'done'
        this.#checkAllDone()
        break
      case 'workload':
        this.#opts.feeder?.onMessage(s.index, msg.data)
        break
      case 'crashing':
        if (s.state === 'running' || s.state === 'starting') s.state = 'crashed'
        s.errors.push(msg.error)
        this.#log.error({ worker: s.index, err: msg.error }, 'worker crashed')
        break
      case 'fatal':
        this.#fatal = deserializeError(msg.error)
        s.state = 'gave-up'
        this.#finished()
        break
    }
  }

  #onExit (s: SlotState, worker: Worker, code: number): void {
    if (s.worker !== worker) return
    s.worker = null
    if (s.state === 'done' || s.state === 'gave-up') {
      this.#checkAllDone()
      return
    }
    if (this.#stopping || this.#fatal !== null) {
      // Interrupted: keep what the last snapshot had; nothing will be restarted.
      s.state = 'done'
      this.#opts.feeder?.onWorkerLost(s.index, true)
      this.#checkAllDone()
      return
    }
    this.#retire(s)
    // Not 'running' any more: the lines re-queued below must go to live workers, not back to this slot.
    s.state = 'crashed'
    if (s.restarts >= this.#opts.maxRestarts) {
      s.state = 'gave-up'
      this.#log.error({ worker: s.index, restarts: s.restarts, code }, 'worker keeps crashing; giving up on it')
      this.#opts.feeder?.onWorkerLost(s.index, true)
      this.#checkAllDone()
      return
    }
    s.restarts++
    s.incarnation++
    this.#log.warn({ worker: s.index, code, restart: s.restarts }, 'worker exited unexpectedly; restarting it')
    this.#opts.feeder?.onWorkerLost(s.index, false)
    void this.#spawn(s).then(() => {
      if (s.state !== 'running') return
      this.#post(s, { type: 'start', epochMs: this.#epochMs })
      this.#opts.feeder?.onWorkerReady(s.index)
    })
  }

  // Folds a dead incarnation's counters and latest snapshot into the slot's history and clears its stripe.
  #retire (s: SlotState): void {
    this.#counters.retire(s.index)
    if (s.last !== null) s.retired.push(s.last)
    s.last = null
  }

  #checkAllDone (): void {
    if (this.#slots.every((s) => (s.state === 'done' || s.state === 'gave-up') && s.worker === null)) this.#finished()
    else if (this.#slots.every((s) => s.state === 'gave-up')) {
      this.#fatal ??= new NotifySenderError('every worker crashed repeatedly; see the log for the errors', 'NS_ERR_WORKER')
      this.#finished()
    }
  }

  // Closes one timeline second at each wall-clock second boundary (Date.now: the timelines of shards on
  // other machines merge by wall-clock second, and Retry-After pauses are in Date.now time too).
  #startTimeline (): void {
    const schedule = runSchedule(this.#opts.engine)
    const epoch = this.#epochMs
    const end = this.#opts.engine.durationMs
    const offset = (ms: number): number => Math.min(Math.max(ms - epoch, 0), end ?? Infinity)
    this.#timeline = new TimelineRecorder(schedule === undefined
      ? null
      : (from, to) => Math.max(0, schedule.eventsBy(offset(to)) - schedule.eventsBy(offset(from))))
    const next = (): void => {
      this.#timelineTimer = setTimeout(() => {
        this.#timeline?.close(Date.now(), this.#timelineTotals())
        next()
      }, 1000 - (Date.now() % 1000))
      this.#timelineTimer.unref()
    }
    next()
  }

  #timelineTotals (): TimelineTotals {
    const errors = {}
    const perOrigin: Record<string, Record<string, number>> = {}
    for (const s of this.#slots) {
      for (const snap of s.last === null ? s.retired : [...s.retired, s.last]) {
        addErrorKinds(errors, snap.errors)
        for (const [origin, counts] of Object.entries(snap.perOrigin)) {
          const o = perOrigin[origin] ??= {}
          for (const [k, v] of Object.entries(counts)) o[k] = (o[k] ?? 0) + v
        }
      }
    }
    return { counters: this.totals(), errors, perOrigin, outcomes: this.#opts.feeder?.timelineCounts?.() }
  }

  #startProgress (): NodeJS.Timeout {
    let lastAt = performance.now()
    let lastCompleted = 0
    const timer = setInterval(() => {
      const now = performance.now()
      const counters = this.totals()
      const rps = ((counters.Completed - lastCompleted) * 1000) / Math.max(1, now - lastAt)
      lastAt = now
      lastCompleted = counters.Completed
      this.#opts.onProgress?.({
        elapsedMs: performance.timeOrigin + now - this.#epochMs,
        counters,
        rps,
        workersAlive: this.#slots.filter((s) => s.state === 'running').length,
        lastSecond: this.#timeline?.entries.at(-1),
        throttled: this.#timeline?.activePauses(Date.now()) ?? [],
        work: this.#opts.feeder?.progress?.()
      })
    }, this.#opts.progressIntervalMs)
    timer.unref()
    return timer
  }

  async #terminateAll (): Promise<void> {
    await Promise.allSettled(this.#slots.map(async (s) => await s.worker?.terminate()))
  }
}
