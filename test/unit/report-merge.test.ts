// Merging reports (#6): counts add up, and latency percentiles of the merge are those of one histogram
// holding every sample — never an average of per-report percentiles.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mergeReports } from '../../src/report/merge.js'
import { readReportFile } from '../../src/report/read.js'
import type { OutcomeCounts, Report } from '../../src/report/report.js'
import { createHistogram, decodeHistogram, recordMs, summarize } from '../../src/stats/histogram.js'
import type { LatencyHistogram } from '../../src/stats/histogram.js'
import { fakeReport, histogramOf, seededRandom } from '../helpers/reports.js'

const T0 = Date.parse('2026-03-01T12:00:00.000Z')

/** An NS_ERR_REPORT error whose message names every string in `names`. */
function reportError (...names: string[]): (err: unknown) => true {
  return (err) => {
    assert.equal((err as { code?: unknown }).code, 'NS_ERR_REPORT', String(err))
    for (const n of names) assert.ok((err as Error).message.includes(n), `message does not name ${n}: ${(err as Error).message}`)
    return true
  }
}

/**
 * 100k latencies from three modes (fast, slow, a heavy tail), recorded once into `whole` and also split
 * unevenly over three parts the way real shards differ: part 2 (a slow machine) gets most of the tail.
 */
function dataset (): { whole: LatencyHistogram, parts: LatencyHistogram[] } {
  const rnd = seededRandom(6)
  const whole = createHistogram()
  const parts = [createHistogram(), createHistogram(), createHistogram()]
  for (let i = 0; i < 100_000; i++) {
    const u = rnd()
    const mode = u < 0.7 ? 0 : u < 0.96 ? 1 : 2
    // Log-uniform within each mode: 1–8 ms, 20–80 ms, 200 ms–3 s.
    const [lo, hi] = mode === 0 ? [1, 8] : mode === 1 ? [20, 80] : [200, 3000]
    const ms = lo * (hi / lo) ** rnd()
    const weights = mode === 0 ? [0.7, 0.25, 0.05] : mode === 1 ? [0.3, 0.4, 0.3] : [0.05, 0.15, 0.8]
    const p = rnd()
    const part = p < (weights[0] ?? 0) ? 0 : p < (weights[0] ?? 0) + (weights[1] ?? 0) ? 1 : 2
    recordMs(whole, ms)
    recordMs(parts[part] as LatencyHistogram, ms)
  }
  return { whole, parts }
}

test('merged percentiles equal those of one histogram of all samples; averaging per-report p99s does not', () => {
  const { whole, parts } = dataset()
  assert.ok(parts.every((p) => p.totalCount > 5000), 'every part holds a real share of the data')
  assert.notEqual(parts[0]?.totalCount, parts[2]?.totalCount, 'the split is uneven')
  const reports = parts.map((h, i) => fakeReport({ corrected: h, startedAt: new Date(T0 + i * 1000) }))
  const merged = mergeReports(reports)
  // What one run that recorded every sample would report.
  const expected = fakeReport({ corrected: whole }).latency.corrected
  assert.equal(expected.count, 100_000)
  const { max: _, ...percentiles } = summarize(whole)
  assert.deepEqual({ ...percentiles, max: expected.max }, expected, 'percentiles are those of the recorded values themselves')
  assert.deepEqual(merged.latency.corrected, expected)
  assert.deepEqual(merged.latency.raw, expected)
  for (const k of ['p50', 'p90', 'p99', 'p999', 'max', 'min', 'count', 'mean'] as const) {
    assert.equal(merged.latency.corrected[k], expected[k], k)
  }
  // The encoded histogram of the merge is the whole dataset too, so merges of merges stay exact.
  assert.deepEqual(summarize(decodeHistogram(merged.histograms.corrected)), expected)

  const averagedP99 = reports.reduce((s, r) => s + r.latency.corrected.p99, 0) / reports.length
  const weightedP99 = reports.reduce((s, r) => s + r.latency.corrected.p99 * r.latency.corrected.count, 0) / 100_000
  assert.notEqual(averagedP99, expected.p99, 'an average of p99s is not the p99')
  assert.notEqual(weightedP99, expected.p99, 'nor is a count-weighted average')
  assert.ok(Math.abs(averagedP99 - expected.p99) / expected.p99 > 0.05, `averaging is off by more than 5%: ${averagedP99} vs ${expected.p99}`)
})

