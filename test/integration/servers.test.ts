import { test } from 'node:test'
import assert from 'node:assert/strict'
import http2 from 'node:http2'
import type { ClientHttp2Session, SecureClientSessionOptions, ServerHttp2Stream } from 'node:http2'
import type { Server } from 'node:net'
import { Client, Pool } from 'undici'
import { generateSelfSignedCertificate } from '../../src/tls/cert.js'
import { bounded, waitUntil } from '../helpers/bounded.js'
import { pinLookup } from '../helpers/pin-lookup.js'
import { startH1Server, startH2Server, startListeningOnAddresses } from '../helpers/servers.js'
import type { TestServer } from '../helpers/servers.js'

const T = { timeout: 30_000 }

interface H2Outcome {
  status?: number
  body?: string
  headers?: http2.IncomingHttpHeaders
  error?: NodeJS.ErrnoException
  rstCode?: number
}

function connect (origin: string, options: SecureClientSessionOptions = {}): Promise<ClientHttp2Session> {
  return bounded(new Promise((resolve, reject) => {
    const session = http2.connect(origin, options)
    session.once('error', reject)
    session.once('connect', () => {
      session.off('error', reject)
      // Later session errors (server closing under us) are expected in several tests.
      session.on('error', () => {})
      resolve(session)
    })
  }), `connect ${origin}`)
}

/** One request on an existing session; never rejects, the outcome says what happened. */
function h2Request (session: ClientHttp2Session, path = '/', body: string | undefined = 'x'): Promise<H2Outcome> {
  return bounded(new Promise((resolve) => {
    const req = session.request({ ':method': body === undefined ? 'GET' : 'POST', ':path': path })
    const chunks: Buffer[] = []
    let headers: http2.IncomingHttpHeaders | undefined
    req.on('response', (h) => { headers = h })
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      // A stream can end without any response when the server goes away: no status then.
      resolve(headers === undefined ? { body } : { status: Number(headers[':status']), body, headers })
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error, rstCode: req.rstCode }))
    req.end(body)
  }), `h2 request ${path}`)
}

async function withServer<S> (server: TestServer<S>, fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } finally {
    await bounded(server.close(), 'server close')
  }
}

test('h2 over TLS: generated certificate, default 201 ok, request stats', T, async () => {
  const server = await startH2Server()
  await withServer(server, async () => {
    assert.match(server.origin, /^https:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(server.url, `${server.origin}/`)
    assert.ok(server.port > 0)
    assert.equal(typeof server.ca, 'string')
    const client = new Client(`https://localhost:${server.port}`, { connect: { ca: server.ca ?? '' }, allowH2: true })
    try {
      for (const path of ['/push/a?token=1', '/push/a', '/push/b']) {
        const res = await bounded(client.request({ path, method: 'POST', body: 'hello' }), 'request')
        assert.equal(res.statusCode, 201)
        assert.equal(await bounded(res.body.text(), 'body'), 'ok\n')
      }
      const res = await bounded(client.request({ path: '/', method: 'GET' }), 'get')
      await bounded(res.body.dump(), 'dump')
    } finally {
      await bounded(client.destroy(), 'client destroy')
    }
    const { stats } = server
    assert.equal(stats.requests, 4)
    assert.equal(stats.streams, 4)
    assert.equal(stats.bytesReceived, 15)
    assert.equal(stats.sessions, 1)
    assert.deepEqual(Object.fromEntries(stats.methods), { POST: 3, GET: 1 })
    assert.deepEqual(Object.fromEntries(stats.paths), { '/push/a': 2, '/push/b': 1, '/': 1 })
    assert.deepEqual(Object.fromEntries(stats.byLocalAddress), { '127.0.0.1': 4 })
    assert.equal(stats.refused, 0)
    assert.equal(stats.goaways, 0)
  })
})

test('h2c: cleartext HTTP/2 with no certificate', T, async () => {
  const server = await startH2Server({ tls: false })
  await withServer(server, async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
    assert.equal(server.ca, undefined)
    const session = await connect(server.origin)
    try {
      const out = await h2Request(session, '/h2c', 'abc')
      assert.equal(out.status, 201)
      assert.equal(out.body, 'ok\n')
    } finally {
      session.destroy()
    }
    assert.equal(server.stats.requests, 1)
    assert.equal(server.stats.bytesReceived, 3)
  })
})

