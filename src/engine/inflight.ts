// One in-flight request of the loop (loop.ts): the undici 8 dispatch handler that tracks what came back,
// holds the DispatchController that can abort it, and links it into the loop's list of requests.
import type { Dispatcher } from 'undici'
import { NotifySenderError } from '../errors.js'
import type { Connection } from './pool.js'
import type { Prepared } from './workload.js'

/** Bytes of an error response's body kept for the outcome record. */
export const BODY_EXCERPT_BYTES = 512

/** What a request reports to: the loop that started it (loop.ts), seen only through what a request needs. */
export interface RequestOwner {
  /** Capture Retry-After and a body excerpt for error statuses. */
  readonly wantsDetails: boolean
  readonly maxResponseBytes: number | undefined
  readonly statusDecides: boolean
  onReplay: () => void
  onComplete: (req: Inflight) => void
  onError: (req: Inflight, err: Error) => void
  cut: (req: Inflight, err: Error) => void
}

/** One in-flight request; it is also the undici dispatch handler, so no closure is allocated per request. */
export class Inflight implements Dispatcher.DispatchHandler {
  conn: Connection | null = null
  status = 0
  retryAfter: string | null = null
  chunks: Buffer[] | null = null
  bytes = 0
  writes = 0
  /** Set by undici when the request is written; aborts it (and its stream or connection) later. */
  controller: Dispatcher.DispatchController | null = null
  /** performance.now() of the latest write: the per-request deadline counts from there. */
  writtenAt = 0
  /** The loop already decided the outcome (deadline, body cap): later undici callbacks are ignored. */
  settled = false
  // Intrusive list of the loop's in-flight requests (no allocation to track them).
  prev: Inflight | null = null
  next: Inflight | null = null
  readonly loop: RequestOwner
  readonly prepared: Prepared
  readonly intended: number
  readonly started: number

  constructor (loop: RequestOwner, prepared: Prepared, intended: number, started: number) {
    this.loop = loop
    this.prepared = prepared
    this.intended = intended
    this.started = started
  }

  // undici 8 calls this for every write of the request: again when it replays a stream the server did not
  // process (above a GOAWAY's last-stream-id, or refused once with REFUSED_STREAM).
  onRequestStart (controller: Dispatcher.DispatchController): void {
    if (++this.writes > 1) this.loop.onReplay()
    this.controller = controller
    this.writtenAt = performance.now()
    this.status = 0
    this.retryAfter = null
    this.chunks = null
    this.bytes = 0
  }

  onResponseStart (_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.status = statusCode
    if (statusCode >= 400 && this.loop.wantsDetails) {
      this.chunks = []
      const ra = headers['retry-after']
      if (ra !== undefined) this.retryAfter = Array.isArray(ra) ? (ra[0] ?? null) : ra
    }
  }

  onResponseData (_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return
    this.bytes += chunk.length
    if (this.chunks !== null && this.bytes - chunk.length < BODY_EXCERPT_BYTES) this.chunks.push(chunk)
    const cap = this.loop.maxResponseBytes
    // The status is known, so the outcome is too: the rest of an oversized body is not worth reading (#12).
    if (cap !== undefined && this.bytes > cap) this.loop.cut(this, new NotifySenderError(`response body exceeds ${cap} bytes; the rest was not read`, 'NS_ERR_RESPONSE_TOO_LARGE'))
  }

  onResponseEnd (): void {
    if (!this.settled) this.loop.onComplete(this)
  }

  onResponseError (_controller: Dispatcher.DispatchController | null, err: Error): void {
    if (this.settled) return
    if (this.status > 0 && this.loop.statusDecides) this.loop.cut(this, err)
    else this.loop.onError(this, err)
  }
}
