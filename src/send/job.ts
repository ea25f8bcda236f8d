// What a send's workers are given: the message settings and the VAPID key. The subscription lines come
// later, from the feeder (send/feeder.ts); each worker builds its source from this (send/workload.ts).
import type { WorkloadSpec } from '../engine/workload.js'
import type { Urgency } from '../webpush/urgency.js'

/** VAPID material handed to workers (base64url). Never logged. */
export interface VapidMaterial {
  publicKey: string
  privateKey: string
  subject: string
}

/** The Web Push job; the subscription lines come separately, from the feeder. */
export interface SendJob {
  kind: 'send'
  /** Default payload (UTF-8) when a line does not carry its own. */
  payload: string
  vapid: VapidMaterial
  ttlSeconds: number
  urgency: Urgency | undefined
  topic: string | undefined
  retries: number
  allowHosts: string[]
  allowPrivate: boolean
  dryRun: boolean
  /** A Retry-After longer than this fails the message instead of holding it. */
  maxRetryAfterMs: number
  /** Consecutive 401/403 from one origin before that origin is aborted (bad VAPID key). */
  authFailureLimit: number
}

/** The send workload the workers import, with its job. */
export function sendWorkload (job: SendJob): WorkloadSpec {
  return { module: new URL('./workload.js', import.meta.url).href, job }
}
