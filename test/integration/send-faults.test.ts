// The fault suite of `send`: real push services on loopback misbehaving in every way the network allows.
// Each test ends the same way: the run finished (bounded), every input line has exactly one outcome, the
// report's counts equal the outcome files' line counts, and the attempts recorded per line add up to the
// engine's counters. The per-kind outcomes are what the fault implies.
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { generateSelfSignedCertificate } from '../../src/tls/cert.js'
import { tempDir } from '../helpers/files.js'
import { startDnsServer } from '../helpers/dns-server.js'
import { startSilentServer } from '../helpers/push-server.js'
import type { PushServer } from '../helpers/push-server.js'
import { assertAttemptsMatch, assertReconciled, writeSubscriptions } from '../helpers/send-run.js'
import { assertRetryableErrorsOnly, attemptsOf, CREATED, errorCounts, pushServer, sendTo } from '../helpers/fault-send.js'

const T = { timeout: 90_000 }

test('connection reset mid-stream: every line on the reset connections is retried and sent', T, async (t) => {
  // The first three connections are reset (TCP RST) when their 5th stream has sent part of its body,
  // taking every stream in flight on them down. A line can be caught by at most those three resets, so
  // with 3 retries every line is sent; how many attempts each needed depends on timing.
  const RESETS = 3
  let scheduled = 0
  const server = await pushServer(t, (r) => {
    if (r.sessionStreams === 5 && scheduled < RESETS) {
      scheduled++
      return 'reset-connection'
    }
    return CREATED
  })
  const n = 60
  const { report, out } = await sendTo(server, n, { concurrency: 20 })
  const { records } = assertReconciled(report, out)
  assert.equal(report.outcomes?.sent, n)
  assertAttemptsMatch(report, records)
  assert.ok(server.resets >= 1, `resets ${server.resets}`)
  assert.ok(server.sessions > server.resets, 'the sender reconnected after each reset')
  assert.ok(Math.max(...attemptsOf(records.sent)) >= 2, 'the lines in flight on a reset connection were retried')
  assert.ok(report.requests.errors > 0)
  assertRetryableErrorsOnly(report)
  for (let i = 0; i < n; i++) assert.ok((server.delivered.get(`/p/${i}`) ?? 0) >= 1, `/p/${i} delivered`)
  t.diagnostic(`reset: ${server.resets} connection resets, ${report.requests.errors} failed attempts (${errorCounts(report)}), ${server.duplicates()} duplicate deliveries`)
})

test('5xx burst: the first two answers for every subscription are 500 and 503, then 201 — all sent after 3 attempts', T, async (t) => {
  const server = await pushServer(t, (r) => r.attempt === 1 ? { status: 500, body: '{"reason":"internal"}' } : r.attempt === 2 ? { status: 503 } : CREATED)
  const n = 40
  const { report, out } = await sendTo(server, n, { concurrency: 20 })
  const { records } = assertReconciled(report, out)
  assert.equal(report.outcomes?.sent, n)
  assert.deepEqual(attemptsOf(records.sent), new Array(n).fill(3))
  for (const r of records.sent) assert.equal(r.status, 201)
  assertAttemptsMatch(report, records)
  assert.equal(report.status['5xx'], 2 * n)
  assert.equal(report.status.codes['500'], n)
  assert.equal(report.status.codes['503'], n)
  assert.equal(report.requests.retries, 2 * n)
  assert.equal(server.duplicates(), 0)
})

test('a permanently failing service: every line fails with the HTTP reason after retries + 1 attempts', T, async (t) => {
  const server = await pushServer(t, () => ({ status: 500, body: '{"reason":"backend down"}' }))
  const n = 20
  const retries = 2
  const { report, out } = await sendTo(server, n, { retries, concurrency: 20 })
  const { records } = assertReconciled(report, out)
  assert.equal(report.outcomes?.failed, n)
  for (const f of records.failed) {
    assert.equal(f.attempts, retries + 1)
    assert.equal(f.status, 500)
    assert.equal(f.reason, 'HTTP 500: backend down')
    assert.equal(server.arrivals.get(`/p/${f.line - 1}`)?.length, retries + 1, 'the server saw each attempt')
  }
  assertAttemptsMatch(report, records)
  assert.equal(report.status['5xx'], n * (retries + 1))
  assert.equal(report.requests.errorRate, 1)
})