test('counts are summed, workers keep their source, problems name their file, the first interruption is kept', () => {
  const a = fakeReport({
    corrected: histogramOf([1000, 2000, 3000, 4000]),
    counters: { Errors: 1, Status5xx: 1, Timeouts: 1, Retries: 2, Late: 3, Dropped: 1, Starved: 4, BytesSent: 100, BytesReceived: 1000, ConnectionsOpened: 2 },
    statusCodes: { 200: 2, 503: 1 },
    errors: { timeout: { count: 1, sample: 'headers timeout' } },
    perAddress: { '127.0.0.1': 3, '::1': 1 },
    protocols: { h2: 2 },
    workers: 2
  })
  const b = fakeReport({
    corrected: histogramOf([5000, 6000, 7000, 8000, 9000, 10000]),
    counters: { Errors: 2, Status4xx: 1, Timeouts: 0, Retries: 1, BytesSent: 50, BytesReceived: 500, ConnectionsOpened: 1 },
    statusCodes: { 200: 3, 404: 1 },
    errors: { timeout: { count: 1, sample: 'body timeout' }, conn_refused: { count: 1, sample: 'ECONNREFUSED' } },
    perAddress: { '127.0.0.1': 6 },
    protocols: { h2: 1, 'http/1.1': 1 },
    problems: ['worker 0 crashed 4 times and was given up'],
    interrupted: 'SIGTERM'
  })
  const m = mergeReports([a, b], { sources: ['a.json', 'b.json'] })
  for (const k of ['started', 'completed', 'ok', 'errors', 'timeouts', 'retries', 'late', 'dropped', 'starved'] as const) {
    assert.equal(m.requests[k], a.requests[k] + b.requests[k], k)
  }
  assert.equal(m.requests.completed, 10)
  assert.deepEqual(m.status, { '1xx': 0, '2xx': 5, '3xx': 0, '4xx': 1, '5xx': 1, codes: { 200: 5, 503: 1, 404: 1 } })
  assert.deepEqual(m.errors, { timeout: { count: 2, sample: 'headers timeout' }, conn_refused: { count: 1, sample: 'ECONNREFUSED' } })
  assert.deepEqual(m.bytes, { sent: 150, received: 1500 })
  assert.deepEqual(m.connections, { opened: 3, protocols: { h2: 3, 'http/1.1': 1 } })
  assert.deepEqual(m.perAddress, { '127.0.0.1': 9, '::1': 1 })
  assert.deepEqual(m.workers.map((w) => [w.source, w.index]), [[0, 0], [0, 1], [1, 0]])
  assert.equal(m.settings.workers, 3)
  assert.equal(m.interrupted, 'SIGTERM')
  assert.deepEqual(m.merged, { count: 2, files: ['a.json', 'b.json'] })
  assert.ok(m.problems.includes('b.json: worker 0 crashed 4 times and was given up'), m.problems.join('\n'))
  assert.ok(m.problems.some((p) => p.startsWith('b.json:') && p.includes('SIGTERM')), m.problems.join('\n'))
  assert.equal(m.passed, false)
  assert.equal(m.exitCode, 1)
  // Load error rate as buildReport defines it, from the summed counts: (errors + 4xx + 5xx) / completed.
  assert.equal(m.requests.errorRate, (3 + 1 + 1) / 10)
})

test('rps is completed over the wall span, from the first start to the last end', () => {
  const h = (n: number): LatencyHistogram => histogramOf(Array.from({ length: n }, (_, i) => 1000 + i))
  const reports = [
    fakeReport({ corrected: h(1000), startedAt: new Date(T0), durationMs: 10_000 }),
    fakeReport({ corrected: h(2000), startedAt: new Date(T0 + 2000), durationMs: 10_000 }),
    fakeReport({ corrected: h(600), startedAt: new Date(T0 + 5000), durationMs: 3000 })
  ]
  const m = mergeReports(reports)
  assert.equal(m.startedAt, new Date(T0).toISOString())
  assert.equal(m.durationMs, 12_000)
  assert.equal(m.requests.rps, Math.round((3600 / 12) * 10) / 10)
  // Neither the sum of the inputs' rates (they overlap) nor their mean.
  assert.notEqual(m.requests.rps, reports.reduce((s, r) => s + r.requests.rps, 0))
})

