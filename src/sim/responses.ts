import type { OutgoingHttpHeaders } from 'node:http2'
import type { RejectReason } from './stats.js'

// What the simulator answers, shaped like real push services: autopush's JSON error body
// {code, errno, error, message} (errno values from autopush's documented table), Apple's
// {"reason": ...} for a bad JWT, and FCM's plain-text sentence for an expired subscription.

/** A complete response: status, extra headers and body. */
export interface SimResponse {
  status: number
  headers: OutgoingHttpHeaders
  body: string
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error'
}

const REJECTIONS: Record<RejectReason, { status: number, errno: number }> = {
  badMethod: { status: 405, errno: 999 },
  notFound: { status: 404, errno: 102 },
  unknownSubscription: { status: 404, errno: 102 },
  missingTtl: { status: 400, errno: 111 },
  badUrgency: { status: 400, errno: 111 },
  badTopic: { status: 400, errno: 111 },
  badEncoding: { status: 400, errno: 110 },
  missingAuth: { status: 401, errno: 109 },
  badJwt: { status: 403, errno: 109 },
  sameKey: { status: 400, errno: 109 },
  tooLarge: { status: 413, errno: 104 },
  expired: { status: 410, errno: 103 },
  decryptFailed: { status: 400, errno: 110 }
}

const JSON_TYPE = 'application/json'

/** An autopush-style JSON error. */
export function jsonError (status: number, errno: number, message: string, headers: OutgoingHttpHeaders = {}): SimResponse {
  const error = STATUS_TEXT[status] ?? 'Error'
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify({ code: status, errno, error, message }) }
}

/** The answer to a rejected request; `status` overrides the reason's usual one (415 for a foreign encoding). */
export function rejection (reason: RejectReason, message: string, status?: number): SimResponse {
  const spec = REJECTIONS[reason]
  if (reason === 'badJwt') {
    // Apple's shape: senders key their "fix your VAPID setup" handling on this exact reason.
    return { status: 403, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ reason: 'BadJwtToken', message }) }
  }
  if (reason === 'expired') {
    return { status: 410, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'push subscription has unsubscribed or expired.\n' }
  }
  const extra: OutgoingHttpHeaders = reason === 'badMethod' ? { allow: 'POST' } : {}
  return jsonError(status ?? spec.status, spec.errno, message, extra)
}

/** The injected 429, with the Retry-After the sender should honour. */
export function throttled (retryAfterSeconds: number): SimResponse {
  return jsonError(429, 201, 'too many requests; retry later', { 'retry-after': String(retryAfterSeconds) })
}

/** An injected or genuine 500. */
export function serverError (message = 'injected server error'): SimResponse {
  return jsonError(500, 999, message)
}
