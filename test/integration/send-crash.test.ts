// A worker thread that dies mid-send loses nothing: the lines it had not settled go to the restarted
// worker (or the others) and every line still ends with exactly one outcome.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { runSend } from '../../src/run/send.js'
import { simFixture, readRecords } from '../helpers/send-fixtures.js'

test('a crashed worker is restarted and its unacknowledged lines are re-queued', async (t) => {
  const f = await simFixture(t, 600)
  const out = join(f.dir, 'out')
  const r = await runSend({ ...f.options, workers: 2, concurrency: 20, payload: 'crash test', out }, { crashWorker: { worker: 0, after: 100 } })
  assert.equal(r.workers[0]?.restarts, 1)
  assert.equal(r.workers[0]?.gaveUp, false)
  const o = r.outcomes
  assert.ok(o !== undefined)
  assert.equal(o.read, 600)
  assert.equal(o.sent, 600)
  assert.equal(o.read, o.sent + o.expired + o.failed + o.invalid + o.notAttempted + o.indeterminate)
  const stats = f.sim.stats()
  // Every subscription was delivered; only messages in flight inside the dying thread can arrive twice.
  assert.equal(stats.deliveredOnce + stats.deliveredMoreThanOnce, 600)
  assert.ok(stats.duplicates <= 20, `duplicates ${stats.duplicates}`)
  assert.equal(r.workers[0]?.restarts, 1)
  const sent = readRecords(join(out, 'sent.ndjson'))
  const lines = sent.map((rec) => rec.line)
  assert.equal(new Set(lines).size, 600, 'one sent record per line')
  // #12: the lines re-queued from the dead thread say they may be duplicates; every duplicate the
  // simulator saw is among them (line n is subscription n - 1).
  const flagged = new Set(sent.filter((rec) => rec.possibleDuplicate === true).map((rec) => rec.line as number))
  assert.ok(flagged.size >= 1, 'the crashed worker held lines')
  for (let i = 0; i < 600; i++) if (f.sim.deliveries(i) > 1) assert.ok(flagged.has(i + 1), `subscription ${i} arrived twice and its record says so`)
  assert.equal(r.delivery?.possibleDuplicates, flagged.size)
  assert.equal(r.passed, true)
})