function outcomes (o: Partial<OutcomeCounts>): OutcomeCounts {
  const base: OutcomeCounts = { read: 0, skipped: 0, sent: 0, expired: 0, failed: 0, invalid: 0, dryRun: 0, notAttempted: 0, indeterminate: 0, ...o }
  base.read = base.skipped + base.sent + base.expired + base.failed + base.invalid + base.dryRun + base.notAttempted + base.indeterminate
  return base
}

function sendShard (index: number, count: number, o: Partial<OutcomeCounts>, inputLines: number): Report {
  const oc = outcomes(o)
  return fakeReport({
    command: 'send',
    corrected: histogramOf(Array.from({ length: oc.sent + oc.expired + oc.failed }, (_, i) => 5000 + i * 10)),
    outcomes: oc,
    shard: { index, count, otherShardLines: inputLines - oc.read },
    startedAt: new Date(T0 + index * 100)
  })
}

test('send: outcomes summed, error rate is failed / (sent + expired + failed), complete shards merge cleanly', () => {
  const shards = [
    sendShard(0, 3, { sent: 300, expired: 20, failed: 10, invalid: 3 }, 1000),
    sendShard(1, 3, { sent: 310, expired: 10, failed: 0, invalid: 0 }, 1000),
    sendShard(2, 3, { sent: 290, expired: 30, failed: 20, invalid: 7 }, 1000)
  ]
  // Input order does not matter.
  const m = mergeReports([shards[2], shards[0], shards[1]] as Report[], { sources: ['s2.json', 's0.json', 's1.json'] })
  assert.deepEqual(m.problems, [])
  assert.equal(m.passed, true)
  assert.equal(m.exitCode, 0)
  assert.equal(m.shard, undefined)
  assert.deepEqual(m.merged?.shards, { count: 3, indices: [2, 0, 1] })
  assert.deepEqual(m.outcomes, outcomes({ sent: 900, expired: 60, failed: 30, invalid: 10 }))
  assert.equal(m.outcomes?.read, 1000)
  assert.equal(m.requests.errorRate, Math.round((30 / 990) * 1e6) / 1e6)
})

test('shards: a missing or duplicate shard, or shards of different inputs, fail the merge with a problem', () => {
  const s = (i: number, lines = 900): Report => sendShard(i, 3, { sent: 300 }, lines)
  const missing = mergeReports([s(0), s(2)], { sources: ['a', 'c'] })
  assert.equal(missing.passed, false)
  assert.equal(missing.exitCode, 1)
  assert.ok(missing.problems.some((p) => /missing shard 1 of 3/.test(p)), missing.problems.join('\n'))

  const dup = mergeReports([s(0), s(1), sendShard(1, 3, { sent: 299, failed: 1 }, 900), s(2)], { sources: ['a', 'b', 'b2', 'c'] })
  assert.equal(dup.passed, false)
  assert.ok(dup.problems.some((p) => /duplicate shard 1 of 3: b, b2/.test(p)), dup.problems.join('\n'))

  const other = mergeReports([s(0), s(1), s(2, 950)], { sources: ['a', 'b', 'c'] })
  assert.equal(other.passed, false)
  assert.ok(other.problems.some((p) => p.includes('different inputs') && p.includes('c 950')), other.problems.join('\n'))

  // Each shard's totals agree, yet together they read more lines than the input has: they overlap.
  const overlap = mergeReports([sendShard(0, 2, { sent: 600 }, 1000), sendShard(1, 2, { sent: 600 }, 1000)])
  assert.ok(overlap.problems.some((p) => /read 1200 lines together but the input has 1000/.test(p)), overlap.problems.join('\n'))
})

test('shards: different shard counts, or shards mixed with unsharded reports, are refused', () => {
  const a = sendShard(0, 2, { sent: 10 }, 20)
  const b = sendShard(1, 3, { sent: 10 }, 20)
  assert.throws(() => mergeReports([a, b], { sources: ['a.json', 'b.json'] }), reportError('a.json', 'b.json', '2', '3'))
  const plain = fakeReport({ command: 'send', corrected: histogramOf([1000]), outcomes: outcomes({ sent: 1 }) })
  assert.throws(() => mergeReports([a, plain], { sources: ['a.json', 'plain.json'] }), reportError('plain.json', 'shard'))
})

