// The handle every run returns: a promise of the report plus a way to interrupt the run cleanly.
import type { Logger } from 'pino'
import { Supervisor } from '../engine/supervisor.js'
import type { ProgressSample } from '../engine/supervisor.js'
import type { EngineOptions } from '../engine/options.js'
import type { Feeder, WorkloadSpec } from '../engine/workload.js'
import type { OutputSettings } from '../config/resolve.js'
import { DEFAULTS } from '../defaults.js'
import type { Report } from '../report/report.js'
import { createLogger } from '../log.js'

/** A run in progress. */
export interface RunHandle {
  /** Resolves with the report once the run finished or was interrupted; rejects on configuration errors. */
  readonly done: Promise<Report>
  /** Stops scheduling, lets in-flight requests finish for the grace period, then reports as interrupted. */
  stop: (signal?: NodeJS.Signals) => void
}

/** Optional observers and test hooks of a run. */
export interface RunHooks {
  logger?: Logger | undefined
  onProgress?: ((p: ProgressSample) => void) | undefined
  progressIntervalMs?: number | undefined
  /** Workers log human-readable lines (stderr is a terminal). */
  prettyLogs?: boolean | undefined
  /** Test hook: worker `worker` throws after `after` completed requests. */
  crashWorker?: { worker: number, after: number } | undefined
  /**
   * The run is the process's only job (the CLI sets it): the young generations of the whole process may then
   * be pinned, the main thread's included (engine/young-generation.ts).
   */
  ownsProcess?: boolean | undefined
}

/** The supervisor of a run and the logger it reports to, wired from the run's settings and hooks. */
export function createSupervisor (engine: EngineOptions, workload: WorkloadSpec, output: OutputSettings, hooks: RunHooks, feeder?: Feeder): { supervisor: Supervisor, logger: Logger } {
  const logger = hooks.logger ?? createLogger({ level: output.logLevel, pretty: false })
  const supervisor = new Supervisor({
    engine,
    workload,
    logger,
    logLevel: output.logLevel,
    prettyLogs: hooks.prettyLogs === true,
    progressIntervalMs: hooks.progressIntervalMs ?? 1000,
    onProgress: hooks.onProgress,
    maxRestarts: DEFAULTS.engine.maxRestarts,
    feeder,
    crashWorker: hooks.crashWorker,
    pinYoungGenerations: hooks.ownsProcess === true
  })
  return { supervisor, logger }
}

/** The engine settings every report lists (the command adds its own). */
export function engineSettings (e: EngineOptions): Record<string, unknown> {
  return {
    workers: e.workers,
    http: e.http,
    concurrency: e.concurrency,
    connections: e.connections ?? null,
    streams: e.streams,
    pipelining: e.pipelining,
    rate: e.rate ?? null,
    stages: e.stages,
    rampUpMs: e.rampUpMs,
    timeoutMs: e.timeoutMs,
    forceDns: e.forceDns
  }
}
