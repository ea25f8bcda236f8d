// The one place where push-service responses (RFC 8030 and the services' own habits) become decisions.
import { redactText } from '../log.js'

/** What to do with a message after a response. */
export type ResponseAction =
  | { action: 'sent' }
  /** 404/410: the subscription is gone; the user should delete it. */
  | { action: 'expired', reason: string }
  /** 5xx: transient, retry with backoff. */
  | { action: 'retry', reason: string }
  /** 429 (and WNS 406): slow this origin down, honour Retry-After, try again. */
  | { action: 'throttle', retryAfterMs: number | null, reason: string }
  /** 401/403: the VAPID credentials were rejected; not retried, counted towards aborting the origin. */
  | { action: 'auth', reason: string }
  /** 400, 413 and other client errors: retrying cannot help. */
  | { action: 'fail', reason: string }

/** Classifies a push-service response. */
export function classifyResponse (status: number, body: string, retryAfter: string | null, nowMs = Date.now()): ResponseAction {
  if (status >= 200 && status < 300) return { action: 'sent' }
  const detail = describeBody(body)
  const reason = `HTTP ${status}${detail === '' ? '' : `: ${detail}`}`
  if (status === 404 || status === 410) return { action: 'expired', reason }
  if (status === 429 || status === 406) return { action: 'throttle', retryAfterMs: parseRetryAfter(retryAfter, nowMs), reason }
  if (status === 503 && retryAfter !== null) return { action: 'throttle', retryAfterMs: parseRetryAfter(retryAfter, nowMs), reason }
  if (status >= 500) return { action: 'retry', reason }
  if (status === 401 || status === 403) return { action: 'auth', reason }
  if (status >= 300 && status < 400) return { action: 'fail', reason: `${reason} (redirects are never followed)` }
  if (status === 413) return { action: 'fail', reason: `${reason} (payload too large for this push service)` }
  return { action: 'fail', reason }
}

/** Parses Retry-After (delay-seconds or an HTTP-date, RFC 9110 §10.2.3) into milliseconds from now. */
export function parseRetryAfter (value: string | null, nowMs = Date.now()): number | null {
  if (value === null) return null
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const t = Date.parse(v)
  if (Number.isNaN(t)) return null
  return Math.max(0, t - nowMs)
}

// Services explain themselves in JSON (Apple: {"reason":…}, autopush: {errno, message}); keep it short
// and scrub anything URL- or token-like, since bodies sometimes echo the endpoint back.
function describeBody (body: string): string {
  const text = body.trim()
  if (text === '') return ''
  try {
    const j = JSON.parse(text) as Record<string, unknown>
    const pick = [j.reason, j.message, j.error, (j.error as Record<string, unknown> | undefined)?.message, j.errno]
      .find((v) => typeof v === 'string' || typeof v === 'number')
    if (pick !== undefined) return clip(redactText(String(pick)))
  } catch {}
  return clip(redactText(text.replace(/\s+/g, ' ')))
}

function clip (s: string): string {
  return s.length > 160 ? s.slice(0, 157) + '...' : s
}
