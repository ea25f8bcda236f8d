// Web Push end to end against the built-in simulator, which verifies every VAPID JWT and decrypts every
// payload with the subscription's private key: what was sent is what arrived.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { runSend } from '../../src/run/send.js'
import type { Delivery } from '../../src/sim/simulator.js'
import { simFixture, readRecords } from '../helpers/send-fixtures.js'
import type { OutcomeCounts, Report } from '../../src/report/report.js'

function assertReconciled (r: Report): OutcomeCounts {
  const o = r.outcomes
  assert.ok(o !== undefined)
  assert.equal(o.read, o.sent + o.expired + o.failed + o.invalid + o.dryRun + o.notAttempted + o.indeterminate + o.skipped, JSON.stringify(o))
  return o
}

test('round trip: every payload arrives decrypted, exactly once, with the RFC 8030 headers', async (t) => {
  const deliveries: Delivery[] = []
  const f = await simFixture(t, 300, { payloadEvery: 10, onDelivery: (d) => { deliveries.push(d) } })
  const out = join(f.dir, 'out')
  const r = await runSend({ ...f.options, workers: 2, http: 2, payload: '{"title":"Hi"}', ttl: '1h', urgency: 'high', topic: 'news', out })
  const o = assertReconciled(r)
  assert.equal(o.read, 300)
  assert.equal(o.sent, 300)
  assert.equal(r.passed, true)
  assert.equal(deliveries.length, 300)
  const lines = f.lines().map((l) => JSON.parse(l) as { id: string, payload?: unknown })
  for (const d of deliveries) {
    const line = lines[d.index]
    // Lines that carry their own payload get it; the others get the job's payload.
    const expected = line?.payload === undefined ? '{"title":"Hi"}' : JSON.stringify(line.payload)
    assert.equal(d.plaintext.toString('utf8'), expected, `subscription ${d.index}`)
    assert.equal(d.ttl, 3600)
    assert.equal(d.urgency, 'high')
    assert.equal(d.topic, 'news')
    assert.equal(d.vapidSubject, 'mailto:ops@example.com')
    assert.equal(d.vapidPublicKey, f.keys.publicKey)
  }
  for (let i = 0; i < 300; i++) assert.equal(f.sim.deliveries(i), 1, `deliveries of ${i}`)
  const stats = f.sim.stats()
  assert.equal(stats.duplicates, 0)
  // The outcome file has one record per line, with the line's metadata.
  const sent = readRecords(join(out, 'sent.ndjson'))
  assert.equal(sent.length, 300)
  assert.deepEqual(new Set(sent.map((s) => s.line)).size, 300)
  assert.equal((sent[0]?.meta as { id?: string } | undefined)?.id?.startsWith('sub-'), true)
  const saved = JSON.parse((await import('node:fs')).readFileSync(join(out, 'report.json'), 'utf8')) as Report
  assert.deepEqual(saved.outcomes, r.outcomes)
})

test('the VAPID JWT is signed once per audience per worker, not per message', async (t) => {
  const f = await simFixture(t, 400)
  const r = await runSend({ ...f.options, workers: 2, payload: 'x' })
  assert.equal(r.outcomes?.sent, 400)
  // The simulator verifies each distinct token once: one token per worker for this one audience.
  const verified = f.sim.stats().vapidVerifications
  assert.ok(verified >= 1 && verified <= 2, `distinct tokens verified: ${verified}`)
})

test('fault injection produces every outcome class, and the counts reconcile with the simulator', async (t) => {
  const f = await simFixture(t, 400, {
    faults: { expired: 0.15, throttle: 0.01, serverError: 0.1, reset: 0.05, slow: 0.05 },
    retryAfterSeconds: 1,
    slowMs: 50,
    // A fixed seed makes the fault sequence (and so the assertions below) deterministic.
    seed: '5eed'.repeat(16)
  })
  const out = join(f.dir, 'out')
  const r = await runSend({ ...f.options, workers: 2, payload: 'fault test', retries: 4, out })
  const o = assertReconciled(r)
  assert.equal(o.read, 400)
  assert.ok(o.expired > 20, `expired ${o.expired}`)
  const stats = f.sim.stats()
  // Sticky expiry: the simulator answered 410 at least once for each expired line, and the sender
  // reports those lines as expired (the pruning list), with their endpoint.
  const expired = readRecords(join(out, 'expired.ndjson'))
  assert.equal(expired.length, o.expired)
  for (const e of expired) {
    const index = Number(String(e.endpoint).split('/')[4])
    assert.equal(e.endpoint, f.sim.subscription(index).endpoint)
    assert.equal(f.sim.deliveries(index), 0)
  }
  // Transient faults were retried: everything not expired ends up sent (4 retries vs ~20% fault rate).
  assert.equal(o.sent + o.expired + o.failed, 400)
  assert.ok(o.failed <= 4, `failed ${o.failed}`)
  assert.ok(r.requests.retries > 0)
  assert.ok(stats.faults.throttle > 0, 'throttled')
  assert.ok(stats.faults.serverError > 0, 'server errors')
  assert.ok(stats.faults.reset > 0, 'stream resets')
  // Each line sent is a distinct subscription the simulator decrypted.
  assert.equal(stats.deliveredOnce + stats.deliveredMoreThanOnce, o.sent)
  const sent = readRecords(join(out, 'sent.ndjson'))
  assert.ok(sent.some((s) => Number(s.attempts) > 1), 'some messages needed more than one attempt')
})
