// Responses a push service can make hostile (#12): a body that trickles, a body far larger than any push
// service sends. Once the status is known the outcome is decided: a 201 is sent, whatever the body does,
// and neither the body nor the run may outlast --timeout.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import type { ServerHttp2Stream } from 'node:http2'
import { startH1Server, startH2Server } from '../helpers/servers.js'
import type { TestServer } from '../helpers/servers.js'
import { sendTo } from '../helpers/fault-send.js'
import { assertReconciled } from '../helpers/send-run.js'

const LINES = 3
// The slow body lasts far longer than any bound below: a send that waits for it cannot pass.
const TRICKLE_BYTES = 600
const BIG_BODY = 50 * 1024 * 1024
const CHUNK = Buffer.alloc(64 * 1024, 0x61)

type Writable = ServerResponse | ServerHttp2Stream

// One byte per second for ten minutes; stops as soon as the client goes away.
function trickle (out: Writable): void {
  let sent = 0
  const timer = setInterval(() => {
    if (out.destroyed || sent++ >= TRICKLE_BYTES) {
      clearInterval(timer)
      if (!out.destroyed) out.end()
      return
    }
    out.write('x')
  }, 1000)
  out.once('close', () => { clearInterval(timer) })
}

// 50 MB, written as fast as the client reads it; `written` counts what the client accepted.
function flood (out: Writable, written: { bytes: number }): void {
  const pump = (): void => {
    while (!out.destroyed && written.bytes < BIG_BODY) {
      written.bytes += CHUNK.length
      if (!out.write(CHUNK)) {
        out.once('drain', pump)
        return
      }
    }
    if (!out.destroyed) out.end()
  }
  pump()
}

async function h1 (body: (res: ServerResponse) => void): Promise<TestServer<unknown>> {
  return await startH1Server({
    tls: true,
    handler: (req, res) => {
      req.resume()
      req.once('end', () => {
        res.writeHead(201, { 'content-type': 'text/plain' })
        res.flushHeaders()
        body(res)
      })
    }
  })
}

async function h2 (body: (stream: ServerHttp2Stream) => void): Promise<TestServer<unknown>> {
  return await startH2Server({
    handler: (stream) => {
      stream.resume()
      stream.once('end', () => {
        stream.respond({ ':status': 201, 'content-type': 'text/plain' })
        body(stream)
      })
    }
  })
}

const PROTOCOLS = [
  { name: 'HTTP/1.1', http: 1, start: h1 },
  { name: 'HTTP/2', http: 2, start: h2 }
] as const

for (const p of PROTOCOLS) {
  test(`#12 ${p.name}: a 201 whose body trickles at 1 byte/s is sent, and the send ends once --timeout passes`, async (t) => {
    const server = await p.start((out) => { trickle(out) })
    t.after(async () => { await server.close() })
    const host = `127.0.0.1:${server.port}`
    // sendTo bounds the whole run (a hang guard): before the fix it waited for the body for ten minutes.
    const { report, out } = await sendTo({ host, ca: server.ca as string }, LINES, { http: p.http, timeout: '1s', retries: 0 })
    const { records } = assertReconciled(report, out)
    assert.equal(report.outcomes?.sent, LINES, JSON.stringify(report.outcomes))
    for (const r of records.sent) {
      assert.equal(r.status, 201)
      assert.equal(r.attempts, 1, 'a late body is no reason to send again')
    }
    assert.equal(report.exitCode, 0)
  })

  test(`#12 ${p.name}: a 201 followed by a 50 MB body is sent, and only about the cap is read`, async (t) => {
    const written = { bytes: 0 }
    const server = await p.start((out) => { flood(out, written) })
    t.after(async () => { await server.close() })
    const host = `127.0.0.1:${server.port}`
    const { report, out } = await sendTo({ host, ca: server.ca as string }, LINES, { http: p.http, retries: 0 })
    const { records } = assertReconciled(report, out)
    assert.equal(report.outcomes?.sent, LINES, JSON.stringify(report.outcomes))
    for (const r of records.sent) assert.equal(r.status, 201)
    assert.deepEqual(report.errors, {}, 'a capped body is not an error')
    // 64 KiB per response, plus whatever one read delivered past it; never the 50 MB the server offers.
    assert.ok(report.bytes.received < LINES * 1024 * 1024, `received ${report.bytes.received} bytes`)
    assert.ok(written.bytes < LINES * BIG_BODY, `the server wrote ${written.bytes} bytes`)
  })
}
