// Characterisation tests: how undici 7's Client surfaces HTTP/2 faults. The engine's retry logic
// depends on these exact shapes; if an undici upgrade changes one, this file says which.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ServerHttp2Stream } from 'node:http2'
import { Client } from 'undici'
import type { Dispatcher } from 'undici'
import { bounded } from '../helpers/bounded.js'
import { startH2Server } from '../helpers/servers.js'
import type { H2ServerOptions, H2ServerStats, TestServer } from '../helpers/servers.js'

const T = { timeout: 30_000 }
const POST = { path: '/push', method: 'POST', body: 'x', idempotent: true } as const

interface Outcome {
  status?: number
  error?: Error & { code?: string }
}

/** One request; never rejects except when it has no outcome in time. */
function send (client: Client, options: Dispatcher.RequestOptions = POST): Promise<Outcome> {
  return bounded((async () => {
    try {
      const res = await client.request(options)
      await res.body.dump()
      return { status: res.statusCode }
    } catch (err) {
      return { error: err as Error & { code?: string } }
    }
  })(), `${options.method} ${options.path}`)
}

/**
 * Holds the first `count` streams until all are open, then answers them 201, and later streams
 * at once: concurrency becomes certain instead of a matter of timing.
 */
function barrier (count: number): NonNullable<H2ServerOptions['handler']> {
  const held: ServerHttp2Stream[] = []
  let released = false
  return (stream) => {
    stream.resume()
    held.push(stream)
    if (!released && held.length < count) return
    released = true
    for (const s of held.splice(0)) {
      if (!s.closed && !s.destroyed) {
        s.respond({ ':status': 201 })
        s.end('ok\n')
      }
    }
  }
}

async function withClient (
  server: TestServer<H2ServerStats>,
  fn: (client: Client) => Promise<void>
): Promise<void> {
  const client = new Client(server.origin, { connect: { ca: server.ca ?? '' }, allowH2: true, pipelining: 100 })
  try {
    await fn(client)
  } finally {
    await bounded(client.destroy(), 'client destroy')
    await bounded(server.close(), 'server close')
  }
}

test('undici sends a non-idempotent POST only when nothing else is in flight, even over h2', T, async () => {
  const server = await startH2Server({ delayMs: 5 })
  await withClient(server, async (client) => {
    const outcomes = await bounded(Promise.all(Array.from({ length: 6 }, () =>
      send(client, { path: '/', method: 'POST', body: 'x' }))), 'plain POSTs')
    assert.deepEqual(outcomes.map((o) => o.status), new Array(6).fill(201))
    assert.equal(server.stats.maxConcurrentStreams, 1)
  })
  const multiplexed = await startH2Server({ handler: barrier(6) })
  await withClient(multiplexed, async (client) => {
    const outcomes = await bounded(Promise.all(Array.from({ length: 6 }, () => send(client))), 'idempotent POSTs')
    assert.deepEqual(outcomes.map((o) => o.status), new Array(6).fill(201))
    assert.equal(multiplexed.stats.maxConcurrentStreams, 6)
    assert.equal(multiplexed.stats.sessions, 1)
  })
})

test('a refused stream rejects with Node\'s ERR_HTTP2_STREAM_ERROR; the session survives', T, async () => {
  const server = await startH2Server({ refuseStream: (i) => i === 1 })
  await withClient(server, async (client) => {
    const outcomes = await bounded(Promise.all(Array.from({ length: 3 }, () => send(client))), 'requests')
    const refused = outcomes.filter((o) => o.error !== undefined)
    assert.equal(refused.length, 1)
    const err = refused[0]?.error
    // Not an undici error class: the ClientHttp2Stream's own error is passed through untouched,
    // so the only way to recognise REFUSED_STREAM is the message (no rstCode property on it).
    assert.equal(err?.code, 'ERR_HTTP2_STREAM_ERROR')
    assert.equal(err?.name, 'Error')
    assert.equal(err?.message, 'Stream closed with error code NGHTTP2_REFUSED_STREAM')
    assert.equal((err as { rstCode?: unknown } | undefined)?.rstCode, undefined)
    assert.equal(outcomes.filter((o) => o.status === 201).length, 2)
    assert.equal((await send(client)).status, 201)
    assert.equal(server.stats.sessions, 1)
  })
})

test('dispatch() reports a refused stream through onResponseError with the same error', T, async () => {
  const server = await startH2Server({ refuseStreamsRatio: 1 })
  await withClient(server, async (client) => {
    const err = await bounded(new Promise<Error & { code?: string }>((resolve, reject) => {
      client.dispatch({ ...POST }, {
        onRequestStart: () => {},
        onResponseStart: () => {},
        onResponseData: () => {},
        onResponseEnd: () => reject(new Error('unexpected success')),
        onResponseError: (_controller, error) => resolve(error as Error & { code?: string })
      })
    }), 'dispatch')
    assert.equal(err.code, 'ERR_HTTP2_STREAM_ERROR')
    assert.match(err.message, /NGHTTP2_REFUSED_STREAM/)
  })
})

test('GOAWAY(NO_ERROR) fails the request in flight with UND_ERR_SOCKET although the server processed it', T, async () => {
  const server = await startH2Server({ goawayAfter: 2 })
  await withClient(server, async (client) => {
    const outcomes: Outcome[] = []
    for (let i = 0; i < 3; i++) outcomes.push(await send(client))
    assert.equal(outcomes[0]?.status, 201)
    const err = outcomes[1]?.error
    assert.equal(err?.name, 'SocketError')
    assert.equal(err?.code, 'UND_ERR_SOCKET')
    assert.equal(err?.message, 'HTTP/2: "GOAWAY" frame received with code 0')
    // The next request opens a new session and succeeds.
    assert.equal(outcomes[2]?.status, 201)
    // The failed one did reach the handler: retrying it would deliver it twice.
    assert.equal(server.stats.requests, 3)
    assert.equal(server.stats.goaways, 1)
    assert.equal(server.stats.sessions, 2)
  })
})

test('GOAWAY with pipelined streams fails every queued and in-flight request, accepted ones included', T, async () => {
  // The barrier answers only once the third stream is in, and that stream triggers the GOAWAY,
  // so the GOAWAY always precedes the first response on the wire.
  const server = await startH2Server({ goawayAfter: 3, handler: barrier(3) })
  await withClient(server, async (client) => {
    const outcomes = await bounded(Promise.all(Array.from({ length: 6 }, () => send(client))), 'pipelined requests')
    for (const o of outcomes) {
      assert.equal(o.error?.code, 'UND_ERR_SOCKET')
      assert.match(o.error?.message ?? '', /GOAWAY/)
    }
    assert.equal(server.stats.requests, 3, 'three streams were accepted and answered by the server')
    assert.equal(server.stats.goaways, 1)
    assert.equal((await send(client)).status, 201, 'the client reconnects afterwards')
  })
})
