// The worker protocol: every message between the supervisor (main thread) and a worker, and the layout of
// the SharedArrayBuffer both sides use for live counters. Nothing else defines wire shapes.
import type { SerializedError } from '../errors.js'
import type { EngineOptions, JobSpec } from './options.js'

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
  job: JobSpec
  logLevel: string
  prettyLogs: boolean
  /** Requests this worker slot already started in earlier incarnations (a restart continues the budget). */
  resumeStarted?: number
  /** Test hook: throw an uncaught error after this many completed requests (fault-injection tests). */
  crashAfter?: number
}

/** One subscription line handed to a worker in send mode. */
export interface WorkItem {
  lineNo: number
  text: string
  /** Attempts already made for this line by a worker that crashed (kept so retries stay bounded). */
  attempts: number
  /** The line's key for resume (src/input/line-key.ts), when the send keeps state; copied into its outcome record. */
  key?: string
  /**
   * An earlier hand-over of this line may have reached the server (a crashed worker held it, or an earlier
   * run left it indeterminate and it is being sent again): its outcome must say it may be a duplicate.
   */
  maybeDelivered?: true
}

/** Messages from the supervisor to a worker. */
export type ToWorker =
  /** Start scheduling; `epochMs` is the shared absolute start (`performance.timeOrigin + performance.now()`). */
  | { type: 'start', epochMs: number }
  | { type: 'work', items: WorkItem[] }
  | { type: 'end-of-input' }
  | { type: 'stop', graceMs: number }
  | { type: 'origin-pause', origin: string, untilMs: number }
  | { type: 'origin-abort', origin: string, reason: string }

/** Per-kind error counts plus one sample message per kind. */
export type ErrorKinds = Record<string, { count: number, sample: string }>

/** A worker's cumulative statistics that do not fit in counters. Sent periodically and at the end. */
export interface WorkerSnapshot {
  /** Encoded hdr histograms (µs): latency from the intended send time, raw latency, start lag. */
  corrected: string
  raw: string
  lag: string
  errors: ErrorKinds
  statusCodes: Record<string, number>
  perAddress: Record<string, number>
  protocols: Record<string, number>
  /**
   * Encoded hdr histograms (µs) of the responses since the previous snapshot only (the per-second
   * timeline): the worker records into them as well and resets them after each snapshot.
   */
  interval: { corrected: string, raw: string }
  /**
   * Cumulative counts per origin and key (`requests`, `throttled`, an outcome kind); send fills it for the
   * per-push-service timeline and table.
   */
  perOrigin: Record<string, Record<string, number>>
}

/** Final outcome classes of a subscription line (send mode). */
export type OutcomeKind = 'sent' | 'expired' | 'failed' | 'invalid' | 'dry-run' | 'not-attempted' | 'indeterminate'

/** Bits of {@link Outcome.flags}: what the main thread counts besides the kind. */
export const OutcomeFlag = {
  /** Settled as delivered, but an earlier attempt may have been delivered too. */
  PossibleDuplicate: 1,
  /** Settled as not delivered (failed, indeterminate...), but some attempt may have been delivered. */
  DeliveryUnknown: 2
} as const

/** One line's final outcome; `record` is the NDJSON text written to the outcome file of its kind. */
export interface Outcome {
  lineNo: number
  kind: OutcomeKind
  record: string
  /** {@link OutcomeFlag} bits; absent when none. */
  flags?: number
}

/** Outcome kinds by their code in an {@link OutcomeBatch}. */
export const OUTCOME_KINDS: readonly OutcomeKind[] = ['sent', 'expired', 'failed', 'invalid', 'dry-run', 'not-attempted', 'indeterminate']

/**
 * Outcomes in the form that crosses the thread boundary: two typed arrays and one string instead of an
 * object per line (structured-cloning objects cost the worker ~2% of a message).
 */
export interface OutcomeBatch {
  lines: Uint32Array
  /** Index into {@link OUTCOME_KINDS}. */
  kinds: Uint8Array
  /** The records, joined by newlines (JSON text never contains a raw newline). */
  records: string
  /** {@link OutcomeFlag} bits per outcome. */
  flags: Uint8Array
}

/** Packs outcomes for postMessage. */
export function packOutcomes (outcomes: readonly Outcome[]): OutcomeBatch {
  const lines = new Uint32Array(outcomes.length)
  const kinds = new Uint8Array(outcomes.length)
  const flags = new Uint8Array(outcomes.length)
  const records: string[] = []
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i] as Outcome
    lines[i] = o.lineNo
    kinds[i] = OUTCOME_KINDS.indexOf(o.kind)
    flags[i] = o.flags ?? 0
    records.push(o.record)
  }
  return { lines, kinds, records: records.join('\n'), flags }
}

/** Unpacks a batch made by {@link packOutcomes}. */
export function unpackOutcomes (b: OutcomeBatch): Outcome[] {
  const records = b.records.split('\n')
  const out: Outcome[] = []
  for (let i = 0; i < b.lines.length; i++) {
    const o: Outcome = { lineNo: b.lines[i] as number, kind: OUTCOME_KINDS[b.kinds[i] as number] as OutcomeKind, record: records[i] as string }
    const flags = b.flags[i] ?? 0
    if (flags !== 0) o.flags = flags
    out.push(o)
  }
  return out
}

/** Messages from a worker to the supervisor. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'snapshot', snapshot: WorkerSnapshot }
  | { type: 'outcomes', batch: OutcomeBatch }
  | { type: 'origin-throttle', origin: string, untilMs: number }
  | { type: 'origin-abort', origin: string, reason: string }
  | { type: 'done', snapshot: WorkerSnapshot }
  | { type: 'fatal', error: SerializedError }
  /** The thread hit an uncaught exception and is exiting (after flushing what it knew). */
  | { type: 'crashing', error: SerializedError }
