// #12 - throttling that recovers. Throughput figures are ratios of runs made side by side in the same test
// (the machine is shared and busy; absolute rates mean nothing here), with enough messages that a 1 s
// Retry-After at the end of a run does not dominate it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { runSend } from '../../src/run/send.js'
import type { Report } from '../../src/report/report.js'
import { simFixture } from '../helpers/send-fixtures.js'
import { assertAttemptsMatch, assertReconciled, writeSubscriptions } from '../helpers/send-run.js'
import { CREATED, pushServer, sendTo } from '../helpers/fault-send.js'
import { tempDir } from '../helpers/files.js'
import { generateSelfSignedCertificate } from '../../src/tls/cert.js'

const T = { timeout: 240_000 }

test('#12 - with 1 % of 429s (Retry-After 1 s) the send keeps at least half its unthrottled throughput', T, async (t) => {
  const n = 1500
  // Best rate of each kind over up to three rounds of the three runs back to back: on a shared machine one
  // run can land in a busy spell (once: 353 msg/s unthrottled, then 149 and 157 throttled, both at 0.4),
  // while a collapse like the one this replaced (0.009) fails every round.
  const rates: Record<string, number> = {}
  const reports: Record<string, Report> = {}
  let ratio1 = 0
  let ratio5 = 0
  for (let round = 1; round <= 3 && (ratio1 < 0.5 || ratio5 < 0.25); round++) {
    for (const [name, throttle] of [['unthrottled', 0], ['1% 429', 0.01], ['5% 429', 0.05]] as const) {
      const f = await simFixture(t, n, { faults: { throttle }, retryAfterSeconds: 1 })
      const out = join(f.dir, 'out')
      const r = await runSend({ ...f.options, workers: 2, payload: 'throttle', out })
      const { records } = assertReconciled(r, out)
      assert.equal(r.outcomes?.sent, n, `${name}: every message sent`)
      assertAttemptsMatch(r, records, r.status.codes['429'] ?? 0)
      if (throttle > 0) assert.ok((r.status.codes['429'] ?? 0) > 0, `${name}: the simulator throttled`)
      for (let i = 0; i < n; i++) assert.ok(f.sim.deliveries(i) >= 1, `${name}: subscription ${i} delivered`)
      const rate = (n * 1000) / r.durationMs
      if (rate > (rates[name] ?? 0)) {
        rates[name] = rate
        reports[name] = r
      }
    }
    const base = rates.unthrottled ?? 0
    ratio1 = (rates['1% 429'] ?? 0) / base
    ratio5 = (rates['5% 429'] ?? 0) / base
    t.diagnostic(`round ${round}, best msg/s so far: unthrottled ${base.toFixed(0)}, 1% 429 ${rates['1% 429']?.toFixed(0) ?? ''} (${ratio1.toFixed(2)}), 5% 429 ${rates['5% 429']?.toFixed(0) ?? ''} (${ratio5.toFixed(2)}); ` +
      `429s answered: ${reports['1% 429']?.status.codes['429'] ?? 0} and ${reports['5% 429']?.status.codes['429'] ?? 0}`)
  }
  assert.ok(ratio1 >= 0.5, `1% 429: ${ratio1.toFixed(2)} of the unthrottled throughput`)
  // Not a target of the issue (it measured 0.009 before); a floor that catches a collapse.
  assert.ok(ratio5 >= 0.25, `5% 429: ${ratio5.toFixed(2)} of the unthrottled throughput`)
})

