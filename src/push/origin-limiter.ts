// Per-origin flow control inside one worker. A 429 from one push service pauses and then throttles that
// service only (AIMD: halve on 429, grow back slowly); other origins keep their full rate. Consecutive
// 401/403 answers abort the origin, because they mean the VAPID key or subject is wrong for it.

/** State of one origin. */
interface OriginState {
  pausedUntil: number
  /** Allowed requests per second, or null when unlimited. */
  limit: number | null
  tokens: number
  tokensAt: number
  lastThrottleAt: number
  /** When the rate was last halved; 429s for requests sent before then do not halve it again. */
  halvedAt: number
  /** Requests started in the current one-second window, to seed the limit on the first 429. */
  windowStart: number
  windowCount: number
  lastWindowCount: number
  authFailures: number
  abortReason: string | null
}

const RECOVER_EVERY_MS = 5000
const RECOVER_FACTOR = 1.25
const DEFAULT_PAUSE_MS = 1000
const MIN_LIMIT = 1

/** Decides, per origin, whether a message may be sent now. */
export class OriginLimiter {
  readonly #origins = new Map<string, OriginState>()
  readonly #authFailureLimit: number

  constructor (authFailureLimit: number) {
    this.#authFailureLimit = authFailureLimit
  }

  /** Milliseconds until `origin` may send (0 = now); -1 when the origin was aborted. */
  waitMs (origin: string, now: number): number {
    const s = this.#origins.get(origin)
    if (s === undefined) return 0
    if (s.abortReason !== null) return -1
    if (now < s.pausedUntil) return s.pausedUntil - now
    if (s.limit === null) return 0
    if (now - s.lastThrottleAt > RECOVER_EVERY_MS) {
      s.limit *= RECOVER_FACTOR
      s.lastThrottleAt = now
      // Grown well past what the service was taking when it throttled: stop limiting.
      if (s.limit > 4 * Math.max(1, s.lastWindowCount)) s.limit = null
      if (s.limit === null) return 0
    }
    s.tokens = Math.min(Math.max(1, s.limit), s.tokens + ((now - s.tokensAt) / 1000) * s.limit)
    s.tokensAt = now
    return s.tokens >= 1 ? 0 : Math.ceil(((1 - s.tokens) / s.limit) * 1000)
  }

  /** Records that a request to `origin` is being started. */
  started (origin: string, now: number): void {
    const s = this.#state(origin, now)
    if (now - s.windowStart >= 1000) {
      s.lastWindowCount = s.windowCount
      s.windowStart = now
      s.windowCount = 0
    }
    s.windowCount++
    if (s.limit !== null) s.tokens -= 1
  }

  /**
   * A 429/406: pause the origin for Retry-After (or a default) and halve its rate, once per episode: a
   * request sent before the last halving was already in flight when the service pushed back, so its 429
   * only extends the pause (otherwise N concurrent 429s would divide the rate by 2^N).
   */
  throttle (origin: string, retryAfterMs: number | null, now: number, sentAt = now): number {
    const s = this.#state(origin, now)
    const pause = retryAfterMs ?? DEFAULT_PAUSE_MS
    s.pausedUntil = Math.max(s.pausedUntil, now + pause)
    // The requests in flight when the service started refusing come back 429 together: one signal. Only a
    // 429 for a request sent after the last halving halves again; the others just extend the pause.
    if (sentAt > s.halvedAt) {
      s.limit = Math.max(MIN_LIMIT, (s.limit ?? this.#observedRate(s, now)) / 2)
      s.tokens = 0
      s.lastThrottleAt = now
      s.halvedAt = now
    }
    s.tokensAt = Math.max(s.tokensAt, s.pausedUntil)
    return s.pausedUntil
  }

  // Requests per second recently started to the origin: the last full second, or the current partial one
  // scaled up (a 429 often arrives before the first window completes).
  #observedRate (s: OriginState, now: number): number {
    const partial = (s.windowCount * 1000) / Math.max(100, now - s.windowStart)
    return Math.max(s.lastWindowCount, partial, 2 * MIN_LIMIT)
  }

  /** Another worker saw a 429 from `origin`: pause until the same instant. */
  pauseUntil (origin: string, until: number, now: number): void {
    const s = this.#state(origin, now)
    s.pausedUntil = Math.max(s.pausedUntil, until)
  }

  /** A 401/403; returns true when this failure aborted the origin. */
  authFailed (origin: string, reason: string, now: number): boolean {
    const s = this.#state(origin, now)
    s.authFailures++
    if (s.abortReason === null && s.authFailures >= this.#authFailureLimit) {
      s.abortReason = `${s.authFailures} consecutive 401/403 responses (last: ${reason}); check the VAPID keys and --subject for this push service`
      return true
    }
    return false
  }

  /** Any non-401/403 answer resets the consecutive failure count. */
  succeeded (origin: string): void {
    const s = this.#origins.get(origin)
    if (s !== undefined) s.authFailures = 0
  }

  /** Marks an origin aborted (reported by another worker). */
  abort (origin: string, reason: string, now: number): void {
    const s = this.#state(origin, now)
    s.abortReason ??= reason
  }

  /** Why the origin was aborted, if it was. */
  abortReason (origin: string): string | null {
    return this.#origins.get(origin)?.abortReason ?? null
  }

  #state (origin: string, now: number): OriginState {
    let s = this.#origins.get(origin)
    if (s === undefined) {
      s = { pausedUntil: 0, limit: null, tokens: 0, tokensAt: now, lastThrottleAt: 0, halvedAt: -Infinity, windowStart: now, windowCount: 0, lastWindowCount: 0, authFailures: 0, abortReason: null }
      this.#origins.set(origin, s)
    }
    return s
  }
}
