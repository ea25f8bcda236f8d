import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Settings } from 'node:http2'
import { startSimulator } from '../../src/sim/simulator.js'
import type { SimulatorOptions } from '../../src/sim/simulator.js'
import { bounded } from '../helpers/bounded.js'
import { SimClient, rawRequest, rawSession } from '../support/sim-client.js'

const T = { timeout: 30_000 }

async function withSim (options: SimulatorOptions, fn: (sim: Awaited<ReturnType<typeof startSimulator>>, client: SimClient) => Promise<void>): Promise<void> {
  const sim = await startSimulator(options)
  const client = new SimClient(sim.origin, sim.ca)
  try {
    await fn(sim, client)
  } finally {
    await client.close()
    await bounded(sim.close(), 'simulator close')
  }
}

test('GET /__stats and /__deliveries report over HTTPS what stats() and deliveries() say', T, async () => {
  await withSim({ subscriptions: 20 }, async (sim, client) => {
    for (const i of [0, 3, 3, 19]) assert.equal((await client.push(sim.subscription(i))).status, 201)
    assert.equal((await client.push(sim.subscription(5), 'x', { headers: { ttl: undefined } })).status, 400)
    const stats = await client.getJson('/__stats')
    assert.equal(stats.status, 200)
    assert.deepEqual(stats.json, sim.stats())
    assert.equal(sim.stats().requests, 5, 'the /__ endpoints are not push requests')
    const deliveries = await client.getJson('/__deliveries')
    assert.equal(deliveries.status, 200)
    const counts = Array.from({ length: 20 }, (_, i) => sim.deliveries(i))
    assert.deepEqual(deliveries.json, { counts })
    assert.deepEqual(counts.filter((c) => c > 0), [1, 2, 1])
    const post = await client.push(sim.subscription(0), 'x', { path: '/__stats' })
    assert.equal(post.status, 405)
    assert.equal((await client.getJson('/__nothing')).status, 404)
    assert.equal(sim.stats().requests, 5)
  })
})

test('/__deliveries refuses to list more than 100000 subscriptions', T, async () => {
  await withSim({ subscriptions: 100_001 }, async (sim, client) => {
    const res = await client.getJson('/__deliveries')
    assert.equal(res.status, 413)
    assert.equal((await client.getJson('/__stats')).status, 200)
    assert.equal(sim.deliveries(100_000), 0)
    assert.throws(() => sim.deliveries(100_001), RangeError)
    assert.throws(() => sim.subscription(-1), RangeError)
  })
})

test('SETTINGS_MAX_CONCURRENT_STREAMS is advertised and a burst stays within it', T, async () => {
  await withSim({ subscriptions: 40, maxConcurrentStreams: 7 }, async (sim, client) => {
    const session = rawSession(sim)
    try {
      const settings = await bounded(new Promise<Settings>((resolve) => session.once('remoteSettings', resolve)), 'SETTINGS')
      assert.equal(settings.maxConcurrentStreams, 7)
      assert.equal((await rawRequest(session, { ':method': 'GET', ':path': '/__stats' })).status, 200)
    } finally {
      session.destroy()
    }
    // One request first so undici has the server's SETTINGS before the burst.
    assert.equal((await client.push(sim.subscription(0))).status, 201)
    const burst = await Promise.all(Array.from({ length: 39 }, (_, i) => client.push(sim.subscription(i + 1))))
    assert.deepEqual(new Set(burst.map((o) => o.status)), new Set([201]))
    const s = sim.stats()
    assert.ok(s.maxConcurrentStreams >= 1 && s.maxConcurrentStreams <= 7, String(s.maxConcurrentStreams))
    assert.equal(s.delivered, 40)
  })
})

test('any 127/8 address works as host, with a certificate that names it', T, async () => {
  await withSim({ host: '127.0.0.2', subscriptions: 2 }, async (sim, client) => {
    assert.equal(sim.origin, `https://127.0.0.2:${sim.port}`)
    assert.ok(sim.subscription(1).endpoint.startsWith('https://127.0.0.2:'))
    assert.equal((await client.push(sim.subscription(1))).status, 201)
  })
  await assert.rejects(startSimulator({ host: '0.0.0.0' }), { code: 'NS_ERR_INVALID_OPTION' })
})
