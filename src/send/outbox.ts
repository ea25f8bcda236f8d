// A worker's outcomes leave it in batches, one message for many lines: the feeder journals and writes
// them in bulk, and the worker spends its time on requests rather than on postMessage.
import { packOutcomes } from './outcome.js'
import type { Outcome } from './outcome.js'
import type { FromSendSource } from './messages.js'

// Outcomes are posted in batches of this many (or after OUTCOME_FLUSH_MS). It must stay well below the
// feeder's window per worker (at least 256 lines): a worker whose whole window is settled but unposted
// gets no new lines until the timer fires, which capped a dry run at 256 lines per 50 ms.
const OUTCOME_BATCH = 64
const OUTCOME_FLUSH_MS = 50

/** Collects a worker's outcomes and posts them to the feeder in batches. */
export class OutcomeOutbox {
  readonly #post: (msg: FromSendSource) => void
  #outcomes: Outcome[] = []
  #timer: NodeJS.Timeout | null = null

  constructor (post: (msg: FromSendSource) => void) {
    this.#post = post
  }

  add (o: Outcome): void {
    this.#outcomes.push(o)
    if (this.#outcomes.length >= OUTCOME_BATCH) this.flush()
    else this.#timer ??= setTimeout(() => { this.flush() }, OUTCOME_FLUSH_MS)
  }

  /** Posts what is waiting now (a full batch, the timer, the end of the run). */
  flush (): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    if (this.#outcomes.length === 0) return
    const outcomes = this.#outcomes
    this.#outcomes = []
    this.#post({ type: 'outcomes', batch: packOutcomes(outcomes) })
  }
}
