import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isExpiredIndex, parseSeed } from '../../src/sim/keys.js'
import type { SimSubscription, SimulatorStats } from '../../src/sim/simulator.js'
import { SimClient, assertAccounted, encryptTo, makeVapid, tamperSignature, withSim } from '../support/sim-client.js'

const T = { timeout: 30_000 }

test('happy path: 50 multiplexed messages to distinct subscriptions arrive exactly once, as sent', T, async () => {
  await withSim({ subscriptions: 100 }, async (sim, client, deliveries) => {
    const subs = Array.from({ length: 50 }, (_, i) => sim.subscription(i * 2))
    const outcomes = await Promise.all(subs.map((sub, i) => client.push(sub, `message ${i} for ${sub.id}`, { headers: { urgency: 'high', topic: `t${i}` } })))
    for (const o of outcomes) {
      assert.equal(o.status, 201, JSON.stringify(o))
      assert.match(String(o.headers?.location), /^\/msg\/\d+$/)
      assert.equal(o.headers?.ttl, '60')
    }
    assert.equal(new Set(outcomes.map((o) => o.headers?.location)).size, 50, 'every message gets its own Location')
    assert.equal(deliveries.length, 50)
    const byIndex = new Map(deliveries.map((d) => [d.index, d]))
    subs.forEach((sub, i) => {
      const d = byIndex.get(i * 2)
      assert.equal(d?.plaintext.toString(), `message ${i} for ${sub.id}`)
      assert.equal(d?.ttl, 60)
      assert.equal(d?.urgency, 'high')
      assert.equal(d?.topic, `t${i}`)
      assert.equal(d?.vapidSubject, 'mailto:ops@example.com')
      assert.equal(d?.vapidPublicKey, client.vapid.publicKey.toString('base64url'))
      assert.equal(sim.deliveries(i * 2), 1)
      assert.equal(sim.deliveries(i * 2 + 1), 0)
    })
    const s = sim.stats()
    assert.equal(s.requests, 50)
    assert.equal(s.delivered, 50)
    assert.equal(s.deliveredOnce, 50)
    assert.equal(s.deliveredMoreThanOnce, 0)
    assert.equal(s.duplicates, 0)
    assert.equal(s.sessions, 1)
    assert.ok(s.maxConcurrentStreams >= 1 && s.maxConcurrentStreams <= 100)
    // Each body: 86-byte header, the plaintext, the 0x02 delimiter and the 16-byte tag.
    assert.equal(s.bytesReceived, subs.reduce((n, sub, i) => n + 86 + Buffer.byteLength(`message ${i} for ${sub.id}`) + 17, 0))
    // One token for one audience: verified once inline, then served from the verifier's cache.
    assert.equal(s.vapidVerifications, 1)
    assertAccounted(s)

    // A second message to an index is a duplicate.
    assert.equal((await client.push(subs[0] as SimSubscription, 'again')).status, 201)
    const s2 = sim.stats()
    assert.equal(s2.duplicates, 1)
    assert.equal(s2.deliveredOnce, 49)
    assert.equal(s2.deliveredMoreThanOnce, 1)
    assert.equal(sim.deliveries(0), 2)
  })
})