test('maxConcurrentStreams is the most streams the server saw open at once', T, async () => {
  const held: ServerHttp2Stream[] = []
  // Answers nothing until all 8 streams are open: concurrency is then certain, not a matter of timing.
  const server = await startH2Server({
    handler: (stream) => {
      stream.resume()
      held.push(stream)
      if (held.length === 8) {
        for (const s of held) {
          s.respond({ ':status': 200 })
          s.end()
        }
      }
    }
  })
  await withServer(server, async () => {
    const session = await connect(server.origin, { ca: server.ca ?? '' })
    try {
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => h2Request(session)))
      assert.deepEqual(outcomes.map((o) => o.status), new Array(8).fill(200))
    } finally {
      session.destroy()
    }
    assert.equal(server.stats.maxConcurrentStreams, 8)
    assert.equal(server.stats.openStreams, 0)
  })
})

test('settings reach the client, and undici keeps within maxConcurrentStreams', T, async () => {
  const server = await startH2Server({ settings: { maxConcurrentStreams: 3 }, delayMs: 20 })
  await withServer(server, async () => {
    const session = await connect(server.origin, { ca: server.ca ?? '' })
    try {
      if (session.remoteSettings.maxConcurrentStreams !== 3) {
        await bounded(new Promise((resolve) => session.once('remoteSettings', resolve)), 'remote settings')
      }
      assert.equal(session.remoteSettings.maxConcurrentStreams, 3)
    } finally {
      session.destroy()
    }
    const client = new Client(server.origin, { connect: { ca: server.ca ?? '' }, allowH2: true, pipelining: 100 })
    try {
      // The first request only lets the client learn the server's SETTINGS.
      await bounded((await client.request({ path: '/', method: 'GET' })).body.dump(), 'warm-up')
      const statuses = await bounded(Promise.all(Array.from({ length: 12 }, async () => {
        const res = await client.request({ path: '/', method: 'POST', body: 'x', idempotent: true })
        await res.body.dump()
        return res.statusCode
      })), 'burst')
      assert.deepEqual(statuses, new Array(12).fill(201))
    } finally {
      await bounded(client.destroy(), 'client destroy')
    }
    assert.ok(server.stats.maxConcurrentStreams <= 3, `saw ${server.stats.maxConcurrentStreams} streams at once`)
  })
})

test('goawayAfter: GOAWAY on the n-th stream of a session, accepted streams still finish', T, async () => {
  const server = await startH2Server({ goawayAfter: 3, delayMs: 10 })
  await withServer(server, async () => {
    const session = await connect(server.origin, { ca: server.ca ?? '' })
    const goaway = new Promise<[number, number]>((resolve) => session.once('goaway', (code, last) => resolve([code, last])))
    try {
      // All five HEADERS leave in one write, before the GOAWAY can come back.
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => h2Request(session)))
      assert.deepEqual(await bounded(goaway, 'goaway'), [http2.constants.NGHTTP2_NO_ERROR, 5])
      assert.deepEqual(outcomes.slice(0, 3).map((o) => o.status), [201, 201, 201])
      // Streams 7 and 9 came after the GOAWAY's last-stream-id: Node's client reports them refused.
      for (const o of outcomes.slice(3)) {
        assert.equal(o.error?.code, 'ERR_HTTP2_STREAM_ERROR')
        assert.equal(o.rstCode, http2.constants.NGHTTP2_REFUSED_STREAM)
      }
    } finally {
      session.destroy()
    }
    assert.equal(server.stats.goaways, 1)
    assert.equal(server.stats.requests, 3)

    // A fresh session gets its own budget of three.
    const again = await connect(server.origin, { ca: server.ca ?? '' })
    try {
      const outcomes = await Promise.all(Array.from({ length: 3 }, () => h2Request(again)))
      assert.deepEqual(outcomes.map((o) => o.status), [201, 201, 201])
    } finally {
      again.destroy()
    }
    assert.equal(server.stats.goaways, 2)
    assert.equal(server.stats.sessions, 2)
  })
})

