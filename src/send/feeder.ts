// Main-thread side of send mode: streams the input, hands lines to workers in batches within a bounded
// window per worker (memory stays flat for any input size), records each line's outcome exactly once and
// re-queues the unacknowledged lines of a crashed worker.
import type { Logger } from 'pino'
import type { Feeder, FeederHost } from '../engine/workload.js'
import { OutcomeFlag, unpackOutcomes } from './outcome.js'
import type { Outcome, OutcomeKind } from './outcome.js'
import type { FromSendSource, ToSendSource, WorkItem } from './messages.js'
import type { OutcomeCounts } from '../report/report.js'
import type { LineRecord } from '../input/lines.js'
import type { OutcomeFiles } from './outcome-files.js'
import { LineState } from './line-states.js'
import { lineKey } from '../input/line-key.js'
import { outcomeRecord } from './outcome-record.js'
import { OutstandingLines } from './outstanding.js'
import type { ResumeState } from './resume.js'

/** Settings of a {@link SendFeeder}. */
export interface FeederOptions {
  input: AsyncIterable<LineRecord>
  files: OutcomeFiles | null
  /** Lines a worker may hold without an outcome. */
  windowPerWorker: number
  batchSize: number
  logger: Logger
  /** Called for every outcome (tests). */
  onOutcome?: ((o: Outcome) => void) | undefined
  /** Progress of earlier runs of the same send, and the journal of this one. */
  state?: ResumeState | undefined
  /** Send again the lines whose outcome is unknown (indeterminate) instead of skipping them. */
  resendIndeterminate?: boolean | undefined
  /** Keeps the lines of this run's shard (`--shard`); the others are only counted. */
  belongs?: ((rec: LineRecord) => boolean) | undefined
  /** Lines of the input when known (a file, counted in the background): % done and ETA. */
  totalLines?: Promise<number | undefined> | undefined
  /** A worker aborted a push service (consecutive 401/403); the run reports it. */
  onOriginAbort?: ((origin: string, reason: string) => void) | undefined
  /** The dispatch journal could not be written (disk full): the lines were not handed out; the run must stop. */
  onWriteError?: ((err: Error) => void) | undefined
}

const ATTEMPTS_RE = /"attempts":(\d+)/

/** The report count each outcome kind adds to. */
export const OUTCOME_COUNT_KEY: Readonly<Record<OutcomeKind, keyof OutcomeCounts>> = {
  sent: 'sent',
  expired: 'expired',
  failed: 'failed',
  invalid: 'invalid',
  'dry-run': 'dryRun',
  'not-attempted': 'notAttempted',
  indeterminate: 'indeterminate'
}

/** Feeds subscription lines to workers and accounts for every one of them. */
export class SendFeeder implements Feeder {
  readonly counts: OutcomeCounts = { read: 0, sent: 0, expired: 0, failed: 0, invalid: 0, dryRun: 0, notAttempted: 0, indeterminate: 0, skipped: 0 }
  /** Sent lines that may have arrived twice; failed lines that may have arrived (subsets of the counts). */
  readonly delivery = { possibleDuplicates: 0, deliveryUnknown: 0 }
  /** Line number of the last line read (for "stopped at line N"). */
  lastLine = 0
  /** Lines that belong to other shards: read, never sent, not in `counts`. */
  otherShardLines = 0
  inputComplete = false
  readonly #opts: FeederOptions
  #host: FeederHost | null = null
  #pending: WorkItem[] = []
  #outstanding: OutstandingLines[] = []
  #stopped = false
  #ended = false
  #wakeReader: (() => void) | null = null
  #rr = 0
  #readError: Error | null = null
  /** Lines of a worker that died: they may have been in flight there, so they are never undispatched. */
  readonly #lostInFlight = new Set<number>()

  #totalLines: number | undefined

  constructor (opts: FeederOptions) {
    this.#opts = opts
    void opts.totalLines?.then((n) => { this.#totalLines = n }, () => {})
  }

  /** An input read error (the run reports it and fails). */
  get readError (): Error | null {
    return this.#readError
  }

  start (host: FeederHost): void {
    this.#host = host
    this.#outstanding = Array.from({ length: host.workers }, () => new OutstandingLines(this.#opts.windowPerWorker))
    void this.#read().catch((err: unknown) => {
      this.#readError = err instanceof Error ? err : new Error(String(err))
      this.#opts.logger.error({ err: this.#readError }, 'reading the subscriptions failed; stopping')
      this.inputComplete = false
      this.#stopped = true
      this.#settlePending('not-attempted', 'input read error')
      this.#opts.files?.flush()
      this.#maybeEnd()
    })
  }

