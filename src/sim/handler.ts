import http2 from 'node:http2'
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2'
import type { FaultPicker } from './faults.js'
import { isExpiredIndex, subscriptionToken } from './keys.js'
import type { SubscriptionKeyring } from './keys.js'
import type { Delivery } from './options.js'
import { checkHeaders, parsePushPath } from './request.js'
import type { MessageHeaders } from './request.js'
import { rejection, serverError, throttled } from './responses.js'
import type { SimResponse } from './responses.js'
import type { RejectReason, SimulatorCounters } from './stats.js'
import type { VerifyResult, VerifyTask } from './verify.js'

/** Largest body a push service must accept (RFC 8030 §7.2, RFC 8291 §4). */
export const MAX_BODY_BYTES = 4096
// Past this many bytes an oversized body is answered at once and its stream reset, instead of
// being read to the end: enough for any honest mistake, a hard stop for a runaway sender.
const DISCARD_LIMIT_BYTES = 64 * 1024

/** What the push request handler shares with the simulator. */
export interface HandlerContext {
  seed: Buffer
  subscriptions: number
  expiredRatio: number
  retryAfterSeconds: number
  slowMs: number
  keyring: SubscriptionKeyring
  counters: SimulatorCounters
  picker: FaultPicker
  /** Runs verifyAndDecrypt inline or on the pool; may reject only when the pool itself fails. */
  verify: (task: VerifyTask) => VerifyResult | Promise<VerifyResult>
  onDelivery: ((d: Delivery) => void) | undefined
  /** Schedules a slow response; the simulator cancels pending ones on close. */
  later: (ms: number, fn: () => void) => void
}

/** Sends `res` unless the stream is already gone; never throws. */
export function send (stream: ServerHttp2Stream, res: SimResponse): void {
  if (stream.destroyed || stream.closed) return
  try {
    if (res.body === '') {
      // END_STREAM on the HEADERS frame itself: one frame, and nothing left to flush behind a GOAWAY.
      stream.respond({ ...res.headers, ':status': res.status }, { endStream: true })
    } else {
      stream.respond({ ...res.headers, ':status': res.status })
      stream.end(res.body)
    }
  } catch {
    // The session died between the check and here (client gone, simulator closing): nobody to answer.
  }
}

const audiences = new Map<string, string>()

// The VAPID aud must be this service's origin as the client addressed it, so that 127.0.0.1,
// localhost and [::1] all work; URL parsing normalises case and default ports as audienceOf does.
function audienceFor (authority: string): string | undefined {
  let origin = audiences.get(authority)
  if (origin === undefined) {
    if (!URL.canParse(`https://${authority}`)) return undefined
    origin = new URL(`https://${authority}`).origin
    if (audiences.size >= 256) audiences.clear()
    audiences.set(authority, origin)
  }
  return origin
}

/** Handles one stream on a push path, from validation to the (possibly faulty) answer. */
export function handlePush (ctx: HandlerContext, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  const { counters } = ctx
  counters.requests++
  counters.inFlight++
  let settled = false
  // Every request ends in exactly one outcome; whichever comes first (an answer or the client
  // going away) wins and later ones are ignored.
  const settle = (): boolean => {
    if (settled) return false
    settled = true
    counters.inFlight--
    return true
  }
  const onAbort = (): void => { if (settle()) counters.aborted++ }
  // A peer's RST_STREAM emits 'aborted' and may then end the readable side, which must not pass for
  // a complete body: whichever of the two comes first settles the request as aborted.
  stream.once('aborted', onAbort)
  stream.once('close', onAbort)

  const reject = (reason: RejectReason, message: string, status?: number): void => {
    if (!settle()) return
    counters.rejected[reason]++
    send(stream, rejection(reason, message, status))
  }
  // Answers decided before the body is read still drain it, so the client's upload completes.
  const drain = (): void => {
    stream.on('data', (chunk: Buffer) => { counters.bytesReceived += chunk.length })
  }

  if (headers[':method'] !== 'POST') {
    drain()
    reject('badMethod', 'push messages are sent with POST')
    return
  }
  const target = parsePushPath(String(headers[':path'] ?? ''))
  if (target === undefined) {
    drain()
    reject('notFound', 'not a push endpoint')
    return
  }
  const { index, token } = target
  if (index >= ctx.subscriptions || token !== subscriptionToken(ctx.seed, index)) {
    drain()
    reject('unknownSubscription', 'unknown subscription')
    return
  }
  const checked = checkHeaders(headers)
  if ('reason' in checked) {
    drain()
    reject(checked.reason, checked.message, checked.status)
    return
  }

  const chunks: Buffer[] = []
  let received = 0
  let finished = false
  const finish = (): void => {
    if (finished || stream.aborted) return
    finished = true
    const tooLarge = received > MAX_BODY_BYTES
    // An own ArrayBuffer (not a slice of Node's shared pool) so the pool path can transfer it.
    const body = Buffer.allocUnsafeSlow(Math.min(received, MAX_BODY_BYTES))
    let at = 0
    for (const c of chunks) at += c.copy(body, at)
    chunks.length = 0
    const authority = String(headers[':authority'] ?? headers.host ?? '')
    verifyThenAnswer(ctx, stream, settle, reject, index, checked, {
      keys: ctx.keyring.get(index),
      body,
      authorization: checked.authorization,
      audience: audienceFor(authority) ?? `https://${authority}`,
      tooLarge,
      expired: isExpiredIndex(ctx.seed, index, ctx.expiredRatio),
      nowMs: Date.now()
    })
  }
  stream.on('data', (chunk: Buffer) => {
    counters.bytesReceived += chunk.length
    // Only the first MAX_BODY_BYTES are kept: enough for the keyid check, and all a valid body has.
    const room = MAX_BODY_BYTES - received
    if (room > 0) chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room))
    received += chunk.length
    if (received > DISCARD_LIMIT_BYTES && !finished) {
      // Answer now (413 once the token is checked) and reset after the answer, so the sender stops.
      stream.once('finish', () => { if (!stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR) })
      finish()
    }
  })
  stream.once('end', finish)
}

