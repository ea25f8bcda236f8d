// What earlier runs did to each input line, two bits per line (10 million lines fit in 2.5 MB).

/** State of a line as left by earlier runs. */
export const LineState = {
  /** Never handed to a worker. */
  New: 0,
  /** Handed to a worker (journaled) but no outcome was recorded: the run died with it in flight. */
  Dispatched: 1,
  /** Recorded as indeterminate: it may or may not have reached the push service. */
  Indeterminate: 2,
  /** Settled for good: sent, expired, failed or invalid. */
  Done: 3
} as const

/** One of {@link LineState}. */
export type LineStateValue = (typeof LineState)[keyof typeof LineState]

/** A growable array of 2-bit line states indexed by line number. */
export class LineStates {
  #bits = new Uint8Array(1 << 16)

  /** The state of `lineNo` (New when never set). */
  get (lineNo: number): LineStateValue {
    const byte = lineNo >>> 2
    if (byte >= this.#bits.length) return LineState.New
    return (((this.#bits[byte] as number) >>> ((lineNo & 3) << 1)) & 3) as LineStateValue
  }

  /** Raises the state of `lineNo` to `state`; a state never goes down (Done beats Indeterminate). */
  raise (lineNo: number, state: LineStateValue): void {
    if (this.get(lineNo) >= state) return
    const byte = lineNo >>> 2
    if (byte >= this.#bits.length) {
      let size = this.#bits.length
      while (size <= byte) size *= 2
      const grown = new Uint8Array(size)
      grown.set(this.#bits)
      this.#bits = grown
    }
    const shift = (lineNo & 3) << 1
    this.#bits[byte] = ((this.#bits[byte] as number) & ~(3 << shift)) | (state << shift)
  }

  /** Sets `lineNo` to exactly `state` (used when a resend overrides an indeterminate line). */
  set (lineNo: number, state: LineStateValue): void {
    const byte = lineNo >>> 2
    if (byte >= this.#bits.length) this.raise(lineNo, state)
    const shift = (lineNo & 3) << 1
    this.#bits[byte] = ((this.#bits[byte] as number) & ~(3 << shift)) | (state << shift)
  }
}
