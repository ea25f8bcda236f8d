// The lines one worker holds (handed over, no outcome yet), by line number: an open-addressing table in
// one array, allocated once. Not a Map (#12 item 8): a set and a delete for every line make V8 rebuild a
// Map's table every few hundred lines; once the Map is in the old generation each new table is allocated
// there too, and each replaced table, dead but still pointing at the lines it held, keeps them alive
// through young-generation GCs until the next full GC. In a 1M-line dry run that promoted ~320 bytes a
// line on the main thread, the old generation filled with dead tables and lines between full GCs, and the
// young generation, which V8 sizes by what survives it, grew to its maximum. Here nothing is allocated per
// line, and a slot is cleared when its line is taken.
import type { WorkItem } from './messages.js'

/** Lines handed to one worker and not settled yet, by line number. */
export class OutstandingLines {
  #slots: Array<WorkItem | undefined>
  #size = 0

  /** `window`: the most lines the worker may hold; the table grows if it ever holds more. */
  constructor (window: number) {
    this.#slots = OutstandingLines.#table(window)
  }

  get size (): number {
    return this.#size
  }

  add (item: WorkItem): void {
    // At most half full: probe runs stay short.
    if (2 * (this.#size + 1) > this.#slots.length) this.#grow()
    this.#put(this.#slots, item)
    this.#size++
  }

  /** Removes the line and returns it; undefined when it is not held. */
  take (lineNo: number): WorkItem | undefined {
    const slots = this.#slots
    const n = slots.length
    for (let i = lineNo % n; ; i = (i + 1) % n) {
      const it = slots[i]
      if (it === undefined) return undefined
      if (it.lineNo === lineNo) {
        this.#remove(i)
        this.#size--
        return it
      }
    }
  }

  /** Removes every line and returns them in line order. */
  takeAll (): WorkItem[] {
    const items = this.#slots.filter((it): it is WorkItem => it !== undefined)
    this.#slots.fill(undefined)
    this.#size = 0
    return items.sort((a, b) => a.lineNo - b.lineNo)
  }

  static #table (window: number): Array<WorkItem | undefined> {
    let n = 16
    while (n < 2 * window) n *= 2
    return new Array<WorkItem | undefined>(n).fill(undefined)
  }

  #put (slots: Array<WorkItem | undefined>, item: WorkItem): void {
    const n = slots.length
    let i = item.lineNo % n
    while (slots[i] !== undefined) i = (i + 1) % n
    slots[i] = item
  }

  // Backward-shift deletion (linear probing without tombstones): every later entry of the probe run that
  // would no longer be found from its home slot moves into the gap.
  #remove (gap: number): void {
    const slots = this.#slots
    const n = slots.length
    slots[gap] = undefined
    for (let j = (gap + 1) % n; ; j = (j + 1) % n) {
      const it = slots[j]
      if (it === undefined) return
      const home = it.lineNo % n
      const reachable = gap <= j ? gap < home && home <= j : gap < home || home <= j
      if (reachable) continue
      slots[gap] = it
      slots[j] = undefined
      gap = j
    }
  }

  #grow (): void {
    const old = this.#slots
    this.#slots = OutstandingLines.#table(old.length)
    for (const it of old) if (it !== undefined) this.#put(this.#slots, it)
  }
}
