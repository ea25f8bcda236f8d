// Every run is bounded (#11): a protocol mismatch ends it at once with one clear error, a server that never
// answers cannot hold it past --duration + --grace, --duration counts from the workers' shared start, and
// connections are reused and paced (a fixed --rate over HTTP/1.1, reconnects after resets).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import { runLoad } from '../../src/run/load.js'
import { bounded } from '../helpers/bounded.js'
import { startH1Server } from '../helpers/servers.js'
import { tempDir } from '../helpers/files.js'
import { assertReconciled, readOutcomes, sendBounded, writeSubscriptions, writeVapidKeyFile } from '../helpers/send-run.js'

// Hang guards, not timings: each run below is over in a few seconds once it is bounded.
const RUN_BOUND_MS = 25_000

function sendOptions (origin: string, count: number): { dir: string, out: string, options: Record<string, unknown> } {
  const dir = tempDir()
  const out = join(dir, 'out')
  const host = new URL(origin).host
  return {
    dir,
    out,
    options: {
      subscriptions: writeSubscriptions(dir, origin, count),
      payload: 'bounds',
      vapidKeys: writeVapidKeyFile(dir),
      allowHost: [host],
      allowPrivate: true,
      out,
      workers: 1,
      logLevel: 'silent'
    }
  }
}

async function rejection (p: Promise<unknown>): Promise<{ code?: string, message: string }> {
  const r = await p.then(() => null, (err: unknown) => err)
  assert.ok(r !== null && typeof r === 'object', 'the run fails')
  return r as { code?: string, message: string }
}

