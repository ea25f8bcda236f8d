// The load engine against real servers: HTTP/1.1, HTTP/2 over TLS and h2c, with the report checked
// against what the server itself counted.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runLoad } from '../../src/run/load.js'
import { startH1Server, startH2Server } from '../helpers/servers.js'
import { tempFile } from '../helpers/files.js'

const quiet = { logLevel: 'silent' }

test('HTTP/1.1 keep-alive: every request is counted on both sides', async (t) => {
  const server = await startH1Server()
  t.after(async () => { await server.close() })
  const r = await runLoad({ urls: [server.url + 'a'], workers: 1, http: 1, requests: 300, concurrency: 10, ...quiet })
  assert.equal(r.requests.completed, 300)
  assert.equal(r.status['2xx'], 300)
  assert.equal(r.status.codes['201'], 300)
  assert.equal(server.stats.requests, 300)
  // Keep-alive: ten connections for three hundred requests, not three hundred connections.
  assert.ok(server.stats.connections <= 10, `connections: ${server.stats.connections}`)
  assert.equal(r.connections.protocols['http/1.1'], r.connections.opened)
  assert.equal(r.exitCode, 0)
})

test('HTTP/2 over TLS multiplexes POSTs on one connection', async (t) => {
  const server = await startH2Server({ delayMs: 20 })
  t.after(async () => { await server.close() })
  const ca = tempFile('ca.pem', server.ca as string)
  const r = await runLoad({
    urls: [server.url + 'push'], workers: 1, http: 2, ca, requests: 200, concurrency: 50, rampUp: 0, body: 'x'.repeat(200), method: 'POST', ...quiet
  })
  assert.equal(r.requests.completed, 200)
  assert.equal(r.status['2xx'], 200)
  assert.equal(server.stats.sessions, 1)
  assert.equal(server.stats.methods.get('POST'), 200)
  // The server saw many streams open at once: POSTs really were multiplexed (idempotent + pipelining).
  assert.ok(server.stats.maxConcurrentStreams >= 25, `max concurrent streams ${server.stats.maxConcurrentStreams}`)
  assert.equal(r.bytes.sent, 200 * 200)
  assert.deepEqual(r.connections.protocols, { h2: 1 })
})

test('h2c: --http=2 on an http:// URL speaks HTTP/2 with prior knowledge', async (t) => {
  const server = await startH2Server({ tls: false })
  t.after(async () => { await server.close() })
  const r = await runLoad({ urls: [server.url], workers: 2, http: 2, requests: 100, concurrency: 10, ...quiet })
  assert.equal(r.requests.completed, 100)
  assert.equal(server.stats.requests, 100)
  assert.equal(r.workers.length, 2)
  assert.deepEqual(r.workers.map((w) => w.started), [50, 50])
  assert.ok((r.connections.protocols.h2c ?? 0) >= 2)
})

test('--http=auto negotiates h2 on TLS; --http=2 against a server that only speaks HTTP/1.1 ends the run with one error', async (t) => {
  const h2 = await startH2Server()
  const h1 = await startH1Server({ tls: true })
  t.after(async () => { await h2.close(); await h1.close() })
  const auto = await runLoad({ urls: [h2.url], workers: 1, ca: tempFile('ca.pem', h2.ca as string), requests: 20, ...quiet })
  assert.deepEqual(auto.connections.protocols, { h2: 1 })
  const autoH1 = await runLoad({ urls: [h1.url], workers: 1, ca: tempFile('ca.pem', h1.ca as string), requests: 20, ...quiet })
  assert.equal(autoH1.status['2xx'], 20)
  assert.ok((autoH1.connections.protocols['http/1.1'] ?? 0) >= 1)
  // One clear error that ends the run, not one failed request after another (#11).
  const strict = await runLoad({ urls: [h1.url], workers: 1, http: 2, ca: tempFile('ca.pem', h1.ca as string), requests: 5, ...quiet }).then(() => null, (err: unknown) => err as { code?: string, message?: string })
  assert.equal(strict?.code, 'NS_ERR_PROTOCOL_NEGOTIATION')
  assert.match(strict?.message ?? '', /did not negotiate HTTP\/2.*--http=1/)
  assert.equal(h1.stats.requests, 20, 'only the --http=auto run reached it')
})

test('HTTP/1.1 pipelining keeps several requests in flight per connection', async (t) => {
  const server = await startH1Server({ delayMs: 10 })
  t.after(async () => { await server.close() })
  const r = await runLoad({ urls: [server.url], workers: 1, http: 1, pipelining: 4, connections: 2, concurrency: 8, requests: 80, ...quiet })
  assert.equal(r.requests.completed, 80)
  assert.ok(server.stats.connections <= 2, `connections ${server.stats.connections}`)
})

test('several URLs are used round-robin with method, headers and body', async (t) => {
  const server = await startH2Server({ tls: false })
  t.after(async () => { await server.close() })
  const r = await runLoad({
    urls: [server.url + 'one', server.url + 'two?x=1'], workers: 1, http: 2, requests: 40, method: 'PUT', header: ['x-test: yes'], body: 'abc', ...quiet
  })
  assert.equal(r.requests.completed, 40)
  assert.equal(server.stats.paths.get('/one'), 20)
  assert.equal(server.stats.paths.get('/two'), 20)
  assert.equal(server.stats.methods.get('PUT'), 40)
})
