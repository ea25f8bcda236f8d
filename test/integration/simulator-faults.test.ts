import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import http2 from 'node:http2'
import { connect as tlsConnect } from 'node:tls'
import { startSimulator } from '../../src/sim/simulator.js'
import type { Delivery } from '../../src/sim/simulator.js'
import { bounded, waitUntil } from '../helpers/bounded.js'
import { SimClient, assertAccounted, encryptTo, rawRequest, rawSession, withSim } from '../support/sim-client.js'

const T = { timeout: 30_000 }

test('throttle=1: every valid request gets 429 with Retry-After, nothing is delivered', T, async () => {
  await withSim({ subscriptions: 50, faults: { throttle: 1 }, retryAfterSeconds: 7 }, async (sim, client, deliveries) => {
    const outcomes = await Promise.all([0, 1, 2, 3, 4].map((i) => client.push(sim.subscription(i))))
    for (const o of outcomes) {
      assert.equal(o.status, 429)
      assert.equal(o.headers?.['retry-after'], '7')
      assert.equal(JSON.parse(o.body ?? '{}').errno, 201)
    }
    // Faults only hit requests that would otherwise be accepted: a malformed one is still a 400.
    assert.equal((await client.push(sim.subscription(0), 'x', { headers: { ttl: undefined } })).status, 400)
    const s = sim.stats()
    assert.equal(s.faults.throttle, 5)
    assert.equal(s.delivered, 0)
    assert.equal(deliveries.length, 0)
    assertAccounted(s)
  })
})

test('serverError=1: every valid request gets 500, nothing is delivered', T, async () => {
  await withSim({ subscriptions: 50, faults: { serverError: 1 } }, async (sim, client) => {
    const outcomes = await Promise.all([0, 1, 2].map((i) => client.push(sim.subscription(i))))
    assert.deepEqual(outcomes.map((o) => o.status), [500, 500, 500])
    assert.equal(sim.stats().faults.serverError, 3)
    assert.equal(sim.stats().delivered, 0)
  })
})

test('reset=1: the stream is reset with INTERNAL_ERROR before acceptance and nothing is delivered', T, async () => {
  await withSim({ subscriptions: 50, faults: { reset: 1 } }, async (sim, client, deliveries) => {
    const o = await client.push(sim.subscription(1))
    assert.equal(o.status, undefined)
    assert.equal(o.error?.code, 'ERR_HTTP2_STREAM_ERROR')
    assert.match(o.error?.message ?? '', /NGHTTP2_INTERNAL_ERROR/)
    const sub = sim.subscription(2)
    const session = rawSession(sim)
    try {
      const raw = await rawRequest(session, { ':method': 'POST', ':path': new URL(sub.endpoint).pathname, ...client.headersFor(sub.endpoint) }, encryptTo(sub, 'x'))
      assert.equal(raw.status, undefined)
      assert.equal(raw.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR)
    } finally {
      session.destroy()
    }
    const s = sim.stats()
    assert.equal(s.faults.reset, 2)
    assert.equal(s.delivered, 0)
    assert.equal(deliveries.length, 0)
    assert.equal(sim.deliveries(1), 0)
    assertAccounted(s)
  })
})

test('goaway=1: the message is delivered and answered 201, then the session gets GOAWAY(NO_ERROR)', T, async () => {
  await withSim({ subscriptions: 50, faults: { goaway: 1 } }, async (sim, client, deliveries) => {
    const sub = sim.subscription(3)
    const session = rawSession(sim)
    const goaway = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)))
    try {
      const raw = await rawRequest(session, { ':method': 'POST', ':path': new URL(sub.endpoint).pathname, ...client.headersFor(sub.endpoint) }, encryptTo(sub, 'before goaway'))
      assert.equal(raw.status, 201)
      assert.equal(await bounded(goaway, 'GOAWAY'), http2.constants.NGHTTP2_NO_ERROR)
    } finally {
      session.destroy()
    }
    assert.equal(deliveries[0]?.plaintext.toString(), 'before goaway')
    // undici gets its 201 (the GOAWAY follows the answer), loses the connection, and the next
    // request opens a new session. Waiting for 'disconnect' avoids racing a request into the GOAWAY.
    for (const index of [4, 5]) {
      const disconnected = once(client.client, 'disconnect')
      assert.equal((await client.push(sim.subscription(index))).status, 201)
      await bounded(disconnected, 'undici disconnect after GOAWAY')
    }
    const s = sim.stats()
    assert.equal(s.sessions, 3, 'raw session, then one undici session per request')
    assert.equal(s.faults.goaway, 3)
    assert.equal(s.delivered, 3)
    assertAccounted(s)
  })
})

