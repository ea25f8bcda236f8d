// The seam between the engine and a workload: everything the two sides agree on, in one place. The engine
// runs the workers, their connection pools, the request loop and the counters; a workload (load, send)
// decides what to request and what each answer means. A worker imports its workload from the module URL
// in WorkloadSpec, as piscina takes a filename, so the engine imports no workload.
import type { Dispatcher } from 'undici'
import type { Logger } from 'pino'
import type { ErrorKind } from './error-kind.js'
import type { OriginPool } from './pool.js'

export type { ErrorKind } from './error-kind.js'
export { isRetryable, mayHaveBeenDelivered } from './error-kind.js'
export type { OriginPool } from './pool.js'

/** The workload a run's workers load. Crosses into every worker through workerData: structured-clone safe. */
export interface WorkloadSpec {
  /** URL of a {@link WorkloadModule}, relative to `import.meta.url` so it holds in dist/ and in an installed package. */
  module: string
  /** The workload's own settings: {@link WorkerContext.job} in each worker; the engine never looks inside. */
  job: unknown
  /** Caps each worker's V8 young generation (MB) when the workload knows what its workers keep alive. */
  youngGenerationMb?: number
}

/** What a worker imports from {@link WorkloadSpec.module}. */
export interface WorkloadModule {
  /** Builds this worker's source; runs before the shared start, so slow preparation (DNS) is not latency. */
  createSource: (ctx: WorkerContext) => Promise<WorkerSource>
}

/** A request ready to be sent. `item` belongs to the workload (the engine never looks inside). */
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

/** Supplies requests to the loop and consumes their results. */
export interface RequestSource {
  /** The next request to start, or null if none is ready now. */
  next: () => Prepared | null
  /** True once no request will ever be ready again. */
  readonly exhausted: boolean
  /** Capture Retry-After and a body excerpt for error statuses. */
  readonly wantsDetails: boolean
  completed: (p: Prepared, r: ResponseInfo) => void
  /** `written`: the request was handed to a connection (it may have reached the server). */
  failed: (p: Prepared, err: Error, kind: ErrorKind, written: boolean) => void
  /** Installed by the engine; the source calls it when requests become ready after `next()` returned null. */
  wake: () => void
}

/** A workload's side inside one worker: a request source plus what the worker asks of it besides requests. */
export interface WorkerSource extends RequestSource {
  /**
   * Once a response's status is known, so is its outcome (send: the service accepted or refused the
   * message), and a body that fails after it still completes the request. Otherwise that is an error.
   */
  readonly statusDecides: boolean
  /** The source settles a protocol mismatch itself (send aborts that push service); otherwise it ends the run. */
  readonly settlesMismatch: boolean
  /** A message from the workload's {@link Feeder} on the main thread. */
  onMessage?: (msg: unknown) => void
  /** Interrupted: settle everything that is not in flight. */
  stop?: () => void
  /** Called once the loop has finished, and by a crashing thread, before the last snapshot (flush what is pending). */
  finish?: () => void
}

/** What a workload counts besides what the loop counts for every request. */
export interface WorkloadStats {
  /** One attempt was a retry of an earlier one. */
  retried: () => void
  /** Counts `key` (`requests`, `throttled`, an outcome kind) for `origin`: the per-origin timeline. */
  originCount: (origin: string, key: string) => void
}

/** What a workload's source gets from the worker it runs in. */
export interface WorkerContext {
  /** {@link WorkloadSpec.job}, as the main thread gave it. */
  job: unknown
  stats: WorkloadStats
  /** This worker's connection pool for an origin (one per origin, created on first use). */
  poolFor: (origin: string) => OriginPool
  /** Posts a message to the workload's {@link Feeder} on the main thread. */
  post: (msg: unknown) => void
  log: Logger
}

/** What the supervisor offers a workload's feeder on the main thread. */
export interface FeederHost {
  readonly workers: number
  /** False while a worker is restarting or after it gave up. */
  canReceive: (worker: number) => boolean
  /** Posts a message to one worker's source ({@link WorkerSource.onMessage}). */
  post: (worker: number, msg: unknown) => void
  broadcast: (msg: unknown) => void
  /** An origin is paused until `untilMs` (epoch ms, a 429's Retry-After): the timeline and the live progress show it. */
  originPaused: (origin: string, untilMs: number) => void
}

/** The main-thread side of a workload that hands work to the workers (send: the subscription lines). */
export interface Feeder {
  start: (host: FeederHost) => void
  onWorkerReady: (worker: number) => void
  /** A message a worker's source posted ({@link WorkerContext.post}). */
  onMessage: (worker: number, msg: unknown) => void
  /** The worker died: everything it had not acknowledged must be given to another worker. */
  onWorkerLost: (worker: number, permanently: boolean) => void
  /** Stop handing out work (interrupt). */
  stop: () => void
  /** Cumulative outcome counts for the per-second timeline. */
  timelineCounts?: () => Record<string, number>
  /** Input position for the live progress (% done, ETA). */
  progress?: () => { done: number, total: number | undefined }
}
