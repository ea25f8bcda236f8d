// Exactly once through GOAWAY and REFUSED_STREAM (issue #10). Push services rotate HTTP/2 connections with
// GOAWAY and shed load with REFUSED_STREAM; both tell the client which streams they did not process. A
// send must deliver every message exactly once through them: streams at or below a GOAWAY's last-stream-id
// complete, only the others are sent again (by undici, counted as `replayed`), and none of it is reported
// failed or indeterminate. Real node:http2 TLS servers on loopback; deliveries are counted server-side.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import http2 from 'node:http2'
import { startSimulator } from '../../src/sim/simulator.js'
import { tempDir } from '../helpers/files.js'
import type { PushServer } from '../helpers/push-server.js'
import { assertAttemptsMatch, assertReconciled } from '../helpers/send-run.js'
import type { Reconciled } from '../helpers/send-run.js'
import type { Report } from '../../src/report/report.js'
import { mayHaveBeenDelivered } from '../../src/engine/error-kind.js'
import type { ErrorKind } from '../../src/engine/error-kind.js'
import { attemptsOf, CREATED, errorCounts, pushServer, sendTo } from '../helpers/fault-send.js'

const T = { timeout: 120_000 }

/**
 * Every line sent; the only failed attempts are streams the service said it did not process (a GOAWAY
 * above last-stream-id once undici's one replay was used, or a second REFUSED_STREAM), which the engine
 * sends again; nothing is flagged as possibly delivered; the service processed each message once.
 */
function assertExactlyOnce (report: Report, out: string, server: PushServer, n: number): Reconciled {
  const reconciled = assertReconciled(report, out)
  const { outcomes: o, records } = reconciled
  assert.equal(o.sent, n, `every line sent: ${JSON.stringify(o)}, errors ${errorCounts(report)}`)
  assert.equal(o.failed + o.indeterminate + o.notAttempted, 0)
  for (const kind of Object.keys(report.errors)) {
    assert.equal(mayHaveBeenDelivered(kind as ErrorKind), false, `only not-processed failures: ${errorCounts(report)}`)
  }
  assert.equal(report.requests.retries, report.requests.errors, 'each not-processed failure was sent again, once')
  assert.equal(records.sent.filter((r) => r.deliveryUnknown !== undefined).length, 0)
  assertAttemptsMatch(report, records)
  // Server side: each message was processed (answered 201) exactly once.
  assert.equal(server.delivered.size, n)
  assert.equal(server.duplicates(), 0, 'no message delivered twice')
  return reconciled
}

test('#10 graceful GOAWAY every 300 streams during a 3,000-line send: every message delivered exactly once', T, async (t) => {
  // session.close() at a session's 300th stream: GOAWAY(NO_ERROR) with the last stream received as
  // last-stream-id; the service answers every stream up to it, refuses the ones that arrive after.
  const server = await pushServer(t, () => CREATED, { goawayAfter: 300 })
  const n = 3000
  // 3,000 encryptions: a few seconds idle, far more on a loaded 2-core machine, hence the wide hang guard.
  const { report, out } = await sendTo(server, n, { workers: 2, concurrency: 100 }, {}, 110_000)
  assertExactlyOnce(report, out, server, n)
  assert.ok(server.goaways >= 9, `goaways ${server.goaways}`)
  assert.ok(server.sessions >= 10, `sessions ${server.sessions}`)
  t.diagnostic(`graceful GOAWAY: ${server.goaways} GOAWAYs over ${server.sessions} sessions, ${report.requests.started} requests, ${report.requests.replayed} replayed by undici, ${report.requests.retries} sent again by the engine (${errorCounts(report)}), 0 duplicates`)
})

test('#10 GOAWAY below the streams in flight: the streams above last-stream-id are replayed, not failed, not indeterminate', T, async (t) => {
  // Every 100th stream of a session, the service answers the streams up to it and sends GOAWAY with it as
  // last-stream-id; the streams above it that are already open are never processed.
  const server = await pushServer(t, () => CREATED, { goawayAfter: 100, goawayMode: 'cut' })
  const n = 1000
  const { report, out } = await sendTo(server, n, { concurrency: 50 })
  assertExactlyOnce(report, out, server, n)
  assert.ok(server.unprocessed > 0, 'streams were open above a last-stream-id')
  assert.ok(report.requests.replayed >= server.unprocessed, `replayed ${report.requests.replayed}, unprocessed ${server.unprocessed}`)
  t.diagnostic(`cut GOAWAY: ${server.goaways} GOAWAYs, ${server.unprocessed} streams left unprocessed above last-stream-id, ${report.requests.replayed} replayed`)
})

