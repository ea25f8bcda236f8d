// Web Push inside a worker: turns subscription lines into encrypted, VAPID-signed requests, decides retries
// and reports exactly one outcome per line. Crypto happens here, on the worker's core, right before the
// request is started, so a message waiting for a retry or a throttled origin costs no CPU.
import type { Dispatcher } from 'undici'
import { isRetryable, mayHaveBeenDelivered } from '../engine/workload.js'
import type { ErrorKind, Prepared, ResponseInfo, WorkerContext, WorkerSource } from '../engine/workload.js'
import { OutcomeFlag } from './outcome.js'
import type { Outcome, OutcomeKind } from './outcome.js'
import { OutcomeOutbox } from './outbox.js'
import { OriginParking } from './origin-parking.js'
import type { SendJob } from './job.js'
import type { FromSendSource, ToSendSource, WorkItem } from './messages.js'
import { compileEndpointPolicy } from '../webpush/endpoint-policy.js'
import type { CompiledPolicy } from '../webpush/endpoint-policy.js'
import { parseSubscriptionLine } from '../webpush/subscription.js'
import type { Subscription } from '../webpush/subscription.js'
import { encryptPayload, MAX_PLAINTEXT_BYTES } from '../webpush/encrypt.js'
import { VapidSigner } from '../webpush/vapid.js'
import { decodeBase64Url } from '../webpush/base64url.js'
import { classifyResponse } from '../webpush/response.js'
import type { ResponseAction } from '../webpush/response.js'
import { OriginLimiter } from './origin-limiter.js'
import { backoffMs } from './backoff.js'
import { outcomeRecord } from './outcome-record.js'

interface Item {
  work: WorkItem
  sub: Subscription
  attempts: number
  throttles: number
  /** Date.now() when the current attempt was started. */
  sentAt: number
  /**
   * Some attempt so far may have reached the service without an answer (timeout, reset, session error),
   * or the line was handed over again after a crash or an indeterminate run. Sticky: a later attempt's
   * fate does not undo it (#12).
   */
  unknownFate: boolean
}

// In dry-run nothing waits on the network, so bound how much crypto one call may do before yielding.
const DRY_RUN_SLICE = 32
// A message throttled this many times fails instead of circling forever behind a hostile Retry-After.
const MAX_THROTTLES = 10
const EARLIER_MAY_HAVE_ARRIVED = 'an earlier attempt may have been delivered'

/** The send-mode request source of one worker. */
export class SendSource implements WorkerSource {
  readonly wantsDetails = true
  // The service answered: it accepted or refused the message, whatever happens to the body after that.
  readonly statusDecides = true
  // A push service that does not speak the HTTP version asked for is aborted alone (#protocolMismatch).
  readonly settlesMismatch = true
  wake: () => void = () => {}
  readonly #ctx: WorkerContext
  readonly #job: SendJob
  readonly #policy: CompiledPolicy
  readonly #signer: VapidSigner
  readonly #limiter: OriginLimiter
  readonly #payload: Buffer
  readonly #baseHeaders: string[]
  // A consumed slot is cleared at once: the array outlives many young-generation GCs, and a line it still
  // pointed to after parsing would be copied by each of them until the next compaction (#12 item 8).
  #queue: Array<WorkItem | undefined> = []
  #head = 0
  /** Parsed items due again (retries, unparked): older than anything in the queue, so they go first. */
  #ready: Item[] = []
  readonly #parked = new OriginParking<Item>((items) => { this.#readyAgain(items) })
  readonly #retryTimers = new Map<NodeJS.Timeout, Item>()
  readonly #outbox: OutcomeOutbox
  #inputEnded = false
  #stopping = false

