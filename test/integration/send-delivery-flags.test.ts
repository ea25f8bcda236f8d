// #12 - honest delivery flags. A push service that reads a message and then resets the connection, or
// never answers, may have delivered it: whatever happens to the later attempts, the line's record must say
// so. A `sent` line that had such an attempt before says it may be a duplicate; a `failed` one says its
// delivery is unknown, whatever its last attempt's error. Checked against what the server itself saw.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { PushAction } from '../helpers/push-server.js'
import { assertAttemptsMatch, assertReconciled } from '../helpers/send-run.js'
import type { OutcomeRecord } from '../helpers/send-run.js'
import { CREATED, pushServer, sendTo } from '../helpers/fault-send.js'

// Per subscription i, by i % 5: what each attempt gets.
const SCRIPTS: ReadonlyArray<{ name: string, first: PushAction, later: PushAction, outcome: 'sent' | 'failed' }> = [
  { name: 'reset after reading, then 201', first: 'reset-connection', later: CREATED, outcome: 'sent' },
  { name: 'no answer (timeout), then 201', first: 'never', later: CREATED, outcome: 'sent' },
  // The scenario of the issue: the last attempts fail in a way that never delivers (refused streams).
  { name: 'no answer, then REFUSED_STREAM every time', first: 'never', later: 'refuse', outcome: 'failed' },
  { name: 'reset, then 500 every time', first: 'reset-connection', later: { status: 500 }, outcome: 'failed' },
  { name: '201 at once', first: CREATED, later: CREATED, outcome: 'sent' }
]

test('#12 - deliveryUnknown is sticky across attempts and a sent line after an unknown fate is a possible duplicate', { timeout: 60_000 }, async (t) => {
  // Paths whose request the server read and never answered: those messages may have been delivered.
  const unanswered = new Set<string>()
  const server = await pushServer(t, (r) => {
    const s = SCRIPTS[Number(r.path.split('/').pop()) % SCRIPTS.length]
    assert.ok(s !== undefined)
    const action = r.attempt === 1 ? s.first : s.later
    if (action === 'reset-connection' || action === 'never') unanswered.add(r.path)
    return action
  })
  const n = 20
  // One request at a time: a connection reset then takes down only the stream it was meant for.
  const { report, out } = await sendTo(server, n, { concurrency: 1, timeout: '500ms', retries: 2 })
  const { records, kindOf } = assertReconciled(report, out)
  assertAttemptsMatch(report, records)
  assert.ok(server.resets >= 1 && report.requests.timeouts >= 1, 'both kinds of unknown fate happened')

  const pathOf = (r: OutcomeRecord): string => `/p/${r.line - 1}`
  for (let i = 0; i < n; i++) {
    const s = SCRIPTS[i % SCRIPTS.length]
    assert.equal(kindOf.get(i + 1), s?.outcome, `line ${i + 1} (${s?.name ?? ''})`)
  }
  for (const r of records.sent) {
    const maybe = unanswered.has(pathOf(r))
    assert.equal(r.possibleDuplicate === true, maybe, `sent line ${r.line}: possibleDuplicate ${String(r.possibleDuplicate)}, the server left an earlier attempt unanswered: ${String(maybe)}`)
    assert.ok((server.delivered.get(pathOf(r)) ?? 0) >= 1, `the server accepted line ${r.line}`)
    if (!maybe) assert.equal(server.arrivals.get(pathOf(r))?.length, 1, `line ${r.line} reached the server once`)
  }
  for (const r of records.failed) {
    assert.ok(unanswered.has(pathOf(r)), `failed line ${r.line} had an unanswered attempt`)
    assert.equal(r.deliveryUnknown, true, `failed line ${r.line} (${r.reason ?? ''}) says its delivery is unknown`)
    assert.equal(server.delivered.get(pathOf(r)) ?? 0, 0, `the server never answered 2xx for line ${r.line}`)
  }
  // The last attempt of these failed lines is one that never delivers: only the sticky flag tells.
  assert.ok(records.failed.some((r) => /^refused_stream/.test(r.reason ?? '')), JSON.stringify(records.failed.map((r) => r.reason)))
  assert.ok(records.failed.some((r) => r.status === 500))
  assert.deepEqual(report.delivery, {
    possibleDuplicates: records.sent.filter((r) => r.possibleDuplicate === true).length,
    deliveryUnknown: records.failed.filter((r) => r.deliveryUnknown === true).length
  })
  assert.equal(report.delivery?.possibleDuplicates, (2 * n) / SCRIPTS.length)
  assert.equal(report.delivery?.deliveryUnknown, (2 * n) / SCRIPTS.length)
})
