import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ArrivalSchedule, planStages } from '../../src/engine/schedule.js'

const close = (a: number, b: number, eps = 1e-6): void => { assert.ok(Math.abs(a - b) <= eps, `${a} ≈ ${b}`) }

test('a constant rate spaces events evenly from the start', () => {
  const s = new ArrivalSchedule([], 100)
  close(s.timeOf(1), 10)
  close(s.timeOf(250), 2500)
  close(s.eventsBy(1000), 100)
  assert.equal(s.rateAt(5000), 100)
})

test('a linear ramp from 0 follows the integral of the rate', () => {
  const s = new ArrivalSchedule(planStages(100, 10_000, []), 100)
  // Area of the ramp triangle: 100 req/s * 10 s / 2.
  close(s.eventsBy(10_000), 500)
  close(s.timeOf(500), 10_000, 1e-3)
  // Half-way through the ramp a quarter of the ramp's events have happened.
  close(s.eventsBy(5000), 125)
  close(s.timeOf(125), 5000, 1e-3)
  // After the ramp the rate holds.
  close(s.timeOf(600), 11_000, 1e-3)
  close(s.rateAt(2500), 25)
})

test('timeOf and eventsBy are inverse over shaped stages, including ramp-downs', () => {
  const s = new ArrivalSchedule([{ durationMs: 2000, target: 50 }, { durationMs: 3000, target: 200 }, { durationMs: 1000, target: 10 }], 0)
  for (let n = 1; n < s.eventsBy(6000); n += 7) close(s.eventsBy(s.timeOf(n)), n, 1e-6)
  assert.equal(s.stagesDurationMs, 6000)
  // Past the last stage with a hold rate of 0 nothing is ever due again.
  assert.equal(s.timeOf(s.eventsBy(6000) + 1), Infinity)
})

test('event times never go backwards', () => {
  const s = new ArrivalSchedule([{ durationMs: 1000, target: 1000 }, { durationMs: 1000, target: 10 }], 10)
  let prev = 0
  for (let n = 1; n < 2000; n++) {
    const t = s.timeOf(n)
    assert.ok(t >= prev, `event ${n} at ${t} before ${prev}`)
    prev = t
  }
})