test('refuseStream: selected streams get RST_STREAM REFUSED_STREAM and are counted', T, async () => {
  const server = await startH2Server({ refuseStream: (i) => i % 2 === 1 })
  await withServer(server, async () => {
    const session = await connect(server.origin, { ca: server.ca ?? '' })
    try {
      // Sequential, so stream index i is the i-th request.
      const outcomes: H2Outcome[] = []
      for (let i = 0; i < 4; i++) outcomes.push(await h2Request(session))
      assert.equal(outcomes[0]?.status, 201)
      assert.equal(outcomes[2]?.status, 201)
      for (const o of [outcomes[1], outcomes[3]]) {
        assert.equal(o?.error?.code, 'ERR_HTTP2_STREAM_ERROR')
        assert.match(o?.error?.message ?? '', /NGHTTP2_REFUSED_STREAM/)
        assert.equal(o?.rstCode, http2.constants.NGHTTP2_REFUSED_STREAM)
      }
      // A refused stream leaves the session usable.
      assert.equal((await h2Request(session)).status, 201)
    } finally {
      session.destroy()
    }
    assert.equal(server.stats.streams, 5)
    assert.equal(server.stats.refused, 2)
    assert.equal(server.stats.requests, 3)
  })
})

test('refuseStreamsRatio refuses exactly that share of streams', T, async () => {
  const server = await startH2Server({ refuseStreamsRatio: 0.25 })
  await withServer(server, async () => {
    const session = await connect(server.origin, { ca: server.ca ?? '' })
    try {
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => h2Request(session)))
      assert.equal(outcomes.filter((o) => o.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM).length, 2)
      assert.equal(outcomes.filter((o) => o.status === 201).length, 6)
    } finally {
      session.destroy()
    }
    assert.equal(server.stats.refused, 2)
  })
  await assert.rejects(startH2Server({ refuseStreamsRatio: 1.5 }), /refuseStreamsRatio/)
})

test('status and responseHeaders: 429 with Retry-After, then per-index statuses', T, async () => {
  const server = await startH2Server({ status: 429, responseHeaders: { 'retry-after': '7' } })
  await withServer(server, async () => {
    const client = new Client(server.origin, { connect: { ca: server.ca ?? '' }, allowH2: true })
    try {
      const res = await bounded(client.request({ path: '/', method: 'POST', body: 'x' }), 'request')
      assert.equal(res.statusCode, 429)
      assert.equal(res.headers['retry-after'], '7')
      await res.body.dump()
    } finally {
      await bounded(client.destroy(), 'client destroy')
    }
  })
  const flaky = await startH2Server({ status: (i) => (i < 2 ? 503 : 201) })
  await withServer(flaky, async () => {
    const session = await connect(flaky.origin, { ca: flaky.ca ?? '' })
    try {
      const statuses: Array<number | undefined> = []
      for (let i = 0; i < 3; i++) statuses.push((await h2Request(session)).status)
      assert.deepEqual(statuses, [503, 503, 201])
    } finally {
      session.destroy()
    }
  })
})

test('delayMs: delayed responses arrive; close() with delays pending cancels them without hanging', T, async () => {
  const server = await startH2Server({ delayMs: 30 })
  await withServer(server, async () => {
    const session = await connect(server.origin, { ca: server.ca ?? '' })
    try {
      assert.equal((await h2Request(session)).status, 201)
    } finally {
      session.destroy()
    }
  })

  const slow = await startH2Server({ delayMs: 60_000 })
  const session = await connect(slow.origin, { ca: slow.ca ?? '' })
  try {
    const pending = h2Request(session)
    await waitUntil(() => slow.stats.requests === 1, 'request to arrive')
    await bounded(slow.close(), 'close with a pending delay')
    const outcome = await pending
    assert.equal(outcome.status, undefined, 'the delayed handler never answered')
    assert.equal(slow.stats.bytesReceived, 0)
  } finally {
    session.destroy()
  }
})

