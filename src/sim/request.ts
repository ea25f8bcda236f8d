import type { IncomingHttpHeaders } from 'node:http2'
import { URGENCIES } from '../webpush/urgency.js'
import type { Urgency } from '../webpush/urgency.js'
import type { RejectReason } from './stats.js'

// The cheap checks of a push request, made from the path and headers alone before any body byte
// is read or any key is derived, so garbage costs the simulator next to nothing.

/** The TTL the simulator accepts at most and echoes back when a sender asks for more (FCM's 28 days). */
export const MAX_TTL_SECONDS = 28 * 24 * 3600

const PUSH_PATH_RE = /^\/push\/(0|[1-9][0-9]{0,9})\/([A-Za-z0-9_-]{1,64})$/
const URGENCY_SET: ReadonlySet<string> = new Set(URGENCIES)
const TOPIC_RE = /^[A-Za-z0-9_-]{1,32}$/
const TTL_RE = /^[0-9]+$/

/** `/push/<index>/<token>` split up, or undefined when the path has another shape. */
export function parsePushPath (path: string): { index: number, token: string } | undefined {
  const m = PUSH_PATH_RE.exec(path)
  if (m === null) return undefined
  return { index: Number(m[1]), token: m[2] ?? '' }
}

/** The message attributes a push request's headers carry. */
export interface MessageHeaders {
  /** The TTL accepted, capped at {@link MAX_TTL_SECONDS}. */
  ttl: number
  urgency: Urgency
  topic: string | undefined
  authorization: string
}

/** A failed header check: the counter to bump and what to tell the sender. */
export interface HeaderRejection {
  reason: RejectReason
  message: string
  /** 415 for an unsupported content coding, otherwise the reason's usual status. */
  status?: number
}

function one (value: string | string[] | undefined): string | undefined {
  // Node joins repeated headers with ", " already; arrays only appear for set-cookie.
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * Checks TTL (required, a non-negative integer), Urgency, Topic, Content-Encoding and the presence
 * of Authorization, in that order (RFC 8030 §5.2-5.4, RFC 8291 §4, RFC 8292 §4.2).
 */
export function checkHeaders (headers: IncomingHttpHeaders): MessageHeaders | HeaderRejection {
  const ttlText = one(headers.ttl)
  if (ttlText === undefined) return { reason: 'missingTtl', message: 'missing TTL header' }
  if (!TTL_RE.test(ttlText)) return { reason: 'missingTtl', message: 'TTL header must be a non-negative integer number of seconds' }
  const ttl = Math.min(Number(ttlText), MAX_TTL_SECONDS)

  const urgencyText = one(headers.urgency)
  if (urgencyText !== undefined && !URGENCY_SET.has(urgencyText)) {
    return { reason: 'badUrgency', message: `Urgency header must be one of ${URGENCIES.join(', ')}` }
  }
  const topic = one(headers.topic)
  if (topic !== undefined && !TOPIC_RE.test(topic)) {
    return { reason: 'badTopic', message: 'Topic header must be 1 to 32 characters of the base64url alphabet' }
  }
  const encoding = one(headers['content-encoding'])
  if (encoding === undefined) return { reason: 'badEncoding', message: 'missing Content-Encoding header; Web Push bodies are aes128gcm' }
  // Content codings are case-insensitive tokens (RFC 9110 §8.4.1); anything but the one token is refused.
  if (encoding.toLowerCase() !== 'aes128gcm') {
    return { reason: 'badEncoding', message: 'Content-Encoding must be aes128gcm (RFC 8291)', status: 415 }
  }
  const authorization = one(headers.authorization)
  if (authorization === undefined || authorization === '') {
    return { reason: 'missingAuth', message: 'missing Authorization header (VAPID, RFC 8292)' }
  }
  return { ttl, urgency: (urgencyText as Urgency | undefined) ?? 'normal', topic, authorization }
}