// A stock node:http server: like nginx or any HTTP/1.1-only server, it answers an HTTP/2 preface with
// "400 Bad Request" (the test helpers' servers close such connections silently instead).
async function plainH1Server (t: { after: (fn: () => Promise<void>) => void }): Promise<{ origin: string, url: string, requests: () => number }> {
  let requests = 0
  const server = http.createServer((req, res) => {
    requests++
    req.resume()
    res.writeHead(201).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
  return { origin, url: `${origin}/`, requests: () => requests }
}

test('#11 load --http=2 against an HTTP/1.1-only server ends early with NS_ERR_PROTOCOL_MISMATCH', async (t) => {
  const server = await plainH1Server(t)
  // It used to run on (608 s with -d 1s), spinning on a dead HTTP/2 session.
  const err = await rejection(bounded(runLoad({ urls: [server.url], workers: 1, http: 2, duration: '2s', logLevel: 'silent' }), 'load run', RUN_BOUND_MS))
  assert.equal(err.code, 'NS_ERR_PROTOCOL_MISMATCH')
  assert.match(err.message, /HTTP\/2 with prior knowledge.*--http=1/)
  assert.equal(server.requests(), 0)
})

test('#11 load https:// against a cleartext port ends early with NS_ERR_PROTOCOL_MISMATCH', async (t) => {
  const server = await plainH1Server(t)
  const url = server.url.replace('http:', 'https:')
  const err = await rejection(bounded(runLoad({ urls: [url], workers: 1, duration: '2s', logLevel: 'silent' }), 'load run', RUN_BOUND_MS))
  assert.equal(err.code, 'NS_ERR_PROTOCOL_MISMATCH')
  assert.match(err.message, /cleartext port; use http:\/\//)
})

test('#11 send --http=2 to an HTTP/1.1 endpoint fails its lines at once with one protocol error', async (t) => {
  const server = await plainH1Server(t)
  const s = sendOptions(server.origin, 101)
  // 101 lines used to stay in flight until SIGINT.
  const report = await sendBounded({ ...s.options, http: 2 }, 'send run', RUN_BOUND_MS)
  const o = report.outcomes
  assert.ok(o !== undefined)
  assert.equal(o.read, 101)
  assert.equal(o.failed, 101, JSON.stringify(o))
  assert.equal(report.exitCode, 1)
  // One protocol error for the push service, and the run says that nothing succeeded.
  assert.equal(report.problems.length, 2, JSON.stringify(report.problems))
  assert.match(report.problems[0] ?? '', /aborted: .*HTTP\/2 with prior knowledge/)
  assert.match(report.problems[1] ?? '', /^nothing succeeded/)
  for (const r of readOutcomes(s.out).failed) assert.match(r.reason ?? '', /HTTP\/2 with prior knowledge|session/)
  assert.equal(server.requests(), 0)
})

// A server that accepts connections and reads forever without a byte back: HTTP/1.1 requests wait for
// headers, HTTP/2 requests wait for the SETTINGS frame (undici queues them unwritten).
async function silentServer (t: { after: (fn: () => Promise<void>) => void }): Promise<{ port: number, connections: () => number }> {
  const sockets = new Set<Socket>()
  let connections = 0
  const server = net.createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => { sockets.delete(socket) })
    socket.resume()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  return { port: (server.address() as net.AddressInfo).port, connections: () => connections }
}

for (const http of [1, 2] as const) {
  test(`#11 load (HTTP/${http}) against a server that never answers ends at --duration + --grace, not --timeout`, async (t) => {
    const server = await silentServer(t)
    const r = await bounded(runLoad({
      urls: [`http://127.0.0.1:${server.port}/`], workers: 1, http, duration: '1s', grace: '500ms', timeout: '120s', concurrency: 4, logLevel: 'silent'
    }), 'load run', RUN_BOUND_MS)
    assert.ok(r.requests.started >= 1, JSON.stringify(r.requests))
    assert.equal(r.requests.completed, r.requests.started, 'every request ended')
    assert.equal(r.errors.deadline?.count, r.requests.started, JSON.stringify(r.errors))
    assert.ok(r.durationMs >= 1000, `durationMs ${r.durationMs}`)
  })
}

test('#11 send --duration: at the hard deadline written lines are indeterminate, queued ones not-attempted', async (t) => {
  // The first request is answered (a new push service gets one probe request before the others go), then
  // the service goes silent.
  let answered = false
  const server = await startH1Server({
    handler: (req, res) => {
      req.resume()
      if (answered) return
      answered = true
      req.once('end', () => { res.writeHead(201).end() })
    }
  })
  t.after(async () => { await server.close() })
  const s = sendOptions(server.origin, 20)
  // One HTTP/1.1 connection, four lines in flight: one is written, three wait inside undici.
  const report = await sendBounded({ ...s.options, http: 1, connections: 1, concurrency: 4, rampUp: '0s', duration: '500ms', grace: '300ms', timeout: '120s' }, 'send run', RUN_BOUND_MS)
  const { records } = assertReconciled(report, s.out)
  assert.equal(records.sent.length, 1, JSON.stringify(report.outcomes))
  assert.equal(records.indeterminate.length, 1, JSON.stringify(report.outcomes))
  assert.match(records.indeterminate[0]?.reason ?? '', /deadline: aborted after the grace period/)
  assert.equal(records.indeterminate[0]?.attempts, 1)
  assert.equal(records['not-attempted'].length, 18)
  const queued = records['not-attempted'].filter((r) => /deadline/.test(r.reason ?? ''))
  assert.equal(queued.length, 3, 'the three queued lines were aborted unwritten')
  for (const r of records['not-attempted']) assert.equal(r.attempts, 0)
  assert.equal(server.stats.connections, 1)
})

test('#11 send --rate 50 --duration 300ms reads lines and reports durationMs >= 300', async (t) => {
  const server = await startH1Server()
  t.after(async () => { await server.close() })
  const s = sendOptions(server.origin, 500)
  const report = await sendBounded({ ...s.options, http: 1, rate: 50, duration: '300ms' }, 'send run', RUN_BOUND_MS)
  const { outcomes } = assertReconciled(report, s.out)
  assert.ok(outcomes.read > 0, 'lines were read')
  assert.ok(outcomes.sent > 0, JSON.stringify(outcomes))
  // It reported -9 ms: the clock started before the workers did.
  assert.ok(report.durationMs >= 300, `durationMs ${report.durationMs}`)
})

test('#11 a fixed --rate over HTTP/1.1 reuses idle connections instead of opening one per request', async (t) => {
  const server = await startH1Server({ status: 200 })
  t.after(async () => { await server.close() })
  const r = await bounded(runLoad({ urls: [server.url], workers: 1, http: 1, rate: 50, requests: 99, logLevel: 'silent' }), 'load run', RUN_BOUND_MS)
  assert.equal(r.status['2xx'], 99)
  // 99 requests opened 99 connections. A new one opens only while every open one is busy, which a
  // stalled event loop on a loaded machine makes happen in bursts (24 seen); never one per request.
  assert.ok(server.stats.connections < 50, `connections ${server.stats.connections}`)
})

test('#11 reconnects after connection resets take a --connect-rate token', async (t) => {
  const server = await startH1Server({ handler: (req) => { req.socket.destroy() } })
  t.after(async () => { await server.close() })
  const r = await bounded(runLoad({ urls: [server.url], workers: 1, http: 1, duration: '2s', grace: '200ms', connectRate: 10, logLevel: 'silent' }), 'load run', RUN_BOUND_MS)
  assert.ok(r.requests.errors > 0)
  // 1,568 connections in 2 s. Ten per second over the run, plus the initial burst and a little slack.
  const allowed = Math.ceil((10 * r.durationMs) / 1000) + 3
  assert.ok(server.stats.connections <= allowed, `connections ${server.stats.connections}, allowed ${allowed} in ${r.durationMs} ms`)
  assert.ok(server.stats.connections >= 2, 'it did reconnect')
})
