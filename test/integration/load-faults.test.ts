// Faults seen by the load engine: GOAWAY, refused streams, a crashing worker. The engine must reconnect,
// count every error once under the right kind, and finish.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../src/run/load.js'
import { startH2Server } from '../helpers/servers.js'
import { tempFile } from '../helpers/files.js'

test('GOAWAY: the engine reconnects and counts the failed streams as goaway errors', async (t) => {
  const server = await startH2Server({ goawayAfter: 25 })
  t.after(async () => { await server.close() })
  const r = await runLoad({ urls: [server.url], workers: 1, http: 2, ca: tempFile('ca.pem', server.ca as string), requests: 300, concurrency: 10, logLevel: 'silent' })
  assert.equal(r.requests.completed, 300)
  assert.ok(server.stats.goaways >= 2, `goaways ${server.stats.goaways}`)
  assert.ok(server.stats.sessions >= 3, `sessions ${server.stats.sessions}`)
  // Each failure has exactly one kind, and responses plus errors account for every request. Streams the
  // client opened after the server's GOAWAY are refused by the server: they count as refused_stream.
  assert.equal(r.status['2xx'] + r.requests.errors, 300)
  assert.equal((r.errors.goaway?.count ?? 0) + (r.errors.refused_stream?.count ?? 0), r.requests.errors)
  assert.ok((r.errors.goaway?.count ?? 0) > 0)
  assert.ok(r.connections.opened >= server.stats.sessions)
  // Regression: dispatching from inside undici's error callback during GOAWAY tripped its
  // `assert(client[kSize] === 0)` and crashed the worker; the engine now defers the next request.
  assert.equal(r.workers[0]?.restarts, 0)
})

test('REFUSED_STREAM: refused streams are counted as refused_stream and the connection is kept', async (t) => {
  const server = await startH2Server({ tls: false, refuseStreamsRatio: 0.1 })
  t.after(async () => { await server.close() })
  const r = await runLoad({ urls: [server.url], workers: 1, http: 2, requests: 400, concurrency: 20, logLevel: 'silent' })
  assert.equal(r.requests.completed, 400)
  assert.equal(server.stats.refused, 40)
  assert.equal(r.errors.refused_stream?.count, 40)
  assert.equal(r.requests.errors, 40)
  assert.equal(r.status['2xx'], 360)
  assert.equal(server.stats.sessions, 1)
  assert.match(r.errors.refused_stream?.sample ?? '', /REFUSED_STREAM/)
})

test('a crashed worker is detected and restarted; the budget is still honoured', async (t) => {
  const server = await startH2Server({ tls: false })
  t.after(async () => { await server.close() })
  const r = await runLoad({ urls: [server.url], workers: 2, http: 2, requests: 2000, concurrency: 20, logLevel: 'silent' }, {
    crashWorker: { worker: 0, after: 100 }
  })
  assert.equal(r.workers[0]?.restarts, 1)
  assert.equal(r.workers[0]?.gaveUp, false)
  assert.equal(r.workers[1]?.restarts, 0)
  assert.equal(r.requests.started, 2000)
  // Requests in flight inside the dead thread never complete; everything else does.
  assert.ok(r.requests.completed >= 2000 - 20, `completed ${r.requests.completed}`)
  assert.ok(r.requests.completed <= 2000)
  assert.equal(r.passed, true)
})

test('connection refused: errors are counted, the engine backs off and the run ends on time', async () => {
  // A port nobody listens on: bind and close a server to find one.
  const server = await startH2Server({ tls: false })
  const url = server.url
  await server.close()
  const started = Date.now()
  const r = await runLoad({ urls: [url], workers: 1, http: 2, duration: '1s', concurrency: 5, logLevel: 'silent' })
  assert.ok(Date.now() - started < 5000)
  assert.ok((r.errors.conn_refused?.count ?? 0) > 0)
  assert.equal(r.requests.errors, r.requests.completed)
  // Backing off after connection failures keeps this from becoming a tight reconnect loop.
  assert.ok(r.requests.completed < 500, `attempts ${r.requests.completed}`)
})
