// The worker protocol: every message between the supervisor (main thread) and a worker, and the layout of
// the SharedArrayBuffer both sides use for live counters. The statistics a message carries have the shapes
// the main thread merges them in (stats/); a workload's messages are its own (engine/workload.ts).
import type { SerializedError } from '../errors.js'
import type { Snapshot } from '../stats/snapshot.js'
import type { IntervalHistograms } from '../stats/timeline.js'
import type { EngineOptions } from './options.js'
import type { WorkloadSpec } from './workload.js'

/**
 * Counter slots of one worker's stripe. A worker is the only writer of its stripe and publishes its local
 * counters with `Atomics.store` every {@link FLUSH_INTERVAL_MS}; the supervisor reads with `Atomics.load`.
 * BigInt64 slots because byte counters overflow 32 bits within minutes at load-test rates.
 */
export const Slot = {
  Started: 0,
  Completed: 1,
  Status1xx: 2,
  Status2xx: 3,
  Status3xx: 4,
  Status4xx: 5,
  Status5xx: 6,
  Errors: 7,
  Timeouts: 8,
  Late: 9,
  Dropped: 10,
  InFlight: 11,
  BytesSent: 12,
  BytesReceived: 13,
  Retries: 14,
  ConnectionsOpened: 15,
  Starved: 16,
  Heartbeat: 17,
  Replayed: 18,
  Count: 19
} as const

/** Name of a counter slot. */
export type SlotName = Exclude<keyof typeof Slot, 'Count'>

/** Index of a counter slot. */
export type SlotIndex = (typeof Slot)[Exclude<keyof typeof Slot, 'Count'>]

/** How often a worker publishes its counters to the shared buffer. */
export const FLUSH_INTERVAL_MS = 100

/** How often a worker posts an encoded histogram snapshot (so a crash loses at most this much latency data). */
export const SNAPSHOT_INTERVAL_MS = 1000

/** Bytes of shared memory needed for `workers` stripes. */
export function sharedBufferBytes (workers: number): number {
  return workers * Slot.Count * BigInt64Array.BYTES_PER_ELEMENT
}

/** The view of one worker's stripe inside the shared buffer. */
export function stripe (sab: SharedArrayBuffer, workerIndex: number): BigInt64Array {
  return new BigInt64Array(sab, workerIndex * Slot.Count * BigInt64Array.BYTES_PER_ELEMENT, Slot.Count)
}

/** What a worker is started with (`workerData`). Must be structured-clone safe. */
export interface WorkerInit {
  workerIndex: number
  workers: number
  incarnation: number
  sab: SharedArrayBuffer
  engine: EngineOptions
  workload: WorkloadSpec
  logLevel: string
  prettyLogs: boolean
  /** Requests this worker slot already started in earlier incarnations (a restart continues the budget). */
  resumeStarted?: number
  /** Test hook: throw an uncaught error after this many completed requests (fault-injection tests). */
  crashAfter?: number
}

/** Messages from the supervisor to a worker. */
export type ToWorker =
  /** Start scheduling; `epochMs` is the shared absolute start (`performance.timeOrigin + performance.now()`). */
  | { type: 'start', epochMs: number }
  | { type: 'stop', graceMs: number }
  /** For the workload's source, from its feeder (engine/workload.ts); the engine carries `data` unread. */
  | { type: 'workload', data: unknown }

/** Messages from a worker to the supervisor. */
export type FromWorker =
  | { type: 'ready' }
  /** Every {@link SNAPSHOT_INTERVAL_MS}, and as `done` at the end: cumulative, plus the interval since the last one. */
  | { type: 'snapshot', snapshot: Snapshot<string>, interval: IntervalHistograms }
  /** For the workload's feeder, from its source; the engine carries `data` unread. */
  | { type: 'workload', data: unknown }
  | { type: 'done', snapshot: Snapshot<string>, interval: IntervalHistograms }
  | { type: 'fatal', error: SerializedError }
  /** The thread hit an uncaught exception and is exiting (after flushing what it knew). */
  | { type: 'crashing', error: SerializedError }
