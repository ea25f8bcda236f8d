import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OUTCOME_KINDS, OutcomeFlag, packOutcomes, unpackOutcomes } from '../../src/send/outcome.js'
import { sharedBufferBytes, Slot, stripe } from '../../src/engine/protocol.js'
import type { Outcome } from '../../src/send/outcome.js'

test('outcome batches survive packing, including records with escaped newlines and unicode', () => {
  const outcomes: Outcome[] = OUTCOME_KINDS.map((kind, i) => ({
    lineNo: 4_000_000_000 - i,
    kind,
    record: JSON.stringify({ line: i, reason: 'multi\nline "quoted" ✓', meta: { id: `é${i}` } }),
    // Flags travel with their outcome; an outcome without flags comes back without the field.
    ...(i % 3 === 0 ? {} : { flags: i % 3 === 1 ? OutcomeFlag.PossibleDuplicate : OutcomeFlag.DeliveryUnknown })
  }))
  const batch = structuredClone(packOutcomes(outcomes))
  assert.deepEqual(unpackOutcomes(batch), outcomes)
  assert.deepEqual(unpackOutcomes(packOutcomes([])), [])
})

test('each worker has its own stripe of the shared buffer', () => {
  const sab = new SharedArrayBuffer(sharedBufferBytes(3))
  const a = stripe(sab, 0)
  const c = stripe(sab, 2)
  Atomics.store(c, Slot.Completed, 7n)
  assert.equal(Atomics.load(a, Slot.Completed), 0n)
  assert.equal(Atomics.load(stripe(sab, 2), Slot.Completed), 7n)
  assert.equal(c.length, Slot.Count)
})