test('#10 GOAWAY with an error code fails only the streams above its last-stream-id, and those are sent again once', T, async (t) => {
  const server = await pushServer(t, () => CREATED, { goawayAfter: 100, goawayMode: 'cut', goawayCode: http2.constants.NGHTTP2_ENHANCE_YOUR_CALM })
  const n = 600
  const { report, out } = await sendTo(server, n, { concurrency: 50 })
  assertExactlyOnce(report, out, server, n)
  assert.ok(server.unprocessed > 0)
  assert.ok(report.requests.replayed >= server.unprocessed)
})

test('#10 REFUSED_STREAM is retried once by the transport: every message delivered once, no failed attempt', T, async (t) => {
  const server = await pushServer(t, (r) => r.attempt === 1 ? 'refuse' : CREATED)
  const n = 40
  const { report, out } = await sendTo(server, n, { concurrency: 40 })
  assertExactlyOnce(report, out, server, n)
  assert.equal(report.requests.replayed, n)
  for (let i = 0; i < n; i++) assert.equal(server.arrivals.get(`/p/${i}`)?.length, 2, `/p/${i}: refused, then processed`)
})

test('REFUSED_STREAM storm: a second refusal is a retryable refused_stream; all sent, no duplicates', T, async (t) => {
  // undici writes a refused stream once more; the second refusal reaches the engine, which retries it.
  const server = await pushServer(t, (r) => r.attempt <= 2 ? 'refuse' : CREATED)
  const n = 40
  const { report, out } = await sendTo(server, n, { concurrency: 40 })
  const { records } = assertReconciled(report, out)
  assert.equal(report.outcomes?.sent, n)
  assert.deepEqual(attemptsOf(records.sent), new Array(n).fill(2))
  assertAttemptsMatch(report, records)
  assert.equal(report.errors.refused_stream?.count, n)
  assert.equal(report.requests.errors, n)
  assert.equal(report.requests.replayed, n)
  assert.equal(records.sent.filter((r) => r.deliveryUnknown !== undefined).length, 0, 'a refused stream was never processed')
  assert.equal(server.duplicates(), 0)
  assert.equal(server.delivered.size, n)
})

test('GOAWAY while accepted streams are still unanswered (raw server): they finish, exactly once', T, async (t) => {
  // Every session closes gracefully at its 10th stream; the streams it accepted are answered 20 ms later.
  const server = await pushServer(t, () => ({ status: 201, delayMs: 20 }), { goawayAfter: 10 })
  const n = 100
  const { report, out } = await sendTo(server, n, { concurrency: 30 })
  assertExactlyOnce(report, out, server, n)
  assert.ok(server.goaways >= 1)
})

test('GOAWAY with streams in flight (simulator): every line sent exactly once', T, async (t) => {
  const n = 200
  const sim = await startSimulator({ subscriptions: n, faults: { goaway: 0.05 }, seed: '5eed'.repeat(16) })
  t.after(async () => { await sim.close() })
  const dir = tempDir()
  const subs = join(dir, 'subscriptions.ndjson')
  await sim.writeSubscriptions(subs, n)
  const r = await sendTo({ host: new URL(sim.origin).host, ca: sim.ca }, n, { subscriptions: subs, concurrency: 50 })
  const { records } = assertReconciled(r.report, r.out)
  assert.equal(r.report.outcomes?.sent, n, errorCounts(r.report))
  assertAttemptsMatch(r.report, records)
  const s = sim.stats()
  assert.ok(s.faults.goaway > 0, 'the simulator sent GOAWAYs')
  assert.equal(s.deliveredOnce, n)
  assert.equal(s.deliveredMoreThanOnce, 0)
  assert.equal(s.duplicates, 0)
})
