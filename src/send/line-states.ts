// What earlier runs did to each input line, by line key (src/input/line-key.ts), so a resume matches lines
// by content. Only a resume loads it; a fresh run keeps it empty.

/** State of a line as left by earlier runs. */
export const LineState = {
  /** Never handed to a worker, or handed and given back unattempted. */
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

/** Line states by key. */
export class LineStates {
  readonly #map = new Map<string, LineStateValue>()

  /** The state of `key` (New when never set). */
  get (key: string): LineStateValue {
    return this.#map.get(key) ?? LineState.New
  }

  /** Raises the state of `key` to `state`; a state never goes down (Done beats Indeterminate). */
  raise (key: string, state: LineStateValue): void {
    if (this.get(key) < state) this.#map.set(key, state)
  }

  /** Sets `key` to exactly `state` (a line given back unattempted, a failed line sent again). */
  set (key: string, state: LineStateValue): void {
    if (state === LineState.New) this.#map.delete(key)
    else this.#map.set(key, state)
  }
}
