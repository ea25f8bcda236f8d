// The outstanding-lines table (open addressing, backward-shift deletion) against a Map as the model, over
// random sequences of adds and takes: line numbers clustered into a few probe runs, wrapping around the
// end of the table, and more lines than the window (the table grows).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { OutstandingLines } from '../../src/send/outstanding.js'
import type { WorkItem } from '../../src/send/messages.js'

type Op = { add: number } | { take: number } | { takeAll: true }

const lineNo = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(16, 32, 48, 64, 4096, 2 ** 31 + 16))
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: lineNo.map((n) => ({ add: n })) },
  { weight: 5, arbitrary: lineNo.map((n) => ({ take: n })) },
  { weight: 1, arbitrary: fc.constant({ takeAll: true as const }) }
)

test('outstanding lines behave like a Map from line number to line', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 300 }), (window, ops) => {
    const table = new OutstandingLines(window)
    const model = new Map<number, WorkItem>()
    for (const o of ops) {
      if ('add' in o) {
        // A line is held by one worker at a time: the feeder never adds one that is already there.
        if (model.has(o.add)) continue
        const it: WorkItem = { lineNo: o.add, text: `line ${o.add}`, attempts: 0 }
        table.add(it)
        model.set(o.add, it)
      } else if ('take' in o) {
        assert.equal(table.take(o.take), model.get(o.take))
        model.delete(o.take)
      } else {
        assert.deepEqual(table.takeAll(), [...model.values()].sort((a, b) => a.lineNo - b.lineNo))
        model.clear()
      }
      assert.equal(table.size, model.size)
    }
    for (const [n, it] of model) assert.equal(table.take(n), it)
    assert.equal(table.size, 0)
  }), { numRuns: 500 })
})