function verifyThenAnswer (
  ctx: HandlerContext,
  stream: ServerHttp2Stream,
  settle: () => boolean,
  reject: (reason: RejectReason, message: string) => void,
  index: number,
  message: MessageHeaders,
  task: VerifyTask
): void {
  const onResult = (result: VerifyResult): void => {
    ctx.counters.vapidVerifications += result.verifications
    if (!result.ok) {
      reject(result.reason, result.message)
      return
    }
    if (stream.closed || stream.destroyed || !settle()) return
    answerAccepted(ctx, stream, index, message, result)
  }
  let pending: VerifyResult | Promise<VerifyResult>
  try {
    pending = ctx.verify(task)
  } catch (err) {
    pending = Promise.reject(err)
  }
  if (!(pending instanceof Promise)) {
    onResult(pending)
    return
  }
  pending.then(onResult, (err: unknown) => {
    if (!settle()) return
    ctx.counters.internalErrors++
    send(stream, serverError(`simulator failure: ${(err as Error)?.message ?? String(err)}`))
  })
}

function answerAccepted (
  ctx: HandlerContext,
  stream: ServerHttp2Stream,
  index: number,
  message: MessageHeaders,
  result: Extract<VerifyResult, { ok: true }>
): void {
  const { counters } = ctx
  const fault = ctx.picker.next()
  if (fault !== undefined) counters.faults[fault]++
  if (fault === 'throttle') return send(stream, throttled(ctx.retryAfterSeconds))
  if (fault === 'serverError') return send(stream, serverError())
  if (fault === 'reset') {
    // Before acceptance: the message is not delivered, exactly what a sender must then retry.
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR)
    return
  }

  counters.recordDelivery(index)
  const p = result.plaintext
  if (ctx.onDelivery !== undefined) {
    try {
      ctx.onDelivery({
        index,
        plaintext: Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength),
        ttl: message.ttl,
        urgency: message.urgency,
        topic: message.topic,
        vapidSubject: result.vapidSubject,
        vapidPublicKey: result.vapidPublicKey
      })
    } catch {
      counters.callbackErrors++
    }
  }
  const created: SimResponse = {
    status: 201,
    headers: { location: `/msg/${counters.delivered}`, ttl: String(message.ttl) },
    body: ''
  }
  if (fault === 'slow') {
    // Delivered now, answered late: a sender that times out and retries creates a duplicate,
    // which is precisely what the accounting is there to reveal.
    ctx.later(ctx.slowMs, () => send(stream, created))
    return
  }
  send(stream, created)
  if (fault === 'goaway') {
    // close() sends GOAWAY(NO_ERROR), lets the streams already accepted finish, then ends the session.
    // Waiting for this stream to close first keeps the GOAWAY behind its answer on the wire; a client
    // such as undici fails every request still open when GOAWAY arrives, answered or not.
    const session = stream.session
    const goaway = (): void => { if (session !== undefined && !session.closed && !session.destroyed) session.close() }
    if (stream.closed) goaway()
    else stream.once('close', goaway)
  }
}