test('every rejection has its status, body and counter, and nothing is delivered', T, async () => {
  await withSim({ subscriptions: 10 }, async (sim, client, deliveries) => {
    const sub = sim.subscription(3)
    const url = new URL(sub.endpoint)
    const tampered = tamperSignature(client.headersFor(sub.endpoint).authorization ?? '')
    const oldSigner = makeVapid()
    const thirteenHoursAgo = Date.now() - 13 * 3600 * 1000
    const cases: Array<{ name: string, send: () => ReturnType<SimClient['push']>, status: number, reason: keyof SimulatorStats['rejected'] }> = [
      { name: 'missing TTL', send: () => client.push(sub, 'x', { headers: { ttl: undefined } }), status: 400, reason: 'missingTtl' },
      { name: 'negative TTL', send: () => client.push(sub, 'x', { headers: { ttl: '-5' } }), status: 400, reason: 'missingTtl' },
      { name: 'bad urgency', send: () => client.push(sub, 'x', { headers: { urgency: 'urgent' } }), status: 400, reason: 'badUrgency' },
      { name: 'bad topic', send: () => client.push(sub, 'x', { headers: { topic: 'a'.repeat(33) } }), status: 400, reason: 'badTopic' },
      { name: 'aesgcm encoding', send: () => client.push(sub, 'x', { headers: { 'content-encoding': 'aesgcm' } }), status: 415, reason: 'badEncoding' },
      { name: 'no encoding', send: () => client.push(sub, 'x', { headers: { 'content-encoding': undefined } }), status: 400, reason: 'badEncoding' },
      { name: 'no Authorization', send: () => client.push(sub, 'x', { headers: { authorization: undefined } }), status: 401, reason: 'missingAuth' },
      { name: 'tampered JWT', send: () => client.push(sub, 'x', { headers: { authorization: tampered } }), status: 403, reason: 'badJwt' },
      { name: 'wrong aud', send: () => client.push(sub, 'x', { headers: { authorization: client.vapid.signer.authorization('https://push.example.net') } }), status: 403, reason: 'badJwt' },
      { name: 'expired exp', send: () => client.push(sub, 'x', { headers: { authorization: oldSigner.signer.authorization(url.origin, thirteenHoursAgo) } }), status: 403, reason: 'badJwt' },
      { name: 'VAPID key = ECDH key', send: () => client.push(sub, 'x', { body: encryptTo(sub, 'x', client.vapid.privateKey) }), status: 400, reason: 'sameKey' },
      { name: 'random body', send: () => client.push(sub, 'x', { body: randomBytes(200) }), status: 400, reason: 'decryptFailed' },
      { name: 'body for another subscription', send: () => client.push(sub, 'x', { body: encryptTo(sim.subscription(4), 'x') }), status: 400, reason: 'decryptFailed' },
      { name: '4097..5000-byte body', send: () => client.push(sub, 'x', { body: randomBytes(5000) }), status: 413, reason: 'tooLarge' },
      { name: 'index out of range', send: () => client.push(sub, 'x', { path: `/push/10/${url.pathname.split('/')[3] ?? ''}` }), status: 404, reason: 'unknownSubscription' },
      { name: 'wrong token', send: () => client.push(sub, 'x', { path: '/push/3/AAAAAAAAAAAAAAAA' }), status: 404, reason: 'unknownSubscription' },
      { name: 'not a push path', send: () => client.push(sub, 'x', { path: '/fcm/send/abc' }), status: 404, reason: 'notFound' },
      { name: 'PUT', send: () => client.push(sub, 'x', { method: 'PUT' }), status: 405, reason: 'badMethod' }
    ]
    const expected: Record<string, number> = {}
    for (const c of cases) {
      const o = await c.send()
      assert.equal(o.status, c.status, `${c.name}: ${JSON.stringify(o)}`)
      expected[c.reason] = (expected[c.reason] ?? 0) + 1
      if (c.reason === 'badJwt') assert.equal(JSON.parse(o.body ?? '{}').reason, 'BadJwtToken', c.name)
      else assert.equal(JSON.parse(o.body ?? '{}').code, c.status, c.name)
    }
    const s = sim.stats()
    for (const [reason, n] of Object.entries(s.rejected)) assert.equal(n, expected[reason] ?? 0, reason)
    assert.equal(s.requests, cases.length)
    assert.equal(s.delivered, 0)
    assert.equal(deliveries.length, 0)
    assert.equal(sim.deliveries(3), 0)
    assertAccounted(s)
    // After all that, a correct message still goes through on the same connection.
    assert.equal((await client.push(sub, 'fine')).status, 201)
  })
})

