// Characterisation tests: how undici 8's Client surfaces HTTP/2 faults, and how the engine classifies what
// it surfaces. The engine's retry and duplicate accounting depend on these exact shapes; if an undici or
// Node upgrade changes one, this file says which. Real node:http2 TLS servers on loopback.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http2 from 'node:http2'
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2'
import { Client } from 'undici'
import { bounded } from '../helpers/bounded.js'
import { startH2Server } from '../helpers/servers.js'
import type { H2ServerOptions, H2ServerStats, TestServer } from '../helpers/servers.js'
import { errorKind, isRetryable, mayHaveBeenDelivered } from '../../src/engine/error-kind.js'

const T = { timeout: 30_000 }

interface Outcome {
  path: string
  status?: number
  error?: Error & { code?: string }
  /** onRequestStart calls: how many times undici wrote the request. */
  writes: number
}

/** One POST through the dispatch API the engine uses; never rejects, bounded in time. */
function post (client: Client, path: string): Promise<Outcome> {
  return bounded(new Promise<Outcome>((resolve) => {
    const o: Outcome = { path, writes: 0 }
    client.dispatch({ path, method: 'POST', body: 'x' }, {
      onRequestStart: () => { o.writes++ },
      onResponseStart: (_c, status) => { o.status = status },
      onResponseData: () => {},
      onResponseEnd: () => { resolve(o) },
      onResponseError: (_c, err) => { o.error = err as Error & { code?: string }; resolve(o) }
    })
  }), `POST ${path}`)
}

function posts (client: Client, n: number): Promise<Outcome[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => post(client, `/m/${i}`)))
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

/** Paths the server processed (answered 201), with how often. */
type Processed = Map<string, number>

function answer (stream: ServerHttp2Stream, path: string, processed: Processed): void {
  processed.set(path, (processed.get(path) ?? 0) + 1)
  stream.respond({ ':status': 201 })
  stream.end('ok\n')
}

/**
 * A handler that, on each session, holds streams until `holdOf(session number)` are open, then answers the
 * first `answerOf(n)` of them and — once those answers are on the wire — sends GOAWAY(`code`) with the last
 * answered stream as last-stream-id. The streams above it are never processed. Later sessions beyond the
 * scripted ones are answered at once.
 */
function goawayScript (code: number, plan: Array<{ hold: number, answer: number }>, processed: Processed): NonNullable<H2ServerOptions['handler']> {
  const sessions: ServerHttp2Session[] = []
  const held = new Map<ServerHttp2Session, Array<[ServerHttp2Stream, string]>>()
  return (stream, headers) => {
    stream.resume()
    const session = stream.session as ServerHttp2Session
    if (!sessions.includes(session)) sessions.push(session)
    const step = plan[sessions.indexOf(session)]
    const path = String(headers[':path'])
    if (step === undefined) {
      answer(stream, path, processed)
      return
    }
    const list = held.get(session) ?? []
    held.set(session, list)
    list.push([stream, path])
    if (list.length !== step.hold) return
    const answered = list.slice(0, step.answer)
    const last = answered.at(-1)?.[0].id ?? 0
    let open = answered.length
    for (const [s, p] of answered) {
      s.once('close', () => { if (--open === 0) session.goaway(code, last) })
      answer(s, p, processed)
    }
  }
}

async function withClient (server: TestServer<H2ServerStats>, fn: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client(server.origin, { connect: { ca: server.ca ?? '' }, allowH2: true, h2Options: { maxConcurrentStreams: 100 } })
  try {
    await fn(client)
  } finally {
    await bounded(client.destroy(), 'client destroy')
    await bounded(server.close(), 'server close')
  }
}

test('undici 8 multiplexes POSTs that are not marked idempotent over HTTP/2', T, async () => {
  const server = await startH2Server({ handler: barrier(6) })
  await withClient(server, async (client) => {
    const outcomes = await posts(client, 6)
    assert.deepEqual(outcomes.map((o) => o.status), new Array(6).fill(201))
    assert.equal(server.stats.maxConcurrentStreams, 6)
    assert.equal(server.stats.sessions, 1)
  })
})

test('REFUSED_STREAM: undici writes a refused request once more on the same session', T, async () => {
  const server = await startH2Server({ refuseStream: (i) => i === 1 })
  await withClient(server, async (client) => {
    const outcomes = await posts(client, 3)
    assert.deepEqual(outcomes.map((o) => o.status), [201, 201, 201])
    assert.deepEqual(outcomes.map((o) => o.writes).sort(), [1, 1, 2])
    assert.equal(server.stats.refused, 1)
    assert.equal(server.stats.requests, 3, 'each request was processed once')
    assert.equal(server.stats.sessions, 1)
  })
})

test('REFUSED_STREAM twice: the second refusal is the error, kind refused_stream (not processed, retryable)', T, async () => {
  const server = await startH2Server({ refuseStreamsRatio: 1 })
  await withClient(server, async (client) => {
    const [o] = await posts(client, 1)
    assert.equal(o?.writes, 2, 'retried once, not more (RFC 9113 8.7)')
    const err = o?.error
    assert.equal(err?.code, 'ERR_HTTP2_STREAM_ERROR')
    assert.match(err?.message ?? '', /NGHTTP2_REFUSED_STREAM/)
    assert.equal(errorKind(err), 'refused_stream')
    assert.equal(mayHaveBeenDelivered('refused_stream'), false)
    assert.equal(isRetryable('refused_stream'), true)
    assert.equal(server.stats.refused, 2)
    assert.equal(server.stats.requests, 0)
  })
})