  constructor (ctx: WorkerContext) {
    const job = ctx.job as SendJob
    if (job.kind !== 'send') throw new TypeError('SendSource needs a send job')
    this.#ctx = ctx
    this.#job = job
    this.#outbox = new OutcomeOutbox((msg) => { ctx.post(msg) })
    this.#policy = compileEndpointPolicy({ allowHosts: this.#job.allowHosts, allowPrivate: this.#job.allowPrivate })
    const v = this.#job.vapid
    this.#signer = new VapidSigner({
      publicKey: decodeBase64Url(v.publicKey, 'VAPID public key'),
      privateKey: decodeBase64Url(v.privateKey, 'VAPID private key'),
      subject: v.subject
    })
    this.#limiter = new OriginLimiter(this.#job.authFailureLimit)
    this.#payload = Buffer.from(this.#job.payload, 'utf8')
    const h = ['content-type', 'application/octet-stream', 'content-encoding', 'aes128gcm', 'ttl', String(this.#job.ttlSeconds)]
    if (this.#job.urgency !== undefined) h.push('urgency', this.#job.urgency)
    if (this.#job.topic !== undefined) h.push('topic', this.#job.topic)
    this.#baseHeaders = h
  }

  get exhausted (): boolean {
    return this.#inputEnded && this.#head >= this.#queue.length && this.#ready.length === 0 && this.#parked.size === 0 && this.#retryTimers.size === 0
  }

  onMessage (data: unknown): void {
    const msg = data as ToSendSource
    switch (msg.type) {
      case 'work':
        this.addWork(msg.items)
        break
      case 'end-of-input':
        this.endOfInput()
        break
      case 'origin-pause':
        this.pauseOrigin(msg.origin, msg.untilMs)
        break
      case 'origin-abort':
        this.abortOrigin(msg.origin, msg.reason)
    }
  }

  addWork (items: WorkItem[]): void {
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    for (const it of items) this.#queue.push(it)
    this.wake()
  }

  endOfInput (): void {
    this.#inputEnded = true
    this.wake()
  }

  pauseOrigin (origin: string, untilMs: number): void {
    this.#limiter.pauseUntil(origin, untilMs, Date.now())
  }

  abortOrigin (origin: string, reason: string): void {
    this.#limiter.abort(origin, reason, Date.now())
    for (const it of this.#parked.take(origin)) this.#fail(it, { status: null, reason: `origin aborted: ${reason}`, attempts: it.attempts })
  }

  next (): Prepared | null {
    if (this.#stopping) return null
    while (this.#ready.length > 0) {
      const p = this.#prepare(this.#ready.shift() as Item)
      if (p !== null) return p
    }
    let budget = this.#job.dryRun ? DRY_RUN_SLICE : Number.MAX_SAFE_INTEGER
    while (this.#head < this.#queue.length) {
      const work = this.#queue[this.#head] as WorkItem
      this.#queue[this.#head++] = undefined
      const parsed = parseSubscriptionLine(work.text, this.#policy)
      if (!parsed.ok) {
        this.#finish(work, 'invalid', { reason: parsed.reason, message: parsed.message })
        continue
      }
      const item: Item = { work, sub: parsed.sub, attempts: work.attempts, throttles: 0, sentAt: 0, unknownFate: work.maybeDelivered === true }
      const p = this.#prepare(item)
      if (p !== null) return p
      if (--budget <= 0) {
        setImmediate(this.wake)
        return null
      }
    }
    return null
  }

  // Builds the request for an item, or settles/parks it and returns null.
  #prepare (item: Item): Prepared | null {
    const { sub } = item
    const now = Date.now()
    const wait = this.#limiter.waitMs(sub.origin, now)
    if (wait < 0) {
      this.#fail(item, { status: null, reason: `origin aborted: ${this.#limiter.abortReason(sub.origin) ?? ''}`, attempts: item.attempts })
      return null
    }
    if (wait > 0) {
      // Infinity: the origin's first request (its probe) is unanswered; settled() releases the others.
      this.#parked.park(sub.origin, item, wait)
      return null
    }
    const plaintext = sub.payload === undefined ? this.#payload : Buffer.from(sub.payload, 'utf8')
    if (plaintext.length > MAX_PLAINTEXT_BYTES) {
      this.#finish(item.work, 'invalid', { reason: 'payload-too-large', message: `payload is ${plaintext.length} bytes; Web Push allows at most ${MAX_PLAINTEXT_BYTES}` }, sub)
      return null
    }
    let body: Buffer
    try {
      body = encryptPayload(plaintext, sub)
    } catch (err) {
      this.#finish(item.work, 'invalid', { reason: 'bad-p256dh', message: (err as Error).message }, sub)
      return null
    }
    if (this.#job.dryRun) {
      this.#finish(item.work, 'dry-run', { bytes: body.length }, sub)
      return null
    }
    const headers = this.#baseHeaders.slice()
    headers.push('authorization', this.#signer.authorization(sub.origin, now))
    const opts: Dispatcher.DispatchOptions = {
      path: sub.path,
      method: 'POST',
      headers,
      body,
      // A push POST is not idempotent: over HTTP/1.1 undici then never pipelines it, because after a
      // dropped socket it silently re-sends pipelined requests the server may already have processed.
      // HTTP/2 multiplexes it all the same.
      idempotent: false
    }
    item.attempts++
    item.sentAt = now
    this.#limiter.started(sub.origin, now)
    if (item.attempts > 1) this.#ctx.stats.retried()
    return { pool: this.#ctx.poolFor(sub.origin), opts, bodyBytes: body.length, item }
  }

  completed (p: Prepared, r: ResponseInfo): void {
    const item = p.item as Item
    const origin = item.sub.origin
    const now = Date.now()
    const a = classifyResponse(r.status, r.body, r.retryAfter, now)
    this.#ctx.stats.originCount(origin, 'requests')
    if (a.action === 'throttle') this.#ctx.stats.originCount(origin, 'throttled')
    const wasProbing = this.#limiter.settled(origin)
    if (a.action !== 'auth' && a.action !== 'throttle') this.#limiter.accepted(origin, now, item.sentAt)
    this.#decide(item, r, a, now)
    // The origin's first answer: the messages held back behind it go (or the next one probes). Only now,
    // once this answer's effect (a pause, an abort) is in the limiter: releasing wakes the loop at once.
    if (wasProbing) this.#release(origin)
  }

  #decide (item: Item, r: ResponseInfo, a: ResponseAction, now: number): void {
    const origin = item.sub.origin
    switch (a.action) {
      case 'sent':
        // An earlier attempt of this line may have been delivered as well: say so on the record.
        this.#finish(item.work, 'sent', item.unknownFate ? { status: r.status, attempts: item.attempts, possibleDuplicate: true } : { status: r.status, attempts: item.attempts }, item.sub)
        return
      case 'expired':
        this.#finish(item.work, 'expired', { status: r.status, reason: a.reason, attempts: item.attempts }, item.sub, true)
        return
      case 'throttle': {
        if (this.#stopping || ++item.throttles > MAX_THROTTLES || (a.retryAfterMs ?? 0) > this.#job.maxRetryAfterMs) {
          const why = (a.retryAfterMs ?? 0) > this.#job.maxRetryAfterMs ? ` (Retry-After ${Math.round((a.retryAfterMs ?? 0) / 1000)}s exceeds --max-retry-after)` : ''
          this.#fail(item, { status: r.status, reason: a.reason + why, attempts: item.attempts })
          return
        }
        const d = this.#limiter.throttle(origin, a.retryAfterMs, now, item.sentAt)
        if (d.originPausedUntil !== null) {
          // The whole origin is paused: tell the other workers, and let the held-back messages wait too.
          this.#tell({ type: 'origin-throttle', origin, untilMs: d.originPausedUntil })
          this.#release(origin)
        }
        // A throttled attempt does not use up the retry budget: the service asked us to come back later.
        item.attempts--
        this.#wait(item, d.retryAt - now)
        return
      }
      case 'retry':
        this.#retryOrFail(item, r.status, a.reason)
        return
      case 'auth':
        if (this.#limiter.authFailed(origin, a.reason, now)) {
          const reason = this.#limiter.abortReason(origin) ?? a.reason
          this.#ctx.log.error({ origin }, `aborting push service ${origin}: ${reason}`)
          this.#tell({ type: 'origin-abort', origin, reason })
          this.abortOrigin(origin, reason)
        }
        this.#fail(item, { status: r.status, reason: a.reason, attempts: item.attempts })
        return
      case 'fail':
        this.#fail(item, { status: r.status, reason: a.reason, attempts: item.attempts })
    }
  }

  failed (p: Prepared, err: Error, kind: ErrorKind, written: boolean): void {
    const item = p.item as Item
    this.#ctx.stats.originCount(item.sub.origin, 'requests')
    const wasProbing = this.#limiter.settled(item.sub.origin)
    this.#limiter.transportFailed(item.sub.origin)
    this.#settleFailed(item, err, kind, written)
    if (wasProbing) this.#release(item.sub.origin)
  }

  #settleFailed (item: Item, err: Error, kind: ErrorKind, written: boolean): void {
    const reason = `${kind}: ${err.message}`
    if (!written && (this.#stopping || kind === 'deadline')) {
      // Aborted while still queued in the transport: this attempt never left the process.
      item.attempts--
      this.#unsent(item, reason)
      return
    }
    if (mayHaveBeenDelivered(kind)) item.unknownFate = true
    if (kind === 'deadline') {
      // Written, then cut at the hard deadline: the service may have it.
      this.#finish(item.work, 'indeterminate', { reason, attempts: item.attempts }, item.sub)
      return
    }
    if (kind === 'protocol') this.#protocolMismatch(item.sub.origin, err.message)
    if (this.#stopping) {
      // Interrupted mid-flight: the service may or may not have accepted it.
      this.#finish(item.work, 'indeterminate', { reason, attempts: item.attempts }, item.sub)
      return
    }
    if (!isRetryable(kind)) {
      this.#fail(item, { status: null, reason, attempts: item.attempts })
      return
    }
    this.#retryOrFail(item, null, reason)
  }

  // The push service does not speak the protocol asked for (#11): one error for the origin, not a retry
  // per line. Its other lines fail with the reason at once.
  #protocolMismatch (origin: string, reason: string): void {
    if (this.#limiter.abortReason(origin) !== null) return
    this.#ctx.log.error({ origin }, `aborting push service ${origin}: ${reason}`)
    this.#tell({ type: 'origin-abort', origin, reason })
    this.abortOrigin(origin, reason)
  }

  #tell (msg: FromSendSource): void {
    this.#ctx.post(msg)
  }

  /**
   * Interrupted: nothing new starts; queued, parked and retry-waiting lines are reported as not attempted,
   * or indeterminate when an earlier attempt (or hand-over) of theirs may have been delivered.
   */
  stop (): void {
    this.#stopping = true
    for (let i = this.#head; i < this.#queue.length; i++) {
      const w = this.#queue[i] as WorkItem
      if (w.maybeDelivered === true) this.#finish(w, 'indeterminate', { reason: `stopped before sending; ${EARLIER_MAY_HAVE_ARRIVED}`, attempts: w.attempts })
      else this.#finish(w, 'not-attempted', { reason: 'stopped before sending', attempts: w.attempts })
    }
    this.#head = this.#queue.length
    for (const it of this.#parked.takeAll()) this.#unsent(it, 'stopped while the push service was throttling')
    for (const [t, it] of this.#retryTimers) {
      clearTimeout(t)
      this.#unsent(it, 'stopped while waiting to retry')
    }
    this.#retryTimers.clear()
    for (const it of this.#ready) this.#unsent(it, 'stopped while waiting to retry')
    this.#ready = []
    this.#outbox.flush()
  }

  finish (): void {
    this.#outbox.flush()
  }

  #retryOrFail (item: Item, status: number | null, reason: string): void {
    if (this.#stopping || item.attempts > this.#job.retries) {
      this.#fail(item, { status, reason, attempts: item.attempts })
      return
    }
    this.#wait(item, backoffMs(item.attempts))
  }

  // One message waits (a retry's backoff, its own Retry-After), then goes through #prepare again.
  #wait (item: Item, ms: number): void {
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer)
      this.#ready.push(item)
      this.wake()
    }, Math.max(0, ms))
    this.#retryTimers.set(timer, item)
  }

  // The origin's state changed (probe answered, origin paused): its held-back messages look again, and
  // park anew with the right timer if they still have to wait.
  #release (origin: string): void {
    const items = this.#parked.take(origin)
    if (items.length > 0) this.#readyAgain(items)
  }

  #readyAgain (items: Item[]): void {
    for (const it of items) this.#ready.push(it)
    this.wake()
  }

  // Failed for good. A request that timed out or lost its connection, in this attempt or any earlier one,
  // may have been accepted all the same: say so, so that whoever resends failed.ndjson knows those lines
  // could arrive twice (#12: only the last attempt used to count).
  #fail (item: Item, fields: { status: number | null, reason: string, attempts: number }): void {
    this.#finish(item.work, 'failed', item.unknownFate ? { ...fields, deliveryUnknown: true } : fields, item.sub)
  }

  // Never sent in this run, or sent with no answer kept: not attempted is only true when no attempt of
  // the line can have reached the service; otherwise its fate is unknown (resume does not resend it).
  #unsent (item: Item, reason: string): void {
    if (item.unknownFate) this.#finish(item.work, 'indeterminate', { reason: `${reason}; ${EARLIER_MAY_HAVE_ARRIVED}`, attempts: item.attempts }, item.sub)
    else this.#finish(item.work, 'not-attempted', { reason, attempts: item.attempts }, item.sub)
  }

  #finish (work: WorkItem, kind: OutcomeKind, fields: Record<string, unknown>, sub?: Subscription, withEndpoint = false): void {
    const flags = (fields.possibleDuplicate === true ? OutcomeFlag.PossibleDuplicate : 0) | (fields.deliveryUnknown === true ? OutcomeFlag.DeliveryUnknown : 0)
    const o: Outcome = { lineNo: work.lineNo, kind, record: outcomeRecord(work, fields, sub, withEndpoint || kind === 'failed') }
    if (flags !== 0) o.flags = flags
    if (sub !== undefined) this.#ctx.stats.originCount(sub.origin, kind)
    this.#outbox.add(o)
  }
}
