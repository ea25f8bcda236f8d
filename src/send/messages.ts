// What the send workload's two halves tell each other: the feeder on the main thread and the source in
// each worker. The engine carries these as the opaque `data` of its `workload` messages.
import type { OutcomeBatch } from './outcome.js'

/** One subscription line handed to a worker. */
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

/** Feeder → source. */
export type ToSendSource =
  | { type: 'work', items: WorkItem[] }
  | { type: 'end-of-input' }
  | { type: 'origin-pause', origin: string, untilMs: number }
  | { type: 'origin-abort', origin: string, reason: string }

/** Source → feeder. */
export type FromSendSource =
  | { type: 'outcomes', batch: OutcomeBatch }
  | { type: 'origin-throttle', origin: string, untilMs: number }
  | { type: 'origin-abort', origin: string, reason: string }