test('#12 - a 429 wall: the origin converges below the wall and a healthy origin in the same run keeps going', T, async (t) => {
  // The walled service accepts at most WALL requests per second (a token bucket holding one second of them:
  // on a busy machine this event loop stalls, and requests sent steadily meanwhile arrive in one batch) and
  // answers 429 with Retry-After 1 to the rest.
  const WALL = 100
  let tokens = WALL
  let refilledAt = 0
  const answers: Array<{ at: number, ok: boolean }> = []
  // One certificate for both services, so that one --ca trusts both.
  const credentials = generateSelfSignedCertificate({ hosts: ['127.0.0.1'] })
  const walled = await pushServer(t, (r) => {
    tokens = Math.min(WALL, tokens + ((r.at - (refilledAt || r.at)) / 1000) * WALL)
    refilledAt = r.at
    const ok = tokens >= 1
    if (ok) tokens -= 1
    answers.push({ at: r.at, ok })
    return ok ? CREATED : { status: 429, headers: { 'retry-after': '1' } }
  }, credentials)
  const healthy = await pushServer(t, () => CREATED, credentials)
  const n = 1200
  // Lines alternate between the two services.
  const originOf = (i: number): string => i % 2 === 0 ? walled.origin : healthy.origin
  const subscriptions = writeSubscriptions(tempDir(), originOf, n, 'two-origins.ndjson')
  const { report, out } = await sendTo(walled, n, {
    subscriptions,
    allowHost: [walled.host, healthy.host],
    workers: 2
  })
  const { records } = assertReconciled(report, out)
  assert.equal(report.outcomes?.sent, n)
  assertAttemptsMatch(report, records, report.status.codes['429'] ?? 0)

  // The healthy service saw every one of its lines exactly once, and none of them was held back by the
  // other service's 429s.
  assert.equal(healthy.requests, n / 2)
  assert.equal(healthy.duplicates(), 0)
  const first = answers[0]?.at ?? 0
  const last = answers[answers.length - 1]?.at ?? 0
  const span = (last - first) / 1000
  const accepted = answers.filter((a) => a.ok).length
  // The second half of the walled service's time: after the first pause, the sender should be near and
  // mostly below the wall, so most requests are accepted.
  const late = answers.filter((a) => a.at >= first + (last - first) / 2)
  const lateShare429 = late.filter((a) => !a.ok).length / Math.max(1, late.length)
  const lateRate = late.length / Math.max(0.001, (last - first) / 2000)
  t.diagnostic(`wall ${WALL}/s: ${answers.length} requests for ${n / 2} lines over ${span.toFixed(1)} s, accepted ${(accepted / span).toFixed(0)}/s; ` +
    `second half: ${lateRate.toFixed(0)} requests/s, ${(100 * lateShare429).toFixed(0)} % answered 429; healthy service: ${healthy.requests} requests`)
  // Accepted/throttled answers per quarter second, to read the controller's episodes when this fails.
  const quarters = new Map<number, [number, number]>()
  for (const a of answers) {
    const q = Math.floor((a.at - first) / 250)
    const counts = quarters.get(q) ?? [0, 0]
    counts[a.ok ? 0 : 1]++
    quarters.set(q, counts)
  }
  t.diagnostic('ms:accepted/429 ' + [...quarters].map(([q, [ok, no]]) => `${q * 250}:${ok}/${no}`).join(' '))
  assert.equal(accepted, n / 2)
  assert.ok(lateShare429 < 0.3, `second half: ${(100 * lateShare429).toFixed(0)} % of the requests were answered 429`)
  // Limited, not collapsed (the AIMD this replaced fell to a few per second): at least a third of the wall.
  assert.ok(accepted / span >= WALL / 3, `accepted ${(accepted / span).toFixed(0)}/s against a wall of ${WALL}/s`)
})

test('#12 - first contact: a 429 to the very first request pauses the origin and then opens it fully; 401s arrive one at a time', T, async (t) => {
  // The service throttles its very first request only.
  const throttled = await pushServer(t, (r) => r.index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : CREATED)
  const n = 200
  const a = await sendTo(throttled, n, { concurrency: 50 })
  const ra = assertReconciled(a.report, a.out)
  assert.equal(a.report.outcomes?.sent, n)
  assertAttemptsMatch(a.report, ra.records, 1)
  // One request, then nothing for the whole Retry-After: the probe held the others back.
  const times = [...throttled.arrivals.values()].flat().sort((x, y) => x - y)
  assert.ok((times[1] ?? 0) - (times[0] ?? 0) >= 950, `second request ${(times[1] ?? 0) - (times[0] ?? 0)} ms after the throttled first one`)

  // A service that rejects the VAPID credentials: with concurrency 50, it sees one request at a time
  // until the origin is aborted at the 20th consecutive 401, not a burst of 50 first.
  const rejecting = await pushServer(t, () => ({ status: 401, body: '{"reason":"bad jwt"}' }))
  const b = await sendTo(rejecting, n, { concurrency: 50 })
  assert.equal(b.report.outcomes?.failed, n)
  assert.equal(rejecting.requests, 20, 'one request at a time until the abort')
  assert.equal(b.report.passed, false)
})