test('hosts: one port on several loopback addresses, requests counted per address', T, async () => {
  const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
  const server = await startH2Server({ hosts })
  await withServer(server, async () => {
    assert.deepEqual(server.addresses, hosts)
    assert.deepEqual(server.origins, hosts.map((h) => `https://${h}:${server.port}`))
    // undici, pinned by lookup: the URL (and the certificate check) stays localhost.
    for (const ip of hosts) {
      const client = new Client(`https://localhost:${server.port}`, {
        connect: { ca: server.ca ?? '', lookup: pinLookup(ip) },
        allowH2: true
      })
      try {
        for (let i = 0; i < 2; i++) await bounded((await client.request({ path: '/', method: 'GET' })).body.dump(), 'pinned')
      } finally {
        await bounded(client.destroy(), 'client destroy')
      }
    }
    // Core http2, straight at each address: the generated certificate covers them all.
    for (const origin of server.origins) {
      const session = await connect(origin, { ca: server.ca ?? '' })
      try {
        assert.equal((await h2Request(session)).status, 201)
      } finally {
        session.destroy()
      }
    }
    assert.deepEqual(Object.fromEntries(server.stats.byLocalAddress), { '127.0.0.1': 3, '127.0.0.2': 3, '127.0.0.3': 3 })
    assert.equal(server.stats.sessions, 6)
  })
})

test('hosts may mix IPv4 and IPv6 loopback', T, async () => {
  const server = await startH2Server({ hosts: ['127.0.0.1', '::1'], tls: false })
  await withServer(server, async () => {
    assert.equal(server.origins[1], `http://[::1]:${server.port}`)
    for (const origin of server.origins) {
      const session = await connect(origin)
      try {
        assert.equal((await h2Request(session)).status, 201)
      } finally {
        session.destroy()
      }
    }
    assert.deepEqual(Object.fromEntries(server.stats.byLocalAddress), { '127.0.0.1': 1, '::1': 1 })
  })
})

test('only loopback addresses may be bound, and option conflicts are refused', T, async () => {
  await assert.rejects(startH2Server({ host: '0.0.0.0' }), /loopback/)
  await assert.rejects(startH1Server({ hosts: ['127.0.0.1', '192.0.2.1'] }), /loopback/)
  await assert.rejects(startH2Server({ host: '127.0.0.1', hosts: ['127.0.0.2'] }), /host or hosts/)
  await assert.rejects(startH2Server({ goawayAfter: 0 }), /goawayAfter/)
  await assert.rejects(startH2Server({ cert: 'x' }), /cert and key/)
})

