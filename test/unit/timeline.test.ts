// The timeline recorder on its own clock: what a late timer (a busy machine) does to the entries.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Slot } from '../../src/engine/protocol.js'
import type { SlotName } from '../../src/engine/protocol.js'
import { TimelineRecorder } from '../../src/stats/timeline.js'
import type { TimelineTotals } from '../../src/stats/timeline.js'

function totals (started: number): TimelineTotals {
  const counters = Object.fromEntries(Object.keys(Slot).filter((k) => k !== 'Count').map((k) => [k, 0])) as Record<SlotName, number>
  counters.Started = started
  return { counters, errors: {}, perOrigin: {} }
}

test('a timer that fires seconds late: the target and the counts of the skipped seconds go to the next entry', () => {
  // 100 requests due per second, from epoch second 10 to second 15.
  const due = (ms: number): number => Math.min(Math.max(ms - 10_000, 0), 5000) / 10
  const timeline = new TimelineRecorder((from, to) => due(to) - due(from))
  timeline.close(11_020, totals(100))
  timeline.close(14_700, totals(420))
  timeline.close(15_300, totals(500), true)
  assert.deepEqual(timeline.entries.map((e) => e.t), [10, 13, 15])
  assert.deepEqual(timeline.entries.map((e) => e.started), [100, 320, 80])
  assert.deepEqual(timeline.entries.map((e) => e.target), [100, 300, 100])
})

test('a first close that is late still counts the target since the start', () => {
  const due = (ms: number): number => Math.min(Math.max(ms - 10_000, 0), 3000) / 10
  const timeline = new TimelineRecorder((from, to) => due(to) - due(from))
  timeline.close(12_500, totals(150))
  timeline.close(13_400, totals(300), true)
  assert.equal(timeline.entries.reduce((n, e) => n + (e.target ?? 0), 0), 300)
})

test('pauses of the skipped seconds are counted in the entry that covers them', () => {
  const timeline = new TimelineRecorder(null)
  timeline.close(11_000, totals(0))
  timeline.pause('https://push.example', 11_500, 13_500)
  const withOrigin = (started: number): TimelineTotals => ({ ...totals(started), perOrigin: { 'https://push.example': { requests: started, throttled: 0 } } })
  timeline.close(14_100, withOrigin(10))
  assert.equal(timeline.entries.at(-1)?.origins?.['https://push.example']?.pausedMs, 2000)
})