/**
 * Answers the first `after` requests 201, then 429 with `retryAfter(first)` to every request that
 * arrives before `until(first)` (first = the first throttled arrival), and 201 again afterwards.
 * Returns, per throttled path, the time of its 429 and of the next request for it.
 */
async function throttleOnce (t: TestContext, after: number, retryAfter: (first: number) => string, until: (first: number) => number): Promise<{ server: PushServer, throttled: () => Array<{ path: string, at: number, next: number | undefined }> }> {
  let first: number | undefined
  const answered429 = new Map<string, number>()
  const server = await pushServer(t, (r) => {
    if (r.index < after) return CREATED
    first ??= r.at
    if (r.at < until(first)) {
      if (!answered429.has(r.path)) answered429.set(r.path, r.at)
      return { status: 429, headers: { 'retry-after': retryAfter(first) } }
    }
    return CREATED
  })
  return {
    server,
    throttled: () => [...answered429].map(([path, at]) => ({ path, at, next: server.arrivals.get(path)?.find((x) => x > at) }))
  }
}

// The service starts throttling once the sender is under way (after 20 requests), as a service does
// under load. (A 429 to the very first request is the probe's case: test/integration/send-throttle.test.ts.)
const THROTTLE_AFTER = 20

test('429 with Retry-After in seconds: the origin waits at least that long, then every line is sent', T, async (t) => {
  const { server, throttled } = await throttleOnce(t, THROTTLE_AFTER, () => '1', (first) => first + 1000)
  const n = 40
  const { report, out } = await sendTo(server, n, { concurrency: 10 })
  const { records } = assertReconciled(report, out)
  assert.equal(report.outcomes?.sent, n)
  const waits = throttled()
  assert.ok(waits.length >= 1)
  for (const w of waits) {
    assert.ok(w.next !== undefined, `${w.path} was tried again`)
    // Measured on the server: from the 429 to the next request for the same subscription.
    assert.ok(w.next - w.at >= 950, `${w.path} came back after ${w.next - w.at} ms, Retry-After was 1 s`)
  }
  // A throttled attempt does not use up the retry budget: every line records one attempt.
  assert.deepEqual(attemptsOf(records.sent), new Array(n).fill(1))
  const tooMany = report.status.codes['429'] ?? 0
  assert.equal(tooMany, [...server.arrivals.values()].flat().length - n, 'every request beyond one per line was a 429')
  assertAttemptsMatch(report, records, tooMany)
  t.diagnostic(`Retry-After 1: ${tooMany} answers 429 for ${waits.length} subscriptions; shortest wait ${Math.min(...waits.map((w) => (w.next ?? 0) - w.at))} ms; run ${report.durationMs} ms`)
})

test('429 with Retry-After as an HTTP-date: the origin waits until that date, then every line is sent', T, async (t) => {
  // A whole second at least one second ahead: HTTP-dates have one-second resolution.
  const dateOf = (first: number): number => Math.ceil((first + 1000) / 1000) * 1000
  const { server, throttled } = await throttleOnce(t, THROTTLE_AFTER, (first) => new Date(dateOf(first)).toUTCString(), dateOf)
  const n = 40
  const { report, out } = await sendTo(server, n, { concurrency: 10 })
  const { records } = assertReconciled(report, out)
  assert.equal(report.outcomes?.sent, n)
  const waits = throttled()
  assert.ok(waits.length >= 1)
  const firstAt = Math.min(...waits.map((w) => w.at))
  const date = dateOf(firstAt)
  for (const w of waits) {
    assert.ok(w.next !== undefined, `${w.path} was tried again`)
    // One clock on both sides (one machine): allow only timer granularity.
    assert.ok(w.next >= date - 20, `${w.path} came back ${date - w.next} ms before the Retry-After date`)
  }
  assert.ok((waits.find((w) => w.at === firstAt)?.next ?? 0) - firstAt >= 950, 'the first throttled request waited at least a second')
  assert.deepEqual(attemptsOf(records.sent), new Array(n).fill(1))
  const tooMany = report.status.codes['429'] ?? 0
  assertAttemptsMatch(report, records, tooMany)
  t.diagnostic(`Retry-After date: ${tooMany} answers 429 for ${waits.length} subscriptions; run ${report.durationMs} ms`)
})