test('startListeningOnAddresses retries the whole set on EADDRINUSE, but not for a fixed port', T, async () => {
  const created: Server[] = []
  let secondAddressCalls = 0
  const { servers, port } = await startListeningOnAddresses(['127.0.0.1', '127.0.0.2'], (address) => {
    const server = http2.createServer()
    created.push(server)
    // Another process grabbing the port on 127.0.0.2 between the two binds cannot be staged
    // reliably, so the first attempt's second server fails the way the kernel would.
    if (address === '127.0.0.2' && secondAddressCalls++ === 0) {
      server.listen = ((): typeof server => {
        process.nextTick(() => server.emit('error', Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' })))
        return server
      }) as typeof server.listen
    }
    return server
  })
  const blocker = http2.createServer()
  try {
    assert.equal(created.length, 4)
    assert.deepEqual(servers, created.slice(2))
    assert.equal(created[0]?.listening, false, 'the first attempt was closed')
    assert.ok(servers.every((s) => s.listening))
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.3', resolve))
    const fixed: Server[] = []
    await assert.rejects(startListeningOnAddresses(['127.0.0.4', '127.0.0.3'], () => {
      const s = http2.createServer()
      fixed.push(s)
      return s
    }, { port }), { code: 'EADDRINUSE' })
    assert.equal(fixed.length, 2, 'no retry with a fixed port')
    assert.ok(fixed.every((s) => !s.listening))
  } finally {
    await Promise.all([...servers, blocker].map((s) => new Promise((resolve) => s.close(resolve))))
  }
})

test('h1: keep-alive server with request, connection and concurrency stats', T, async () => {
  const server = await startH1Server()
  await withServer(server, async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
    const client = new Client(server.origin)
    try {
      for (let i = 0; i < 5; i++) {
        const res = await bounded(client.request({ path: `/push/${i % 2}?q`, method: 'POST', body: 'hey' }), 'h1 request')
        assert.equal(res.statusCode, 201)
        assert.equal(await res.body.text(), 'ok\n')
      }
    } finally {
      await bounded(client.destroy(), 'client destroy')
    }
    const { stats } = server
    assert.equal(stats.requests, 5)
    assert.equal(stats.connections, 1, 'keep-alive reuses one connection')
    assert.equal(stats.bytesReceived, 15)
    assert.deepEqual(Object.fromEntries(stats.paths), { '/push/0': 3, '/push/1': 2 })
    assert.deepEqual(Object.fromEntries(stats.byLocalAddress), { '127.0.0.1': 5 })
    assert.equal(stats.inFlight, 0)
  })
})

test('h1: maxConcurrent counts requests in flight across connections', T, async () => {
  const held: Array<() => void> = []
  const server = await startH1Server({
    handler: (req, res) => {
      req.resume()
      held.push(() => res.end('ok'))
      if (held.length === 4) for (const release of held) release()
    }
  })
  await withServer(server, async () => {
    const pool = new Pool(server.origin, { connections: 4 })
    try {
      await bounded(Promise.all(Array.from({ length: 4 }, async () => {
        const res = await pool.request({ path: '/', method: 'GET' })
        await res.body.dump()
      })), 'four held requests')
    } finally {
      await bounded(pool.destroy(), 'pool destroy')
    }
    assert.equal(server.stats.maxConcurrent, 4)
    assert.equal(server.stats.connections, 4)
  })
})

test('servers reuse a given certificate; h1 over TLS with status and delay options', T, async () => {
  const { cert, key } = generateSelfSignedCertificate()
  const h2 = await startH2Server({ cert, key })
  await withServer(h2, async () => {
    assert.equal(h2.ca, cert)
    const session = await connect(`https://localhost:${h2.port}`, { ca: cert })
    try {
      assert.equal((await h2Request(session)).status, 201)
    } finally {
      session.destroy()
    }
  })
  const server = await startH1Server({ tls: true, cert, key, status: 500, delayMs: 5 })
  await withServer(server, async () => {
    assert.match(server.origin, /^https:/)
    assert.equal(server.ca, cert)
    const client = new Client(`https://localhost:${server.port}`, { connect: { ca: cert } })
    try {
      const res = await bounded(client.request({ path: '/', method: 'POST', body: 'x' }), 'https request')
      assert.equal(res.statusCode, 500)
      await res.body.dump()
    } finally {
      await bounded(client.destroy(), 'client destroy')
    }
    assert.equal(server.stats.requests, 1)
  })
})

test('close() with idle and in-flight client connections resolves, and clients see an error', T, async () => {
  const h2 = await startH2Server({ handler: (stream) => { stream.resume() } })
  const h1 = await startH1Server({ handler: (req) => { req.resume() } })
  const idle = await startH1Server()
  const c2 = new Client(h2.origin, { connect: { ca: h2.ca ?? '' }, allowH2: true })
  const c1 = new Client(h1.origin)
  const cIdle = new Client(idle.origin)
  try {
    await bounded((await cIdle.request({ path: '/', method: 'GET' })).body.dump(), 'idle warm-up')
    const p2 = c2.request({ path: '/', method: 'GET' })
    const p1 = c1.request({ path: '/', method: 'GET' })
    await waitUntil(() => h2.stats.requests === 1 && h1.stats.requests === 1, 'requests to arrive')
    // Expectations are attached before the close: the requests may reject while it is still running.
    const rejected2 = assert.rejects(bounded(p2, 'h2 request after close'))
    const rejected1 = assert.rejects(bounded(p1, 'h1 request after close'))
    await bounded(Promise.all([h2.close(), h1.close(), idle.close()]), 'server close')
    await rejected2
    await rejected1
    await assert.rejects(bounded(cIdle.request({ path: '/', method: 'GET' }), 'request to a closed server'))
    // close() is idempotent.
    await bounded(h2.close(), 'second close')
  } finally {
    await Promise.all([c2.destroy(), c1.destroy(), cIdle.destroy()].map((p) => bounded(p, 'client destroy')))
  }
})
