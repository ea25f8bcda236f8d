// Messages held back per origin: behind the origin's first request while it is unanswered (its probe), or
// while the origin is paused by a 429. An origin's messages wait together, on one timer, and come back in
// the order they were parked.

interface Lot<T> {
  items: T[]
  timer: NodeJS.Timeout | null
}

/** Where a worker's send source parks messages until their origin lets them go. */
export class OriginParking<T> {
  readonly #lots = new Map<string, Lot<T>>()
  readonly #due: (items: T[]) => void
  #count = 0

  /** `due` gets an origin's messages back once the wait its first parked message set is over. */
  constructor (due: (items: T[]) => void) {
    this.#due = due
  }

  /** Messages parked, over every origin. */
  get size (): number {
    return this.#count
  }

  /** Parks `item` for `waitMs`; Infinity waits for {@link take} (an unanswered probe). */
  park (origin: string, item: T, waitMs: number): void {
    let lot = this.#lots.get(origin)
    if (lot === undefined) {
      lot = { items: [], timer: null }
      this.#lots.set(origin, lot)
    }
    lot.items.push(item)
    this.#count++
    if (lot.timer === null && waitMs !== Infinity) {
      const l = lot
      l.timer = setTimeout(() => {
        l.timer = null
        this.#due(this.#remove(origin, l))
      }, Math.max(1, waitMs))
    }
  }

  /** Takes an origin's messages back now: its state changed (probe answered, paused, aborted). */
  take (origin: string): T[] {
    const lot = this.#lots.get(origin)
    if (lot === undefined) return []
    if (lot.timer !== null) clearTimeout(lot.timer)
    return this.#remove(origin, lot)
  }

  /** Takes every message back, origin by origin (the run stops). */
  takeAll (): T[] {
    return [...this.#lots.keys()].flatMap((origin) => this.take(origin))
  }

  #remove (origin: string, lot: Lot<T>): T[] {
    this.#lots.delete(origin)
    this.#count -= lot.items.length
    return lot.items
  }
}
