import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FAULT_KINDS, FaultPicker, resolveFaultRatios } from '../../src/sim/faults.js'
import type { FaultKind } from '../../src/sim/faults.js'
import { parseSeed } from '../../src/sim/keys.js'

const SEED = parseSeed('5eed5eed5eed5eed')

function draws (picker: FaultPicker, n: number): Array<FaultKind | undefined> {
  return Array.from({ length: n }, () => picker.next())
}

test('the fault sequence is a function of the seed', () => {
  const ratios = resolveFaultRatios({ throttle: 0.2, serverError: 0.1, reset: 0.1, slow: 0.1, goaway: 0.1 })
  const a = draws(new FaultPicker(SEED, ratios), 500)
  assert.deepEqual(draws(new FaultPicker(Buffer.from(SEED), ratios), 500), a)
  assert.notDeepEqual(draws(new FaultPicker(parseSeed('beef'), ratios), 500), a)
})

test('each kind gets about its share of 20000 draws, and no faults means no draws at all', () => {
  const ratios = resolveFaultRatios({ throttle: 0.2, serverError: 0.1, reset: 0.05, slow: 0.15, goaway: 0.1 })
  const seen = new Map<FaultKind | undefined, number>()
  for (const f of draws(new FaultPicker(SEED, ratios), 20_000)) seen.set(f, (seen.get(f) ?? 0) + 1)
  for (const kind of FAULT_KINDS) {
    const share = (seen.get(kind) ?? 0) / 20_000
    assert.ok(Math.abs(share - ratios[kind]) < 0.02, `${kind}: ${share} vs ${ratios[kind]}`)
  }
  assert.ok(Math.abs((seen.get(undefined) ?? 0) / 20_000 - 0.4) < 0.02)
  assert.deepEqual(new Set(draws(new FaultPicker(SEED, resolveFaultRatios({ expired: 0.5 })), 100)), new Set([undefined]))
  assert.deepEqual(new Set(draws(new FaultPicker(SEED, resolveFaultRatios({ reset: 1 })), 100)), new Set(['reset']))
})

test('ratios are validated: each in [0, 1], per-request ones summing to at most 1', () => {
  assert.deepEqual(resolveFaultRatios(), { expired: 0, throttle: 0, serverError: 0, slow: 0, reset: 0, goaway: 0 })
  assert.doesNotThrow(() => resolveFaultRatios({ expired: 1, throttle: 1 }))
  assert.doesNotThrow(() => resolveFaultRatios({ throttle: 0.1, serverError: 0.2, goaway: 0.7 }))
  for (const bad of [{ throttle: -0.1 }, { slow: 1.5 }, { reset: Number.NaN }, { goaway: '0.5' as unknown as number }]) {
    assert.throws(() => resolveFaultRatios(bad), { code: 'NS_ERR_INVALID_OPTION' }, JSON.stringify(bad))
  }
  assert.throws(() => resolveFaultRatios({ throttle: 0.6, serverError: 0.6 }), /add up to at most 1, got 1.2/)
})
