// Per-origin flow control inside one worker (#12). A push service that throttles says how long to wait
// (Retry-After); what matters is telling an isolated 429 (a per-subscription quota, a blip) from a service
// that refuses the sender's pace, and never collapsing the send on the first:
// - every throttled message waits its own Retry-After (1 s without one) and goes again; the origin keeps
//   its pace;
// - when 429s are a pattern (a quarter of the recent answers), the whole origin pauses for Retry-After and
//   then resumes limited to 90 % of the rate it was getting accepted (the rate that was working);
// - a sustained share of 10 % 429s also limits an unlimited origin, without a pause;
// - while limited, every 0.5 s the limit is cut by 15 % when more than 5 % of that window's answers were
//   429; otherwise it doubles up to the last rate that was cut (TCP's slow start threshold; none at first,
//   forgotten after 5 s without a 429) and grows 20 % above it, and it is lifted once 2 s passed without a
//   429 and no message had to wait for it: the rate settles just under a service's wall, and is back to
//   full speed within seconds when the wall goes;
// - a new origin gets one request at a time until an outcome other than 429/401/403 (a probe): a throttling
//   or rejecting service sees one request, not a worker's whole concurrency; a 429 to the probe pauses the
//   origin for Retry-After and probes again, with no limit (nothing was accepted to measure one from).
// Consecutive 401/403 answers abort the origin, because they mean the VAPID key or subject is wrong for it.

/**
 * Two one-second buckets: events per second over the last one to two seconds. Less than a second of
 * history counts as a whole second: a service's token bucket absorbs a first burst (112 accepted in 250 ms
 * against a wall of 100/s), and taking that burst for its pace set the limit four times above the wall.
 */
class RateWindow {
  #start: number
  #count = 0
  #prevStart = -1
  #prevCount = 0

  constructor (now: number) {
    this.#start = now
  }

  add (now: number): void {
    this.#roll(now)
    this.#count++
  }

