// Faults seen by the load engine: GOAWAY, refused streams, a crashing worker. The engine must reconnect,
// count every error once under the right kind, and finish.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../src/run/load.js'
import { startH2Server } from '../helpers/servers.js'
import { tempFile } from '../helpers/files.js'

const NODE_MAJOR = Number(process.versions.node.split('.')[0])

test('graceful GOAWAY: the engine reconnects and every request completes once, without an error', async (t) => {
  const server = await startH2Server({ goawayAfter: 25 })
  t.after(async () => { await server.close() })
  const r = await runLoad({ urls: [server.url], workers: 1, http: 2, ca: tempFile('ca.pem', server.ca as string), requests: 300, concurrency: 10, logLevel: 'silent' })
  assert.equal(r.requests.completed, 300)
  assert.ok(server.stats.goaways >= 2, `goaways ${server.stats.goaways}`)
  assert.ok(server.stats.sessions >= 3, `sessions ${server.stats.sessions}`)
  // undici 8 lets the streams up to the GOAWAY's last-stream-id finish and sends the others again on a new
  // connection: no request fails and the server processed each one once. Node 22's HTTP/2 client still
  // fails a few streams whose answer arrives just before the server closes the drained connection ("other
  // side closed", measured in the known limitations of docs/sending.md); Node 26 does not.
  if (NODE_MAJOR >= 26) {
    assert.equal(r.requests.errors, 0, JSON.stringify(r.errors))
  } else {
    assert.deepEqual(Object.keys(r.errors).filter((k) => k !== 'conn_reset'), [], JSON.stringify(r.errors))
    if (r.requests.errors > 0) assert.match(r.errors.conn_reset?.sample ?? '', /other side closed/)
    t.diagnostic(`Node ${process.versions.node}: ${r.requests.errors} of 300 requests failed as the server closed a drained connection`)
  }
  assert.equal(r.status['2xx'] + r.requests.errors, 300)
  assert.equal(server.stats.requests, 300)
  assert.ok(r.connections.opened >= server.stats.sessions)
  // Regression: dispatching from inside undici's error callback tripped its `assert(client[kSize] === 0)`
  // and crashed the worker; the engine defers the next request.
  assert.equal(r.workers[0]?.restarts, 0)
})

test('REFUSED_STREAM: undici sends a refused stream again once; a second refusal counts as refused_stream', async (t) => {
  const server = await startH2Server({ tls: false, refuseStreamsRatio: 0.1 })
  t.after(async () => { await server.close() })
  const r = await runLoad({ urls: [server.url], workers: 1, http: 2, requests: 400, concurrency: 20, logLevel: 'silent' })
  assert.equal(r.requests.completed, 400)
  assert.equal(r.requests.started, 400, 'a replay is not a new request')
  // Every refusal was either replayed (once per request) or surfaced as the request's error.
  assert.ok(r.requests.replayed > 0, 'refused streams were replayed')
  assert.ok(r.requests.replayed <= 400)
  assert.equal(server.stats.refused, r.requests.replayed + r.requests.errors)
  assert.equal(r.errors.refused_stream?.count ?? 0, r.requests.errors)
  assert.equal(r.status['2xx'] + r.requests.errors, 400)
  assert.equal(server.stats.requests, r.status['2xx'], 'only answered streams reached the handler')
  assert.equal(server.stats.sessions, 1, 'the connection is kept')
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
