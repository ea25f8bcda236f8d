// The throttling policy (#12) on a simulated clock: isolated 429s cost only their message's wait, a
// pattern pauses the origin and resumes it near the rate that was being accepted, and the limit is lifted
// within seconds once the 429s stop. End-to-end figures are in test/integration/send-throttle.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OriginLimiter } from '../../src/send/origin-limiter.js'

const O = 'https://push.example.org'

/** Sends `n` requests from `from`, one every `everyMs`, all accepted; returns the clock after them. */
function acceptedRun (l: OriginLimiter, from: number, n: number, everyMs: number): number {
  let now = from
  for (let i = 0; i < n; i++) {
    l.started(O, now)
    l.settled(O)
    l.accepted(O, now)
    now += everyMs
  }
  return now
}

test('a new origin gets one request (a probe) until an answer other than 429/401/403', () => {
  const l = new OriginLimiter(20)
  assert.equal(l.waitMs(O, 0), 0)
  l.started(O, 0)
  assert.equal(l.waitMs(O, 1), Infinity, 'the others wait for the probe')
  // The probe is throttled: the origin pauses for Retry-After, with no limit (nothing was accepted yet).
  assert.equal(l.settled(O), true)
  const d = l.throttle(O, 2000, 10, 0)
  assert.deepEqual(d, { retryAt: 2010, originPausedUntil: 2010 })
  assert.equal(l.waitMs(O, 1000), 1010)
  assert.equal(l.limitOf(O), null)
  // Probe again; a 401 keeps probing (one request at a time towards the abort threshold).
  assert.equal(l.waitMs(O, 2010), 0)
  l.started(O, 2010)
  assert.equal(l.waitMs(O, 2011), Infinity)
  assert.equal(l.settled(O), true)
  assert.equal(l.authFailed(O, 'HTTP 401', 2020), false)
  assert.equal(l.waitMs(O, 2021), 0)
  l.started(O, 2021)
  assert.equal(l.settled(O), true)
  l.accepted(O, 2030)
  // Open: full concurrency from now on.
  l.started(O, 2031)
  assert.equal(l.waitMs(O, 2032), 0)
  l.started(O, 2032)
  assert.equal(l.waitMs(O, 2033), 0)
  assert.equal(l.settled(O), false)
})

test('isolated 429s (1 in 100) neither pause nor limit the origin: only the message waits its Retry-After', () => {
  const l = new OriginLimiter(20)
  let now = acceptedRun(l, 0, 50, 2)
  for (let i = 0; i < 2000; i++) {
    assert.equal(l.waitMs(O, now), 0, `request ${i} may go at once`)
    l.started(O, now)
    l.settled(O)
    if (i % 100 === 99) {
      const d = l.throttle(O, 1000, now + 1, now)
      assert.deepEqual(d, { retryAt: now + 1001, originPausedUntil: null })
    } else {
      l.accepted(O, now + 1)
    }
    now += 2
  }
  assert.equal(l.limitOf(O), null)
})

test('a pattern of 429s pauses the origin for Retry-After and resumes it at 90 % of the accepted rate; in-flight 429s cut once', () => {
  const l = new OriginLimiter(20)
  // 500 accepted requests/s for two seconds.
  const now = acceptedRun(l, 0, 1000, 2)
  // Then every answer is 429 for the 100 requests that were in flight (sent before the first 429).
  let paused: number | null = null
  for (let i = 0; i < 100; i++) {
    const d = l.throttle(O, 1000, now + i, now - 1)
    paused ??= d.originPausedUntil
  }
  assert.ok(paused !== null, 'paused once the share of 429s reached a quarter')
  assert.ok(paused >= now + 1000)
  const limit = l.limitOf(O)
  assert.ok(limit !== null && limit > 0.9 * 400 && limit <= 0.9 * 500 + 1, `limit ${String(limit)} near 90 % of 500/s (not divided once per 429)`)
  assert.ok(l.waitMs(O, now + 500) > 0, 'paused')
})

test('while limited, a window with more than 5 % of 429s cuts the limit by 15 %; once 429s stop the limit is lifted within seconds', () => {
  const l = new OriginLimiter(20)
  let now = acceptedRun(l, 0, 1000, 2)
  for (let i = 0; i < 40; i++) l.throttle(O, 1000, now + i, now - 1)
  const first = l.limitOf(O) ?? 0
  now += 1000
  // After the pause the wall is lower still: one answer in five is a 429 for 600 ms.
  for (let i = 0; i < 30; i++) {
    l.started(O, now)
    l.settled(O)
    if (i % 5 === 0) l.throttle(O, 1000, now + 1, now)
    else l.accepted(O, now + 1)
    now += 20
  }
  l.waitMs(O, now)
  assert.ok((l.limitOf(O) ?? Infinity) <= first * 0.85 + 1e-6, `cut to ${String(l.limitOf(O))} from ${first}`)
  // From then on everything is accepted, sending as fast as the limit allows: lifted within ~5 s.
  const t0 = now
  while (l.limitOf(O) !== null && now - t0 < 20_000) {
    const w = l.waitMs(O, now)
    if (w === 0) {
      l.started(O, now)
      l.settled(O)
      l.accepted(O, now)
    }
    now += Math.max(1, Math.min(w, 50))
  }
  assert.equal(l.limitOf(O), null)
  assert.ok(now - t0 <= 6000, `limit lifted after ${now - t0} ms`)
})

test('consecutive 401/403 up to the limit abort the origin; any other answer resets the count', () => {
  const l = new OriginLimiter(3)
  acceptedRun(l, 0, 1, 1)
  assert.equal(l.authFailed(O, 'HTTP 401', 1), false)
  assert.equal(l.authFailed(O, 'HTTP 401', 2), false)
  l.accepted(O, 3)
  assert.equal(l.authFailed(O, 'HTTP 403', 4), false)
  assert.equal(l.authFailed(O, 'HTTP 403', 5), false)
  assert.equal(l.authFailed(O, 'HTTP 403', 6), true)
  assert.equal(l.waitMs(O, 7), -1)
  assert.match(l.abortReason(O) ?? '', /3 consecutive 401\/403/)
})

test('a burst the service absorbed in its first quarter second is not taken for its pace', () => {
  // A service with a bucket accepts 112 requests in 250 ms, then refuses the pace: the limit comes from
  // at most one second's worth of them (it came out at 0.9 × 448/s when 250 ms counted as the window).
  const l = new OriginLimiter(20)
  const now = acceptedRun(l, 0, 112, 2)
  for (let i = 0; i < 16; i++) {
    l.started(O, now + i)
    l.settled(O)
    l.throttle(O, 1000, now + i, now + i)
  }
  const limit = l.limitOf(O)
  assert.ok(limit !== null && limit <= 0.9 * 112 + 1, `limit ${String(limit)}/s after 112 accepted in a quarter second`)
})