  onWorkerReady (worker: number): void {
    // A worker restarted after the input ended still needs to hear it, or it would wait forever.
    if (this.#ended) this.#post(worker, { type: 'end-of-input' })
    this.#dispatch()
  }

  onMessage (worker: number, data: unknown): void {
    const msg = data as FromSendSource
    switch (msg.type) {
      case 'outcomes':
        this.#onOutcomes(worker, unpackOutcomes(msg.batch))
        break
      case 'origin-throttle':
        this.#host?.originPaused(msg.origin, msg.untilMs)
        this.#broadcast({ type: 'origin-pause', origin: msg.origin, untilMs: msg.untilMs })
        break
      case 'origin-abort':
        this.#opts.onOriginAbort?.(msg.origin, msg.reason)
        this.#broadcast({ type: 'origin-abort', origin: msg.origin, reason: msg.reason })
    }
  }

  #onOutcomes (worker: number, outcomes: Outcome[]): void {
    const out = this.#outstanding[worker]
    const unattempted: string[] = []
    for (const o of outcomes) {
      const item = out?.take(o.lineNo)
      if (item === undefined) {
        this.#opts.logger.warn({ worker, line: o.lineNo }, 'outcome for a line this worker does not hold; ignored')
        continue
      }
      this.#record(o)
      // Given back by a clean stop before any attempt, or only encrypted by a dry run: a resume sends it (#11).
      if (item.key !== undefined && !this.#lostInFlight.has(o.lineNo) &&
        (o.kind === 'dry-run' || (o.kind === 'not-attempted' && ATTEMPTS_RE.exec(o.record)?.[1] === '0'))) unattempted.push(item.key)
    }
    this.#opts.files?.flush()
    this.#undispatch(unattempted)
    this.#dispatch()
    this.#maybeEnd()
  }