test('graceful GOAWAY (session.close()): every stream the server accepted finishes, none is sent twice', T, async () => {
  // The server's nghttp2 refuses the streams that arrive after its GOAWAY; undici writes those again once
  // the session's accepted streams have finished.
  const server = await startH2Server({ goawayAfter: 3, delayMs: 10 })
  await withClient(server, async (client) => {
    const outcomes = await posts(client, 6)
    assert.deepEqual(outcomes.map((o) => o.status), new Array(6).fill(201))
    assert.ok(server.stats.goaways >= 1)
    assert.equal(server.stats.requests, 6, 'six requests, six processed')
    assert.deepEqual([...server.stats.paths.values()], new Array(6).fill(1), 'none processed twice')
  })
})

test('GOAWAY(NO_ERROR) below streams in flight: streams up to last-stream-id complete, the others are written once more on a new connection', T, async () => {
  const processed: Processed = new Map()
  const server = await startH2Server({ handler: goawayScript(http2.constants.NGHTTP2_NO_ERROR, [{ hold: 6, answer: 3 }], processed) })
  await withClient(server, async (client) => {
    const outcomes = await posts(client, 6)
    assert.deepEqual(outcomes.map((o) => o.status), new Array(6).fill(201))
    assert.deepEqual(outcomes.map((o) => o.writes), [1, 1, 1, 2, 2, 2])
    assert.deepEqual([...processed.values()], new Array(6).fill(1), 'each request processed exactly once')
    assert.equal(server.stats.sessions, 2)
  })
})

test('GOAWAY with an error code: streams answered up to last-stream-id stand, the others are written again', T, async () => {
  const processed: Processed = new Map()
  const server = await startH2Server({ handler: goawayScript(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, [{ hold: 6, answer: 3 }], processed) })
  await withClient(server, async (client) => {
    const outcomes = await posts(client, 6)
    assert.deepEqual(outcomes.map((o) => o.status), new Array(6).fill(201))
    assert.deepEqual(outcomes.map((o) => o.writes), [1, 1, 1, 2, 2, 2])
    assert.deepEqual([...processed.values()], new Array(6).fill(1), 'each request processed exactly once')
  })
})

test('GOAWAY with an error code while accepted streams are unanswered: Node fails them as session_error (may have been processed)', T, async () => {
  // Node's client destroys a session at once on a GOAWAY carrying an error code, so streams at or below its
  // last-stream-id that have no answer yet fail, although the server may have processed them.
  const held: ServerHttp2Stream[] = []
  const server = await startH2Server({
    handler: (stream) => {
      stream.resume()
      held.push(stream)
      if (held.length === 2) stream.session?.goaway(http2.constants.NGHTTP2_INTERNAL_ERROR, stream.id)
    }
  })
  await withClient(server, async (client) => {
    const outcomes = await posts(client, 2)
    for (const o of outcomes) {
      assert.equal(o.error?.code, 'ERR_HTTP2_SESSION_ERROR')
      assert.equal(o.error?.message, 'Session closed with error code 2')
      assert.equal(errorKind(o.error), 'session_error')
    }
    assert.equal(mayHaveBeenDelivered('session_error'), true)
    assert.equal(isRetryable('session_error'), true)
    // "code 7" in the message must not read as REFUSED_STREAM: this session error is not a refusal.
    assert.equal(errorKind(Object.assign(new Error('Session closed with error code 7'), { code: 'ERR_HTTP2_SESSION_ERROR' })), 'session_error')
  })
})

test('a stream above last-stream-id twice: the GOAWAY itself is the error, kind goaway (not processed, retryable)', T, async () => {
  // Session 1 holds three streams, processes the first and cuts the other two; session 2 gets those two,
  // processes the first and cuts the second again: undici's one replay is used up.
  const processed: Processed = new Map()
  const server = await startH2Server({ handler: goawayScript(http2.constants.NGHTTP2_NO_ERROR, [{ hold: 3, answer: 1 }, { hold: 2, answer: 1 }], processed) })
  await withClient(server, async (client) => {
    const outcomes = await posts(client, 3)
    assert.deepEqual(outcomes.map((o) => o.status ?? null), [201, 201, null])
    assert.deepEqual(outcomes.map((o) => o.writes), [1, 2, 2])
    const err = outcomes[2]?.error
    assert.match(err?.message ?? '', /^HTTP\/2: "GOAWAY" frame received with code 0$/)
    assert.equal(errorKind(err), 'goaway')
    assert.equal(mayHaveBeenDelivered('goaway'), false)
    assert.equal(isRetryable('goaway'), true)
    assert.deepEqual(Object.fromEntries(processed), { '/m/0': 1, '/m/1': 1 }, 'the failed one was never processed')
  })
})
