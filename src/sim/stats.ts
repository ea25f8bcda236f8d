import type { FaultKind } from './faults.js'

/** Why the simulator turned a push request down; each has its own counter. */
export type RejectReason =
  | 'badMethod' | 'notFound' | 'unknownSubscription'
  | 'missingTtl' | 'badUrgency' | 'badTopic' | 'badEncoding'
  | 'missingAuth' | 'badJwt' | 'sameKey' | 'tooLarge' | 'expired' | 'decryptFailed'

/** Every reason, in the order the checks run. */
export const REJECT_REASONS: readonly RejectReason[] = [
  'badMethod', 'notFound', 'unknownSubscription', 'missingTtl', 'badUrgency', 'badTopic', 'badEncoding',
  'missingAuth', 'badJwt', 'sameKey', 'tooLarge', 'expired', 'decryptFailed'
]

/**
 * A JSON-safe snapshot of the simulator's accounting. Every push request ends in exactly one of:
 * delivered, a `rejected` reason, an outcome fault (throttle, serverError, reset), `aborted` or
 * `internalErrors`; `inFlight` counts the ones still open. `faults.slow` and `faults.goaway` mark
 * delivered messages and are not outcomes of their own.
 */
export interface SimulatorStats {
  /** Subscription identities (indices 0 .. subscriptions - 1). */
  subscriptions: number
  /** Streams on any path except the /__ endpoints. */
  requests: number
  inFlight: number
  /** Accepted messages (each passed to onDelivery). */
  delivered: number
  /** Deliveries to an index that already had one. */
  duplicates: number
  /** Indices delivered exactly once. */
  deliveredOnce: number
  /** Indices delivered two or more times. */
  deliveredMoreThanOnce: number
  rejected: Record<RejectReason, number>
  faults: Record<FaultKind, number>
  /** The client reset or closed the stream before it was answered. */
  aborted: number
  /** Requests answered 500 because the simulator itself failed (e.g. its verify pool died). */
  internalErrors: number
  /** Exceptions thrown by the onDelivery callback (caught; the message still counts as delivered). */
  callbackErrors: number
  /** HTTP/2 sessions opened so far, and still open. */
  sessions: number
  openSessions: number
  /** Most streams seen open at once on a single session. */
  maxConcurrentStreams: number
  /** Request body bytes received on push paths. */
  bytesReceived: number
  /** VAPID signatures actually verified (the verifier caches tokens, so this stays small). */
  vapidVerifications: number
}

const zeroRecord = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>

/** Live counters plus per-index delivery counts (Uint16, saturating at 65535). */
export class SimulatorCounters {
  readonly subscriptions: number
  requests = 0
  inFlight = 0
  delivered = 0
  duplicates = 0
  deliveredOnce = 0
  deliveredMoreThanOnce = 0
  aborted = 0
  internalErrors = 0
  callbackErrors = 0
  sessions = 0
  openSessions = 0
  maxConcurrentStreams = 0
  bytesReceived = 0
  vapidVerifications = 0
  readonly rejected: Record<RejectReason, number>
  readonly faults: Record<FaultKind, number>
  readonly #counts: Uint16Array

  constructor (subscriptions: number, faultKinds: readonly FaultKind[]) {
    this.subscriptions = subscriptions
    this.#counts = new Uint16Array(subscriptions)
    this.rejected = zeroRecord(REJECT_REASONS)
    this.faults = zeroRecord(faultKinds)
  }

  /** Records one accepted message for `index`. */
  recordDelivery (index: number): void {
    this.delivered++
    const before = this.#counts[index] ?? 0
    if (before > 0) this.duplicates++
    if (before === 0) this.deliveredOnce++
    else if (before === 1) {
      this.deliveredOnce--
      this.deliveredMoreThanOnce++
    }
    if (before < 0xffff) this.#counts[index] = before + 1
  }

  /** How many messages `index` received (saturates at 65535). */
  deliveries (index: number): number {
    return this.#counts[index] ?? 0
  }

  /** The per-index counts as a plain array. */
  countsArray (): number[] {
    return Array.from(this.#counts)
  }

  /** A detached, JSON-safe copy of every counter. */
  snapshot (): SimulatorStats {
    return {
      subscriptions: this.subscriptions,
      requests: this.requests,
      inFlight: this.inFlight,
      delivered: this.delivered,
      duplicates: this.duplicates,
      deliveredOnce: this.deliveredOnce,
      deliveredMoreThanOnce: this.deliveredMoreThanOnce,
      rejected: { ...this.rejected },
      faults: { ...this.faults },
      aborted: this.aborted,
      internalErrors: this.internalErrors,
      callbackErrors: this.callbackErrors,
      sessions: this.sessions,
      openSessions: this.openSessions,
      maxConcurrentStreams: this.maxConcurrentStreams,
      bytesReceived: this.bytesReceived,
      vapidVerifications: this.vapidVerifications
    }
  }
}
