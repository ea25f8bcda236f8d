// Any way of splitting a set of latency samples over several reports merges back to the report one run
// with every sample would have written (#6): merging is exact, not an approximation.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { mergeReports } from '../../src/report/merge.js'
import { decodeHistogram } from '../../src/stats/histogram.js'
import { fakeReport, histogramOf } from '../helpers/reports.js'

// Bounded so the whole suite stays fast on a 2-core CI machine.
const RUNS = { numRuns: 60, interruptAfterTimeLimit: 5000 }

test('property: every split of a dataset merges to the same latency summary and histogram', () => {
  const sample = fc.tuple(fc.integer({ min: 1, max: 3_600_000_000 }), fc.nat({ max: 4 }))
  fc.assert(fc.property(fc.array(sample, { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 5 }), (samples, parts) => {
    const whole = fakeReport({ corrected: histogramOf(samples.map(([v]) => v)) })
    const split = Array.from({ length: parts }, (_, p) => histogramOf(samples.filter(([, i]) => i % parts === p).map(([v]) => v)))
    const merged = mergeReports(split.map((h) => fakeReport({ corrected: h })))
    assert.deepEqual(merged.latency.corrected, whole.latency.corrected)
    assert.equal(merged.requests.completed, samples.length)
    const a = decodeHistogram(merged.histograms.corrected)
    const b = decodeHistogram(whole.histograms.corrected)
    for (const p of [0, 25, 50, 75, 90, 99, 99.9, 100]) assert.equal(a.getValueAtPercentile(p), b.getValueAtPercentile(p), `p${p}`)
  }), RUNS)
})
