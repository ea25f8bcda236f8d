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

// A send worker keeps little alive (its window of lines, the messages in flight) and allocates a lot per
// line, yet V8 doubles its young generation whenever enough survives a scavenge, up to a maximum set from
// the machine's memory (two 32 MB semi-spaces on a 24 GB machine): ~64 MB of garbage room per worker, one
// worker per core. 12 MB (4 MB semi-spaces) took 70 MB off the peak of a 10M-line dry run with 2 workers,
// and no more CPU per message in dry runs or in sends to the simulator (#12 item 8). From the CLI, the
// main thread's young generation is pinned too (engine/young-generation.ts).
const SEND_WORKER_YOUNG_GENERATION_MB = 12

/** The send workload the workers import, with its job. */
export function sendWorkload (job: SendJob): WorkloadSpec {
  return { module: new URL('./workload.js', import.meta.url).href, job, youngGenerationMb: SEND_WORKER_YOUNG_GENERATION_MB }
}
