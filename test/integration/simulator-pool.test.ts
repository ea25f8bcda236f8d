import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { vapidSignatureVerifications } from '../../src/webpush/vapid-verify.js'
import { startSimulator } from '../../src/sim/simulator.js'
import type { Delivery, SimulatorStats } from '../../src/sim/simulator.js'
import { bounded } from '../helpers/bounded.js'
import { SimClient, encryptTo, makeVapid, tamperSignature } from '../support/sim-client.js'
import type { Outcome } from '../support/sim-client.js'

const T = { timeout: 30_000 }
const SEED = 'c0ffee00c0ffee00c0ffee00c0ffee00'

interface Run {
  statuses: Array<number | undefined>
  deliveries: Array<[number, string]>
  stats: SimulatorStats
  mainThreadVerifications: number
}

/** The same mix of good and bad requests against a simulator with `verifyThreads` threads. */
async function run (verifyThreads: number): Promise<Run> {
  const deliveries: Delivery[] = []
  const sim = await startSimulator({ seed: SEED, subscriptions: 64, verifyThreads, faults: { expired: 0.2 }, onDelivery: (d) => deliveries.push(d) })
  const client = new SimClient(sim.origin, sim.ca, makeVapid())
  const before = vapidSignatureVerifications()
  try {
    const subs = Array.from({ length: 40 }, (_, i) => sim.subscription(i))
    const good = await Promise.all(subs.map((sub) => client.push(sub, `hello ${sub.id}`)))
    // The bad requests go to a live subscription: on an expired one, 410 comes before decryption.
    const sub = subs[good.findIndex((o) => o.status === 201)] ?? sim.subscription(0)
    const auth = client.headersFor(sub.endpoint).authorization ?? ''
    const bad: Outcome[] = [
      await client.push(sub, 'x', { body: randomBytes(300) }),
      await client.push(sub, 'x', { body: encryptTo(sim.subscription(50), 'for someone else') }),
      await client.push(sub, 'x', { headers: { authorization: tamperSignature(auth) } }),
      await client.push(sub, 'x', { body: encryptTo(sub, 'x', client.vapid.privateKey) }),
      await client.push(sub, 'x', { body: randomBytes(4097) })
    ]
    return {
      statuses: [...good, ...bad].map((o) => o.status),
      deliveries: deliveries.map((d): [number, string] => [d.index, d.plaintext.toString()]).sort((a, b) => a[0] - b[0]),
      stats: sim.stats(),
      mainThreadVerifications: vapidSignatureVerifications() - before
    }
  } finally {
    await client.close()
    await bounded(sim.close(), 'simulator close')
  }
}

test('verifyThreads=2 gives exactly the inline answers, deliveries and counters, verifying off the main thread', T, async () => {
  const inline = await run(0)
  const pooled = await run(2)
  assert.deepEqual(pooled.statuses, inline.statuses)
  assert.deepEqual(pooled.statuses.slice(-5), [400, 400, 403, 400, 413])
  assert.ok(inline.statuses.slice(0, 40).every((s) => s === 201 || s === 410))
  assert.ok(inline.statuses.includes(410) && inline.statuses.includes(201))
  assert.deepEqual(pooled.deliveries, inline.deliveries)
  for (const [index, text] of inline.deliveries) assert.equal(text, `hello sub-${index}`)
  assert.deepEqual(pooled.stats.rejected, inline.stats.rejected)
  assert.equal(pooled.stats.rejected.decryptFailed, 2)
  assert.equal(pooled.stats.delivered, inline.stats.delivered)
  assert.equal(pooled.stats.internalErrors, 0)
  // Inline: the good token once plus the tampered one (failures are never cached). Each pool
  // thread has its own verifier cache, so the good token may be verified once per thread.
  assert.equal(inline.stats.vapidVerifications, 2)
  assert.ok(pooled.stats.vapidVerifications >= 2 && pooled.stats.vapidVerifications <= 3, String(pooled.stats.vapidVerifications))
  assert.equal(inline.mainThreadVerifications, 2)
  assert.equal(pooled.mainThreadVerifications, 0, 'no signature was checked on the main thread')
})