test('slow: the message is delivered while its answer is still held back, then answered 201', T, async () => {
  await withSim({ subscriptions: 50, faults: { slow: 1 }, slowMs: 200 }, async (sim, client, deliveries) => {
    let answered = false
    const pending = client.push(sim.subscription(6), 'slow one').then((o) => { answered = true; return o })
    await waitUntil(() => deliveries.length === 1, 'slow delivery')
    assert.equal(answered, false, 'delivered before the answer')
    assert.equal((await pending).status, 201)
    assert.equal(deliveries[0]?.plaintext.toString(), 'slow one')
    assert.equal(sim.stats().faults.slow, 1)
    assertAccounted(sim.stats())
  })
})

test('close() resolves with a slow answer pending and sessions open', T, async () => {
  const deliveries: Delivery[] = []
  const sim = await startSimulator({ subscriptions: 5, faults: { slow: 1 }, slowMs: 600_000, onDelivery: (d) => deliveries.push(d) })
  const client = new SimClient(sim.origin, sim.ca)
  try {
    const pending = client.push(sim.subscription(0))
    await waitUntil(() => deliveries.length === 1, 'slow delivery')
    await bounded(sim.close(), 'close with a pending slow answer', 5000)
    const o = await pending
    assert.equal(o.status, undefined, 'the held-back answer never comes')
    assert.ok(o.error !== undefined)
    await bounded(sim.close(), 'second close')
  } finally {
    await client.close()
  }
})

test('garbage does not crash it: oversized streams, aborted uploads, dropped sessions, HTTP/1.1 clients', T, async () => {
  await withSim({}, async (sim, client) => {
    const sub = sim.subscription(0)
    const headers = { ':method': 'POST', ':path': new URL(sub.endpoint).pathname, ...client.headersFor(sub.endpoint) }
    const session = rawSession(sim)
    try {
      // 1 MiB: answered 413 before the upload finishes, then the stream is reset.
      const big = await rawRequest(session, headers, Buffer.alloc(1024 * 1024, 7))
      assert.equal(big.status, 413)
      // An upload the client abandons halfway.
      const stream = session.request(headers)
      stream.on('error', () => {})
      stream.write(Buffer.alloc(100))
      await waitUntil(() => sim.stats().inFlight === 1, 'upload started')
      // destroy(), not close(): close() ends the upload (END_STREAM) before its RST, which makes the
      // body complete and the request answerable.
      stream.destroy()
      await waitUntil(() => sim.stats().aborted === 1, 'abort counted')
    } finally {
      session.destroy()
    }
    // A session that disappears with a request open.
    const doomed = rawSession(sim)
    doomed.request(headers).on('error', () => {}).write(Buffer.alloc(10))
    await waitUntil(() => sim.stats().inFlight === 1, 'second upload started')
    doomed.destroy()
    await waitUntil(() => sim.stats().aborted === 2, 'dropped session counted')
    // HTTP/1.1 clients fail fast instead of hanging: one offering only http/1.1 by ALPN gets a TLS
    // no_application_protocol alert, one without ALPN a plain 505.
    const http1 = (alpn: string[] | undefined): Promise<string> => bounded(new Promise<string>((resolve) => {
      let text = ''
      const socket = tlsConnect({ host: '127.0.0.1', port: sim.port, ca: sim.ca, ...(alpn !== undefined ? { ALPNProtocols: alpn } : {}) }, () => {
        socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n')
      })
      socket.setEncoding('utf8')
      socket.on('data', (c: string) => { text += c })
      socket.on('end', () => resolve(text))
      socket.on('error', (err: Error & { code?: string }) => resolve(`error ${err.code ?? err.message}`))
    }), 'HTTP/1.1 reply')
    assert.equal(await http1(['http/1.1']), 'error ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL')
    assert.match(await http1(undefined), /^HTTP\/1\.1 505 /)
    // Still serving.
    assert.equal((await client.push(sub, 'still alive')).status, 201)
    const s = sim.stats()
    assert.equal(s.rejected.tooLarge, 1)
    assert.ok(s.bytesReceived >= 64 * 1024, 'the oversized body was read up to the discard limit at least')
    assertAccounted(s)
  })
})

test('an onDelivery callback that throws is counted, and the sender still gets its 201', T, async () => {
  const sim = await startSimulator({ subscriptions: 3, onDelivery: () => { throw new Error('consumer bug') } })
  const client = new SimClient(sim.origin, sim.ca)
  try {
    assert.equal((await client.push(sim.subscription(2))).status, 201)
    const s = sim.stats()
    assert.equal(s.callbackErrors, 1)
    assert.equal(s.delivered, 1)
    assert.equal(sim.deliveries(2), 1)
  } finally {
    await client.close()
    await bounded(sim.close(), 'simulator close')
  }
})
