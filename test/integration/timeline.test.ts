// The per-second timeline (#14): real loopback runs whose timeline entries add up to the report's totals,
// for load (status mix, transport errors, an open-model target) and send (outcomes, 429 pauses per push
// service), and timelines of concurrent runs merged by wall-clock second.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../src/run/load.js'
import { mergeReports } from '../../src/report/merge.js'
import type { Report } from '../../src/report/report.js'
import type { TimelineSecond } from '../../src/stats/timeline.js'
import { decodeHistogram } from '../../src/stats/histogram.js'
import { startH2Server } from '../helpers/servers.js'
import { CREATED, pushServer, sendTo } from '../helpers/fault-send.js'

const T = { timeout: 60_000 }

function total (r: Report, get: (e: TimelineSecond) => number): number {
  return r.timeline.reduce((n, e) => n + get(e), 0)
}

/** Every count of the timeline adds up to the report's totals. */
function assertTimelineSums (r: Report): void {
  assert.ok(r.timeline.length > 0, 'the timeline has entries')
  for (let i = 1; i < r.timeline.length; i++) {
    assert.ok((r.timeline[i]?.t ?? 0) > (r.timeline[i - 1]?.t ?? 0), 'seconds strictly increase')
  }
  assert.equal(total(r, (e) => e.started), r.requests.started, 'started')
  assert.equal(total(r, (e) => e.completed), r.requests.completed, 'completed')
  assert.equal(total(r, (e) => e.errors), r.requests.errors, 'errors')
  for (const k of ['1xx', '2xx', '3xx', '4xx', '5xx'] as const) assert.equal(total(r, (e) => e.status[k]), r.status[k], `status ${k}`)
  assert.equal(total(r, (e) => e.bytes.sent), r.bytes.sent, 'bytes sent')
  assert.equal(total(r, (e) => e.bytes.received), r.bytes.received, 'bytes received')
  assert.equal(total(r, (e) => e.latency.corrected.count), r.latency.corrected.count, 'corrected latency samples')
  assert.equal(total(r, (e) => e.latency.raw.count), r.latency.raw.count, 'raw latency samples')
  for (const [kind, e] of Object.entries(r.errors)) assert.equal(total(r, (s) => s.errorKinds[kind] ?? 0), e.count, `error kind ${kind}`)
  for (const e of r.timeline) {
    assert.equal(decodeHistogram(e.histograms.corrected).totalCount, e.latency.corrected.count, 'interval histogram matches its count')
    if (e.latency.corrected.count > 0) assert.ok(e.latency.corrected.p50 <= e.latency.corrected.p99)
  }
  assert.equal(r.timeline.at(-1)?.inFlight, 0, 'nothing in flight once the run ended')
}

test('load: the timeline sums equal the report totals; the target follows --rate', T, async (t) => {
  // Every 10th stream refused (a transport error), every 7th answered 503: errors and status classes vary.
  const server = await startH2Server({ tls: false, status: (i) => i % 7 === 3 ? 503 : 200, refuseStreamsRatio: 0.1 })
  t.after(async () => { await server.close() })
  const rate = 150
  const r = await runLoad({ urls: [server.url], workers: 2, http: 2, rate, duration: '3s', concurrency: 40, logLevel: 'silent' })
  assertTimelineSums(r)
  assert.ok(r.status['5xx'] > 0 && r.status['2xx'] > 0, JSON.stringify(r.status))
  // The schedule's due requests over all seconds are the rate times the duration.
  const target = total(r, (e) => e.target ?? 0)
  assert.ok(Math.abs(target - rate * 3) < 1, `target ${target}`)
  const busy = r.timeline.filter((e) => e.started > 0)
  assert.ok(busy.length >= 3, `${busy.length} busy seconds`)
  assert.ok(r.latency.corrected.p95 >= r.latency.corrected.p90 && r.latency.corrected.p95 <= r.latency.corrected.p99, JSON.stringify(r.latency.corrected))
  assert.ok(r.latency.corrected.stddev >= 0)
})

test('send: outcomes and per-push-service 429s and pauses per second add up to the report', T, async (t) => {
  // Once under way, twenty subscriptions are throttled once (429, Retry-After 1 s), then accepted: a burst,
  // so the origin is paused as well (an isolated 429 only delays its own message; README, Throttling).
  const server = await pushServer(t, (req) => req.attempt === 1 && req.index >= 20 && req.index < 40
    ? { status: 429, headers: { 'retry-after': '1' } }
    : CREATED)
  const n = 60
  const { report: r } = await sendTo(server, n, { concurrency: 10 })
  assertTimelineSums(r)
  assert.equal(r.outcomes?.sent, n)
  assert.equal(total(r, (e) => e.outcomes?.sent ?? 0), n, 'sent per second adds up')
  assert.equal(total(r, (e) => e.outcomes?.read ?? 0), r.outcomes?.read)
  const origin = `https://${server.host}`
  const per = r.timeline.map((e) => e.origins?.[origin])
  const throttled = per.reduce((s, o) => s + (o?.throttled ?? 0), 0)
  assert.equal(throttled, r.status.codes['429'], 'throttled responses per origin add up to the 429s')
  assert.equal(per.reduce((s, o) => s + (o?.outcomes.sent ?? 0), 0), n, 'sent per origin')
  assert.equal(per.reduce((s, o) => s + (o?.requests ?? 0), 0), r.requests.completed, 'requests per origin')
  const paused = per.reduce((s, o) => s + (o?.pausedMs ?? 0), 0)
  assert.ok(paused >= 500, `the origin was paused for ${paused} ms in total`)
})

test('merge: timelines of concurrent runs are merged by wall-clock second', T, async (t) => {
  const server = await startH2Server({ tls: false, status: 200 })
  t.after(async () => { await server.close() })
  const opts = { urls: [server.url], workers: 1, http: 2 as const, rate: 100, duration: '2s', concurrency: 20, logLevel: 'silent' }
  const [a, b] = await Promise.all([runLoad(opts), runLoad(opts)])
  const m = mergeReports([a, b])
  assertTimelineSums(m)
  const seconds = new Set([...a.timeline, ...b.timeline].map((e) => e.t))
  assert.deepEqual(m.timeline.map((e) => e.t), [...seconds].sort((x, y) => x - y))
  for (const e of m.timeline) {
    const parts = [...a.timeline, ...b.timeline].filter((p) => p.t === e.t)
    assert.equal(e.started, parts.reduce((s, p) => s + p.started, 0), `started at ${e.t}`)
    assert.equal(e.latency.corrected.count, parts.reduce((s, p) => s + p.latency.corrected.count, 0), `latency samples at ${e.t}`)
    assert.ok(Math.abs((e.target ?? 0) - parts.reduce((s, p) => s + (p.target ?? 0), 0)) < 0.01, `target at ${e.t}`)
  }
  // A report from before the timeline existed still merges (its part of the timeline is empty).
  const old = { ...a, timeline: undefined } as unknown as Report
  assert.deepEqual(mergeReports([old]).timeline, [])
})