  rate (now: number): number {
    this.#roll(now)
    if (this.#prevStart >= 0) return ((this.#prevCount + this.#count) * 1000) / Math.max(1, now - this.#prevStart)
    return (this.#count * 1000) / Math.max(1000, now - this.#start)
  }

  #roll (now: number): void {
    if (now - this.#start < 1000) return
    // A gap of more than a window leaves nothing recent in the previous bucket.
    const gap = now - this.#start >= 2000
    this.#prevStart = gap ? now - 1000 : this.#start
    this.#prevCount = gap ? 0 : this.#count
    this.#start = now
    this.#count = 0
  }
}

/** State of one origin. */
interface OriginState {
  pausedUntil: number
  /** When the origin was last paused for a pattern of 429s. */
  pausedAt: number
  /** First contact: one request at a time until an answer that is not 429/401/403. */
  probing: boolean
  inFlight: number
  /** Allowed requests per second, or null when unlimited. */
  limit: number | null
  tokens: number
  tokensAt: number
  /** When the limit was last set or cut: 429s for requests sent before then are the same episode. */
  cutAt: number
  lastThrottleAt: number
  /** The current control window: since when, answers and 429s in it, and whether the limit held a message back. */
  windowAt: number
  windowAnswers: number
  window429: number
  held: boolean
  /** The limit doubles up to here and grows slowly above (where 429s started last time). */
  threshold: number
  /** Share of 429s among recent answers: fast (pause) and slow (limit) moving averages. */
  shareFast: number
  shareSlow: number
  answers: number
  started: RateWindow
  accepted: RateWindow
  authFailures: number
  abortReason: string | null
}

/** What a 429 means for its message and for its origin. */
export interface ThrottleDecision {
  /** When the throttled message may go again. */
  retryAt: number
  /** Set when the whole origin was paused (other workers are told): until then. */
  originPausedUntil: number | null
}

const DEFAULT_PAUSE_MS = 1000
/** Share of 429s in the last ~32 answers that means the origin refuses the pace: pause it. */
const PAUSE_SHARE = 0.25
const FAST_ALPHA = 1 / 32
/** Share of 429s in the last ~256 answers that means the pace is above the service's: limit it. */
const LIMIT_SHARE = 0.1
const SLOW_ALPHA = 1 / 256
/** Answers seen before a share counts as a pattern (a 429 among the first few is not one). */
const MIN_ANSWERS = 16
const RESUME_FACTOR = 0.9
const CUT_FACTOR = 0.85
/** Share of 429s in a control window above which a limited origin is cut. */
const CUT_SHARE = 0.05
const WINDOW_MS = 500
/** Answers a control window needs before it decides (it is stretched up to MAX_WINDOW_MS for them). */
const WINDOW_ANSWERS = 8
const MAX_WINDOW_MS = 2000
const GROW_FACTOR = 1.2
const CALM_MS = 2000
const FORGET_MS = 5000
const FAST_GROW_FACTOR = 2
const MIN_LIMIT = 1
/** Burst allowed by the token bucket, in seconds of the limit. */
const BURST_S = 0.1

/** Decides, per origin, whether a message may be sent now. */
export class OriginLimiter {
  readonly #origins = new Map<string, OriginState>()
  readonly #authFailureLimit: number

  constructor (authFailureLimit: number) {
    this.#authFailureLimit = authFailureLimit
  }

  /**
   * Milliseconds until `origin` may send (0 = now); -1 when the origin was aborted; Infinity while its
   * probe is unanswered (the caller waits for {@link settled} to report a change).
   */
  waitMs (origin: string, now: number): number {
    const s = this.#state(origin, now)
    if (s.abortReason !== null) return -1
    if (now < s.pausedUntil) return s.pausedUntil - now
    if (s.probing && s.inFlight > 0) return Infinity
    if (s.limit === null) return 0
    this.#control(s, now)
    if (s.limit === null) return 0
    s.tokens = Math.min(Math.max(1, s.limit * BURST_S), s.tokens + ((now - s.tokensAt) / 1000) * s.limit)
    s.tokensAt = now
    if (s.tokens >= 1) return 0
    s.held = true
    return Math.ceil(((1 - s.tokens) / s.limit) * 1000)
  }

  /** Records that a request to `origin` is being started. */
  started (origin: string, now: number): void {
    const s = this.#state(origin, now)
    s.inFlight++
    s.started.add(now)
    if (s.limit !== null) s.tokens -= 1
  }

  /**
   * A request to `origin` ended (any way). Returns true when the origin was probing: the messages held
   * back for the probe must be looked at again.
   */
  settled (origin: string): boolean {
    const s = this.#origins.get(origin)
    if (s === undefined) return false
    s.inFlight = Math.max(0, s.inFlight - 1)
    return s.probing
  }

  /**
   * A request failed without an answer (timeout, connection error): that says nothing of the service's
   * pace or credentials, and probing one request at a time would serialize every timeout. Open up.
   */
  transportFailed (origin: string): void {
    const s = this.#origins.get(origin)
    if (s !== undefined) s.probing = false
  }

  /** An answer other than 429/406 (and other than 401/403) to a request sent at `sentAt`: the origin takes the pace. */
  accepted (origin: string, now: number, sentAt = now): void {
    const s = this.#state(origin, now)
    s.authFailures = 0
    s.probing = false
    s.accepted.add(now)
    this.#observe(s, 0, sentAt)
    // A control window judges the pace it set: answers to requests sent before it began belong to the last.
    if (sentAt >= s.windowAt) s.windowAnswers++
  }

  /**
   * A 429 (or WNS 406, or 503 with Retry-After) for a request sent at `sentAt`: the message waits its
   * Retry-After; the origin pauses and is limited only when 429s are a pattern or it is still probing.
   */
  throttle (origin: string, retryAfterMs: number | null, now: number, sentAt = now): ThrottleDecision {
    const s = this.#state(origin, now)
    const pause = retryAfterMs ?? DEFAULT_PAUSE_MS
    this.#observe(s, 1, sentAt)
    if (sentAt >= s.windowAt) {
      s.windowAnswers++
      s.window429++
    }
    s.lastThrottleAt = now
    const pattern = s.answers >= MIN_ANSWERS
    let originPausedUntil: number | null = null
    if (s.probing) {
      // Nothing was accepted yet, so there is no working rate to limit to: pause, then probe again.
      s.pausedUntil = Math.max(s.pausedUntil, now + pause)
      originPausedUntil = s.pausedUntil
    } else if (pattern && s.shareFast >= PAUSE_SHARE) {
      // A new episode: the pattern must show again in answers to requests sent from now on.
      s.pausedAt = now
      s.answers = 0
      s.shareFast = 0
      s.shareSlow = 0
      s.pausedUntil = Math.max(s.pausedUntil, now + pause)
      originPausedUntil = s.pausedUntil
      this.#limit(s, now, sentAt)
      s.tokens = 0
      s.tokensAt = Math.max(s.tokensAt, s.pausedUntil)
    } else if (s.limit === null && pattern && s.shareSlow >= LIMIT_SHARE) {
      this.#limit(s, now, sentAt)
    }
    return { retryAt: Math.max(now + pause, s.pausedUntil), originPausedUntil }
  }

  /**
   * Another worker saw the origin refuse the pace: pause until the same instant, and limit this worker's
   * rate too (it shares the service's wall), or it would come back from the pause at full speed.
   */
  pauseUntil (origin: string, until: number, now: number): void {
    const s = this.#state(origin, now)
    s.pausedUntil = Math.max(s.pausedUntil, until)
    if (s.limit === null && !s.probing) this.#limit(s, now, now)
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

  /** Marks an origin aborted (reported by another worker). */
  abort (origin: string, reason: string, now: number): void {
    const s = this.#state(origin, now)
    s.abortReason ??= reason
  }

  /** Why the origin was aborted, if it was. */
  abortReason (origin: string): string | null {
    return this.#origins.get(origin)?.abortReason ?? null
  }

  /** The current limit in requests per second (null = unlimited); for tests and logs. */
  limitOf (origin: string): number | null {
    return this.#origins.get(origin)?.limit ?? null
  }

  // Sets the limit from what the service accepted, or cuts it: once per episode, because the requests in
  // flight when the service started refusing come back 429 together (otherwise N concurrent 429s would
  // divide the rate N times).
  #limit (s: OriginState, now: number, sentAt: number): void {
    if (s.limit === null) {
      // Where the wall is is not known yet: no threshold, the limit doubles from here until it is found.
      s.limit = Math.max(MIN_LIMIT, RESUME_FACTOR * s.accepted.rate(now))
      s.threshold = Infinity
    } else if (sentAt > s.cutAt) {
      // Not a threshold: the 429s that pause an origin often answer the burst of messages that come back
      // together after a pause, not the pace; the control windows find the wall.
      s.limit = Math.max(MIN_LIMIT, s.limit * CUT_FACTOR)
    } else {
      return
    }
    s.cutAt = now
    this.#newWindow(s, now)
    s.tokens = Math.min(s.tokens, 0)
    s.tokensAt = Math.max(s.tokensAt, now)
  }

  // Once per control window: cut when the service still refuses more than a few requests, else grow
  // (faster once 429s stopped), and lift the limit once it no longer binds.
  #control (s: OriginState, now: number): void {
    if (s.limit === null) return
    const age = now - s.windowAt
    if (age < WINDOW_MS || (s.windowAnswers < WINDOW_ANSWERS && age < MAX_WINDOW_MS)) return
    if (s.windowAnswers > 0 && s.window429 > CUT_SHARE * s.windowAnswers) {
      s.limit = Math.max(MIN_LIMIT, s.limit * CUT_FACTOR)
      s.threshold = s.limit
      s.cutAt = now
    } else if (!s.held && now - s.lastThrottleAt >= CALM_MS) {
      // No 429 for a while and no message waited for the limit: it no longer binds.
      s.limit = null
    } else {
      if (now - s.lastThrottleAt >= FORGET_MS) s.threshold = Infinity
      s.limit = s.limit < s.threshold ? Math.min(s.limit * FAST_GROW_FACTOR, Math.max(s.threshold, s.limit * GROW_FACTOR)) : s.limit * GROW_FACTOR
    }
    this.#newWindow(s, now)
  }

  #newWindow (s: OriginState, now: number): void {
    s.windowAt = now
    s.windowAnswers = 0
    s.window429 = 0
    s.held = false
  }

  #observe (s: OriginState, throttled: 0 | 1, sentAt: number): void {
    // Answers to requests sent before the last pause describe the pace that caused it, already acted on.
    if (sentAt < s.pausedAt) return
    s.answers++
    // Plain means over the first answers, then moving averages.
    s.shareFast += (throttled - s.shareFast) * Math.max(FAST_ALPHA, 1 / s.answers)
    s.shareSlow += (throttled - s.shareSlow) * Math.max(SLOW_ALPHA, 1 / s.answers)
  }

  #state (origin: string, now: number): OriginState {
    let s = this.#origins.get(origin)
    if (s === undefined) {
      s = {
        pausedUntil: 0,
        pausedAt: -Infinity,
        probing: true,
        inFlight: 0,
        limit: null,
        tokens: 0,
        tokensAt: now,
        cutAt: -Infinity,
        lastThrottleAt: -Infinity,
        windowAt: now,
        windowAnswers: 0,
        window429: 0,
        held: false,
        threshold: Infinity,
        shareFast: 0,
        shareSlow: 0,
        answers: 0,
        started: new RateWindow(now),
        accepted: new RateWindow(now),
        authFailures: 0,
        abortReason: null
      }
      this.#origins.set(origin, s)
    }
    return s
  }
}