  onWorkerLost (worker: number, permanently: boolean): void {
    const out = this.#outstanding[worker]
    if (out === undefined || out.size === 0) return
    const items = out.takeAll()
    if (this.#stopped) {
      // Interrupted and the worker is gone: whatever it held may or may not have reached the service.
      for (const it of items) this.#record({ lineNo: it.lineNo, kind: 'indeterminate', record: outcomeRecord(it, { reason: 'worker ended during shutdown', attempts: it.attempts }, undefined, false) })
      this.#opts.files?.flush()
      this.#maybeEnd()
      return
    }
    this.#opts.logger.warn({ worker, lines: items.length, permanently }, 're-queueing the lines of a lost worker')
    if (this.#opts.state !== undefined) for (const it of items) this.#lostInFlight.add(it.lineNo)
    // The thread may have had any of them in flight when it died: a resend may duplicate.
    for (const it of items) it.maybeDelivered = true
    this.#pending.unshift(...items)
    this.#dispatch()
  }

  // By input position (line numbers count every physical line, as the line count does).
  progress (): { done: number, total: number | undefined } {
    return { done: this.inputComplete ? (this.#totalLines ?? this.lastLine) : this.lastLine, total: this.#totalLines }
  }

  timelineCounts (): Record<string, number> {
    return { ...this.counts }
  }

  stop (): void {
    if (this.#stopped) return
    this.#stopped = true
    this.#settlePending('not-attempted', 'stopped before sending')
    this.#opts.files?.flush()
    this.#wakeReader?.()
  }

  async #read (): Promise<void> {
    const { input, batchSize, files, belongs } = this.#opts
    for await (const rec of input) {
      if (this.#stopped) break
      if (belongs !== undefined && !belongs(rec)) {
        this.otherShardLines++
        continue
      }
      this.counts.read++
      this.lastLine = rec.lineNo
      if ('error' in rec) {
        // No key: a resume reads it again and finds it invalid again; nothing is sent either way.
        this.#record({ lineNo: rec.lineNo, kind: 'invalid', record: JSON.stringify({ line: rec.lineNo, reason: 'line-too-long', message: `line is longer than the limit (${rec.bytes} bytes seen)` }) })
        continue
      }
      const key = this.#opts.state === undefined ? undefined : lineKey(rec.text)
      if (key !== undefined && this.#alreadyHandled(rec.lineNo, key)) continue
      const item: WorkItem = key === undefined ? { lineNo: rec.lineNo, text: rec.text, attempts: 0 } : { lineNo: rec.lineNo, text: rec.text, attempts: 0, key }
      // --resend-indeterminate: an earlier run may have delivered it.
      if (this.#opts.resendIndeterminate === true && key !== undefined && this.#wasIndeterminate(key)) item.maybeDelivered = true
      this.#pending.push(item)
      if (this.#pending.length >= batchSize) {
        files?.flush()
        this.#dispatch()
      }
      while (!this.#stopped && this.#pending.length >= batchSize) await this.#waitForCredit()
    }
    if (!this.#stopped) this.inputComplete = true
    files?.flush()
    this.#dispatch()
    this.#maybeEnd()
  }

  // Resume: a line an earlier run settled is skipped; one it left in flight is indeterminate. Lines are
  // matched by key (endpoint): a PostgreSQL table that changed between runs cannot skip new rows.
  #alreadyHandled (lineNo: number, key: string): boolean {
    const state = this.#opts.state
    if (state === undefined || !state.resumed) return false
    const s = state.lines.get(key)
    if (s === LineState.New) return false
    if (s === LineState.Done) {
      this.counts.skipped++
      return true
    }
    if (this.#opts.resendIndeterminate === true) return false
    if (s === LineState.Indeterminate) {
      this.counts.skipped++
      return true
    }
    // Dispatched, never settled: the previous run was killed while this line was in flight.
    state.lines.raise(key, LineState.Indeterminate)
    this.#record({ lineNo, kind: 'indeterminate', record: outcomeRecord({ lineNo, key }, { reason: 'in flight when an earlier run was killed; use --resend-indeterminate to send it again' }, undefined, false) })
    return true
  }

  // An earlier run left this line in flight or indeterminate: sending it again may duplicate it.
  #wasIndeterminate (key: string): boolean {
    const state = this.#opts.state
    if (state === undefined || !state.resumed) return false
    const s = state.lines.get(key)
    return s !== LineState.New && s !== LineState.Done
  }

  async #waitForCredit (): Promise<void> {
    await new Promise<void>((resolve) => { this.#wakeReader = resolve })
    this.#wakeReader = null
  }

  // Hands pending lines to workers with free window, round-robin, in batches.
  #dispatch (): void {
    const host = this.#host
    if (host === null || this.#stopped) return
    const { batchSize, windowPerWorker } = this.#opts
    let progressed = true
    while (this.#pending.length > 0 && progressed) {
      progressed = false
      for (let n = 0; n < host.workers && this.#pending.length > 0; n++) {
        const w = this.#rr
        this.#rr = (this.#rr + 1) % host.workers
        const out = this.#outstanding[w] as OutstandingLines
        if (!host.canReceive(w)) continue
        const room = windowPerWorker - out.size
        // Wait for a whole batch of room unless the input is finished (keeps messages few and large).
        if (room < Math.min(batchSize, this.#pending.length)) continue
        const batch = this.#pending.splice(0, Math.min(room, batchSize))
        if (!this.#journal(batch)) return
        for (const it of batch) out.add(it)
        this.#post(w, { type: 'work', items: batch })
        progressed = true
      }
    }
    if (this.#pending.length < batchSize) this.#wakeReader?.()
  }

  // Journals a batch before it is handed out. When the journal cannot be written (disk full) the batch
  // goes back to the pending lines (never sent, so the stop reports it not-attempted) and the run stops.
  #journal (batch: WorkItem[]): boolean {
    const state = this.#opts.state
    if (state === undefined) return true
    try {
      state.journal(batch.map((it) => it.key as string))
      return true
    } catch (err) {
      this.#pending.unshift(...batch)
      this.#opts.onWriteError?.(err instanceof Error ? err : new Error(String(err)))
      return false
    }
  }

  #undispatch (keys: string[]): void {
    if (keys.length === 0) return
    try {
      this.#opts.state?.undispatch(keys)
    } catch {
      // Disk full: those lines stay "dispatched" in the journal and a resume reports them indeterminate.
    }
  }

  #record (o: Outcome): void {
    this.counts[OUTCOME_COUNT_KEY[o.kind]]++
    if (o.flags !== undefined) {
      if ((o.flags & OutcomeFlag.PossibleDuplicate) !== 0) this.delivery.possibleDuplicates++
      if ((o.flags & OutcomeFlag.DeliveryUnknown) !== 0) this.delivery.deliveryUnknown++
    }
    this.#opts.files?.write(o.kind, o.record)
    this.#opts.onOutcome?.(o)
  }

  #settlePending (kind: OutcomeKind, reason: string): void {
    // Not undispatched: pending lines were never journaled, except a lost worker's, which may have been
    // in flight when it died, so a resume must call them indeterminate.
    for (const it of this.#pending) this.#record({ lineNo: it.lineNo, kind, record: outcomeRecord(it, { reason, attempts: it.attempts }, undefined, false) })
    this.#pending = []
  }

  // Workers are told the input is over only when every line has an outcome: until then a crashed
  // worker's lines may still have to be handed to the others.
  #maybeEnd (): void {
    const host = this.#host
    if (host === null || this.#ended) return
    if (!this.inputComplete && !this.#stopped) return
    if (this.#pending.length > 0) {
      if (![...Array(host.workers).keys()].some((w) => host.canReceive(w))) {
        this.#settlePending('not-attempted', 'no worker left to send it')
      } else {
        return
      }
    }
    if (this.#outstanding.some((m) => m.size > 0)) return
    this.#ended = true
    for (let w = 0; w < host.workers; w++) this.#post(w, { type: 'end-of-input' })
  }

  #post (worker: number, msg: ToSendSource): void {
    this.#host?.post(worker, msg)
  }

  #broadcast (msg: ToSendSource): void {
    this.#host?.broadcast(msg)
  }
}
