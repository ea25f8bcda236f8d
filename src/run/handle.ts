// The handle every run returns: a promise of the report plus a way to interrupt the run cleanly.
import type { Logger } from 'pino'
import type { ProgressSample } from '../engine/supervisor.js'
import type { Report } from '../report/report.js'

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
}