test('the same report given twice is a problem, not a silent double count', () => {
  const a = fakeReport({ corrected: histogramOf([1000, 2000]) })
  const m = mergeReports([a, a], { sources: ['a.json', 'again/a.json'] })
  assert.equal(m.passed, false)
  assert.ok(m.problems.some((p) => p.includes('again/a.json is the same report as a.json')), m.problems.join('\n'))
})

test('thresholds are judged on the merged data', () => {
  const { parts, whole } = dataset()
  const reports = parts.map((h) => fakeReport({ corrected: h }))
  const p99 = fakeReport({ corrected: whole }).latency.corrected.p99
  // Limits just under and over the true p99: a per-report verdict could go either way, the merge must not.
  const fail = mergeReports(reports, { thresholds: { maxP99Ms: p99 - 1, maxErrorRate: 0 } })
  assert.deepEqual(fail.thresholds.map((t) => [t.name, t.passed, t.actual]), [['max-error-rate', true, 0], ['max-p99', false, p99]])
  assert.equal(fail.passed, false)
  assert.equal(fail.exitCode, 1)
  const pass = mergeReports(reports, { thresholds: { maxP99Ms: p99 + 1 } })
  assert.equal(pass.passed, true)
  assert.equal(pass.exitCode, 0)
  const errors = mergeReports([fakeReport({ corrected: histogramOf([1000, 1000, 1000, 1000]), counters: { Errors: 1 } }), fakeReport({ corrected: histogramOf([1000]) })], { thresholds: { maxErrorRate: 0.1 } })
  assert.deepEqual(errors.thresholds, [{ name: 'max-error-rate', limit: 0.1, actual: 0.2, passed: false }])
})

test('validation: no input, not a report, another schema, load with send, a corrupt histogram', () => {
  const load = fakeReport({ corrected: histogramOf([1000]) })
  const send = fakeReport({ command: 'send', corrected: histogramOf([1000]), outcomes: outcomes({ sent: 1 }) })
  assert.throws(() => mergeReports([]), reportError('at least one'))
  assert.throws(() => mergeReports([load, { ...load, tool: 'k6' } as unknown as Report], { sources: ['a.json', 'k6.json'] }), reportError('k6.json', 'not a notify-sender report'))
  assert.throws(() => mergeReports([load, { ...load, schema: 2 }], { sources: ['a.json', 'new.json'] }), reportError('new.json', 'schema 2'))
  assert.throws(() => mergeReports([load, send], { sources: ['load.json', 'send.json'] }), reportError('load.json', 'send.json', 'load', 'send'))
  assert.throws(() => mergeReports([{ ...load, histograms: { ...load.histograms, corrected: 'not-base64!' } }], { sources: ['x.json'] }), reportError('x.json', 'histograms.corrected'))
  const other = fakeReport({ corrected: histogramOf([1000, 2000]) })
  assert.throws(() => mergeReports([{ ...load, histograms: other.histograms }], { sources: ['y.json'] }), reportError('y.json', 'histograms.corrected', 'latency.corrected.count'))
})

test('reading report files: missing, not JSON, not a report; a directory means its report.json', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ns-merge-'))
  try {
    const report = fakeReport({ corrected: histogramOf([1000, 2000]) })
    await mkdir(join(dir, 'out'))
    await writeFile(join(dir, 'out', 'report.json'), JSON.stringify(report))
    assert.deepEqual(readReportFile(join(dir, 'out')), report)
    assert.throws(() => readReportFile(join(dir, 'missing.json')), reportError(join(dir, 'missing.json'), 'ENOENT'))
    await writeFile(join(dir, 'text.json'), 'hello')
    assert.throws(() => readReportFile(join(dir, 'text.json')), reportError(join(dir, 'text.json'), 'not JSON'))
    await writeFile(join(dir, 'array.json'), '[1, 2]')
    assert.throws(() => readReportFile(join(dir, 'array.json')), reportError(join(dir, 'array.json'), 'not a notify-sender report'))
    const { histograms: _, ...partial } = report
    await writeFile(join(dir, 'partial.json'), JSON.stringify(partial))
    assert.throws(() => readReportFile(join(dir, 'partial.json')), reportError(join(dir, 'partial.json'), 'histograms'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