test('sticky expiry: the same ~30% of subscriptions answer 410 on every attempt', T, async () => {
  await withSim({ subscriptions: 200, faults: { expired: 0.3 } }, async (sim, client) => {
    const subs = Array.from({ length: 200 }, (_, i) => sim.subscription(i))
    const first = await Promise.all(subs.map((sub) => client.push(sub)))
    const second = await Promise.all(subs.map((sub) => client.push(sub)))
    const expired = first.map((o) => o.status === 410)
    assert.deepEqual(second.map((o) => o.status === 410), expired)
    for (const o of [...first, ...second]) assert.ok(o.status === 201 || o.status === 410, JSON.stringify(o))
    const n = expired.filter(Boolean).length
    assert.ok(n >= 30 && n <= 90, `${n} of 200 expired`)
    // The expired set is exactly the documented derivation from the seed.
    const seed = parseSeed(sim.seed)
    assert.deepEqual(expired, subs.map((_, i) => isExpiredIndex(seed, i, 0.3)))
    assert.equal(first.find((o) => o.status === 410)?.body, 'push subscription has unsubscribed or expired.\n')
    const s = sim.stats()
    assert.equal(s.rejected.expired, 2 * n)
    assert.equal(s.delivered, 2 * (200 - n))
    assert.equal(s.deliveredMoreThanOnce, 200 - n)
    subs.forEach((_, i) => assert.equal(sim.deliveries(i), expired[i] === true ? 0 : 2))
    assertAccounted(s)
  })
})

test('writeSubscriptions writes NDJSON lines that round-trip through encryption to the simulator', T, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ns-sim-'))
  try {
    await withSim({ subscriptions: 500 }, async (sim, client, deliveries) => {
      const file = join(dir, 'subs.ndjson')
      await sim.writeSubscriptions(file, 300, { payloadEvery: 100 })
      const text = await readFile(file, 'utf8')
      assert.ok(text.endsWith('\n'))
      const lines = text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as SimSubscription & { payload?: unknown })
      assert.equal(lines.length, 300)
      lines.forEach((line, i) => {
        const { payload, ...sub } = line
        assert.deepEqual(sub, sim.subscription(i))
        assert.equal(payload !== undefined, i % 100 === 0, `payload on line ${i}`)
      })
      const outcomes = await Promise.all(lines.map((line) => client.push(line, `to ${line.id}`)))
      assert.deepEqual(new Set(outcomes.map((o) => o.status)), new Set([201]))
      assert.equal(deliveries.length, 300)
      for (const d of deliveries) assert.equal(d.plaintext.toString(), `to sub-${d.index}`)
      assert.equal(sim.stats().deliveredOnce, 300)
      await assert.rejects(sim.writeSubscriptions(file, 501), RangeError)
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('the same seed gives another simulator the same subscriptions; a different seed does not', T, async () => {
  await withSim({ subscriptions: 20 }, async (first) => {
    const sub = first.subscription(7)
    await withSim({ subscriptions: 20, seed: first.seed }, async (second, client, deliveries) => {
      assert.notEqual(second.origin, first.origin)
      assert.deepEqual(second.subscription(7).keys, sub.keys)
      assert.equal(new URL(second.subscription(7).endpoint).pathname, new URL(sub.endpoint).pathname)
      const repointed = { ...sub, endpoint: second.origin + new URL(sub.endpoint).pathname }
      const o = await client.push(repointed, 'made for the first simulator')
      assert.equal(o.status, 201, JSON.stringify(o))
      assert.equal(deliveries[0]?.plaintext.toString(), 'made for the first simulator')
      assert.equal(second.deliveries(7), 1)
    })
    const otherSeed = parseSeed(first.seed)
    otherSeed[0] = (otherSeed[0] ?? 0) ^ 0xff
    await withSim({ subscriptions: 20, seed: otherSeed.toString('base64url') }, async (other, client) => {
      const o = await client.push({ ...sub, endpoint: other.origin + new URL(sub.endpoint).pathname })
      assert.equal(o.status, 404)
      assert.equal(other.stats().rejected.unknownSubscription, 1)
    })
  })
})
