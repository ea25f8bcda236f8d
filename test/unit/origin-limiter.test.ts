import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OriginLimiter } from '../../src/push/origin-limiter.js'

const O = 'https://push.example.org'

// The limit is not exposed; right after a pause, with no tokens yet, waitMs is the spacing 1000 / limit.
function spacingAfterPause (l: OriginLimiter, until: number): number {
  return l.waitMs(O, until)
}

test('concurrent 429s for requests already in flight halve the rate once, not once per answer', () => {
  const l = new OriginLimiter(20)
  // 100 requests started within the first 200 ms: the rate seen is 500/s.
  for (let i = 0; i < 100; i++) l.started(O, i)
  // 50 of them come back 429 one after another (all sent before the first 429 arrived).
  let until = 0
  for (let i = 0; i < 50; i++) until = l.throttle(O, 1000, 200 + i, i)
  assert.equal(until, 249 + 1000)
  assert.ok(l.waitMs(O, 1000) > 0, 'paused')
  // Halved once: 250/s, i.e. one request every 4 ms (halving 50 times would have hit the 1/s floor).
  assert.equal(spacingAfterPause(l, until), 4)
})

test('a 429 for a request sent after the last halving is a new episode and halves again', () => {
  const l = new OriginLimiter(20)
  for (let i = 0; i < 100; i++) l.started(O, i)
  const first = l.throttle(O, 1000, 200, 50)
  assert.equal(spacingAfterPause(l, first), 4)
  l.started(O, first + 20)
  const second = l.throttle(O, 1000, first + 40, first + 20)
  assert.equal(spacingAfterPause(l, second), 8)
})

test('without a send time every 429 counts as its own episode (the previous behaviour of callers that do not know it)', () => {
  const l = new OriginLimiter(20)
  for (let i = 0; i < 100; i++) l.started(O, i)
  l.throttle(O, 1000, 200)
  const until = l.throttle(O, 1000, 201)
  assert.equal(spacingAfterPause(l, until), 8)
})