test('responses that never come: every line fails with a timeout after retries + 1 attempts', T, async (t) => {
  const server = await pushServer(t, () => 'never')
  const n = 20
  const retries = 2
  const { report, out } = await sendTo(server, n, { retries, timeout: '500ms', concurrency: 20 })
  const { records } = assertReconciled(report, out)
  assert.equal(report.outcomes?.failed, n)
  for (const f of records.failed) {
    assert.equal(f.attempts, retries + 1)
    assert.equal(f.status, null)
    assert.match(f.reason ?? '', /^timeout: .*timeout/)
    assert.equal(server.arrivals.get(`/p/${f.line - 1}`)?.length, retries + 1)
  }
  assertAttemptsMatch(report, records)
  assert.equal(report.errors.timeout?.count, n * (retries + 1))
  assert.equal(report.requests.timeouts, n * (retries + 1))
})

test('a server that accepts TCP but never completes TLS: every line fails with connect_timeout', T, async (t) => {
  const server = await startSilentServer()
  t.after(async () => { await server.close() })
  const ca = generateSelfSignedCertificate({ hosts: ['127.0.0.1'] }).cert
  const n = 20
  const retries = 2
  const { report, out } = await sendTo({ host: server.host, ca }, n, { retries, connectTimeout: '500ms', concurrency: 20 })
  const { records } = assertReconciled(report, out)
  assert.equal(report.outcomes?.failed, n)
  for (const f of records.failed) {
    assert.equal(f.attempts, retries + 1)
    assert.match(f.reason ?? '', /^connect_timeout: /)
  }
  assertAttemptsMatch(report, records)
  assert.equal(report.errors.connect_timeout?.count, n * (retries + 1))
  assert.equal(report.connections.opened, 0)
  assert.ok(server.connections >= 1)
})

test('DNS failure for one host while the other resolves: its lines fail with a dns reason, the others are sent', T, async (t) => {
  const GOOD = 'push.good.notify-sender.test'
  const BAD = 'push.bad.notify-sender.test'
  const { cert, key } = generateSelfSignedCertificate({ hosts: [GOOD, BAD] })
  const server = await pushServer(t, () => CREATED, { cert, key })
  // The test DNS server knows GOOD and answers NXDOMAIN for BAD.
  const dns = await startDnsServer({ [GOOD]: { A: ['127.0.0.1'] } })
  t.after(async () => { await dns.close() })
  const n = 40
  const dir = tempDir()
  const hostOf = (i: number): string => i % 2 === 0 ? GOOD : BAD
  const subs = writeSubscriptions(dir, (i) => `https://${hostOf(i)}:${server.port}`, n)
  const retries = 2
  const r = await sendTo({ host: `${GOOD}:${server.port}`, ca: cert }, n, {
    subscriptions: subs,
    allowHost: [`${GOOD}:${server.port}`, `${BAD}:${server.port}`],
    forceDns: true,
    dnsServer: [dns.address],
    retries
  })
  const { records, kindOf } = assertReconciled(r.report, r.out)
  assert.equal(r.report.outcomes?.sent, n / 2)
  assert.equal(r.report.outcomes?.failed, n / 2)
  for (let line = 1; line <= n; line++) assert.equal(kindOf.get(line), hostOf(line - 1) === GOOD ? 'sent' : 'failed', `line ${line}`)
  for (const f of records.failed) {
    assert.match(f.reason ?? '', /^dns: cannot resolve push\.bad\.notify-sender\.test/)
    assert.equal(f.attempts, retries + 1)
    assert.equal(new URL(f.endpoint ?? '').hostname, BAD)
  }
  assertAttemptsMatch(r.report, records)
  assert.equal(r.report.errors.dns?.count, (n / 2) * (retries + 1))
  assert.equal(server.delivered.size, n / 2)
  assert.ok((dns.queriesByName.get(BAD) ?? 0) >= 1)
})
