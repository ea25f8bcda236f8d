// The main thread's view of the workers' counters: each worker's stripe of the shared buffer (its layout
// is in protocol.ts) plus what the slot's dead incarnations had counted, so a restart loses no count.
import { sharedBufferBytes, Slot, stripe } from './protocol.js'
import type { SlotName } from './protocol.js'

const SLOT_NAMES = Object.keys(Slot).filter((k) => k !== 'Count') as SlotName[]
// Gauges describe the present, not a history: they are not carried over from a dead incarnation.
const GAUGES: ReadonlySet<number> = new Set([Slot.InFlight, Slot.Heartbeat])

/** The counters of every worker slot, read with `Atomics.load`; the workers are their only writers. */
export class SharedCounters {
  /** The buffer the workers write to, one stripe each. */
  readonly sab: SharedArrayBuffer
  readonly #retired: Float64Array[]

  constructor (workers: number) {
    this.sab = new SharedArrayBuffer(sharedBufferBytes(workers))
    this.#retired = Array.from({ length: workers }, () => new Float64Array(Slot.Count))
  }

  /** Current totals over every worker and every dead incarnation. */
  totals (): Record<SlotName, number> {
    const sum = new Float64Array(Slot.Count)
    for (let w = 0; w < this.#retired.length; w++) {
      const c = this.#raw(w)
      for (let i = 0; i < Slot.Count; i++) sum[i] = (sum[i] as number) + (c[i] as number)
    }
    return named(sum)
  }

  /** One worker slot's counters, its dead incarnations included. */
  of (worker: number): Record<SlotName, number> {
    return named(this.#raw(worker))
  }

  /** Requests the slot's dead incarnations started: a restarted worker continues the budget from there. */
  startedBefore (worker: number): number {
    return this.#history(worker)[Slot.Started] as number
  }

  /** The slot's worker died: folds its stripe into the slot's history and clears it for the next one. */
  retire (worker: number): void {
    const view = stripe(this.sab, worker)
    const history = this.#history(worker)
    for (let i = 0; i < Slot.Count; i++) {
      if (!GAUGES.has(i)) history[i] = (history[i] as number) + Number(Atomics.load(view, i))
      Atomics.store(view, i, 0n)
    }
  }

  #raw (worker: number): Float64Array {
    const view = stripe(this.sab, worker)
    const out = Float64Array.from(this.#history(worker))
    for (let i = 0; i < Slot.Count; i++) out[i] = (out[i] as number) + Number(Atomics.load(view, i))
    return out
  }

  #history (worker: number): Float64Array {
    return this.#retired[worker] as Float64Array
  }
}

function named (values: Float64Array): Record<SlotName, number> {
  const out = {} as Record<SlotName, number>
  for (const name of SLOT_NAMES) out[name] = values[Slot[name]] as number
  return out
}
