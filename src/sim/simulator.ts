import http2 from 'node:http2'
import type { Http2SecureServer, Http2Session, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2'
import { isIPv6 } from 'node:net'
import type { Socket } from 'node:net'
import { Piscina } from 'piscina'
import { generateSelfSignedCertificate } from '../tls/cert.js'
import { FAULT_KINDS, FaultPicker } from './faults.js'
import { handlePush, send } from './handler.js'
import { SubscriptionKeyring } from './keys.js'
import { resolveSimulatorOptions } from './options.js'
import type { ResolvedSimulatorOptions, SimulatorOptions } from './options.js'
import { jsonError } from './responses.js'
import { SimulatorCounters } from './stats.js'
import type { SimulatorStats } from './stats.js'
import { simSubscription, writeSubscriptionsFile } from './subscriptions-file.js'
import type { SimSubscription, WriteSubscriptionsOptions } from './subscriptions-file.js'
import { verifyAndDecrypt } from './verify.js'
import type { VerifyResult, VerifyTask } from './verify.js'

export type { Delivery, SimulatorOptions } from './options.js'
export type { RejectReason, SimulatorStats } from './stats.js'
export type { FaultKind, FaultRatios } from './faults.js'
export type { SimSubscription, WriteSubscriptionsOptions } from './subscriptions-file.js'

/** `GET /__deliveries` answers 413 above this many subscriptions rather than build a huge array. */
export const MAX_DELIVERIES_LISTING = 100_000

/** A running push-service simulator. */
export interface Simulator {
  /** e.g. `https://127.0.0.1:43211`. */
  origin: string
  port: number
  /** PEM of the server certificate, to pass to the sender as its CA. */
  ca: string
  /** The seed as lowercase hex; give it to another simulator to get the same subscriptions. */
  seed: string
  /** Subscription `index` in the browser's toJSON() shape, plus `id`. */
  subscription(index: number): SimSubscription
  /** Writes subscriptions 0 .. count - 1 (default: all) as NDJSON, streamed with backpressure. */
  writeSubscriptions(path: string, count?: number, options?: WriteSubscriptionsOptions): Promise<void>
  /** A JSON-safe snapshot of the counters. */
  stats(): SimulatorStats
  /** Messages accepted for `index` (saturates at 65535). */
  deliveries(index: number): number
  /** Destroys every session, cancels pending slow answers, stops the verify pool; idempotent. */
  close(): Promise<void>
}

function checkIndex (index: number, subscriptions: number, what: string): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= subscriptions) {
    throw new RangeError(`${what}: index must be an integer from 0 to ${subscriptions - 1}, got ${index}`)
  }
}

function listen (server: Http2SecureServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port, host }, () => {
      server.off('error', reject)
      const address = server.address()
      if (address === null || typeof address === 'string') reject(new Error(`no TCP address for ${host}`))
      else resolve(address.port)
    })
  })
}

function createVerifier (o: ResolvedSimulatorOptions): { verify: (task: VerifyTask) => VerifyResult | Promise<VerifyResult>, pool: Piscina | undefined } {
  if (o.verifyThreads === 0) return { verify: verifyAndDecrypt, pool: undefined }
  const pool = new Piscina({
    filename: new URL('./verify-worker.js', import.meta.url).href,
    minThreads: o.verifyThreads,
    maxThreads: o.verifyThreads
  })
  // A worker that dies fails its task (answered 500 and counted); the emitter must not throw too.
  pool.on('error', () => {})
  return {
    // The body is the only per-request buffer and is never used again here, so it is transferred.
    verify: (task) => pool.run(task, { transferList: [task.body.buffer as ArrayBuffer] }) as Promise<VerifyResult>,
    pool
  }
}

/** Starts an HTTP/2 TLS Web Push service on loopback that verifies, decrypts and counts every message. */
export async function startSimulator (opts: SimulatorOptions = {}): Promise<Simulator> {
  const o = resolveSimulatorOptions(opts)
  const credentials = o.cert ?? generateSelfSignedCertificate({ hosts: [o.host] })
  const counters = new SimulatorCounters(o.subscriptions, FAULT_KINDS)
  const keyring = new SubscriptionKeyring(o.seed)
  const timers = new Set<NodeJS.Timeout>()
  const sessions = new Set<ServerHttp2Session>()
  const sockets = new Set<Socket>()
  const openStreams = new WeakMap<Http2Session, number>()
  const { verify, pool } = createVerifier(o)

  const ctx = {
    seed: o.seed,
    subscriptions: o.subscriptions,
    expiredRatio: o.faults.expired,
    retryAfterSeconds: o.retryAfterSeconds,
    slowMs: o.slowMs,
    keyring,
    counters,
    picker: new FaultPicker(o.seed, o.faults),
    verify,
    onDelivery: o.onDelivery,
    later: (ms: number, fn: () => void): void => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        fn()
      }, ms)
      timers.add(timer)
    }
  }

  const admin = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, path: string): void => {
    stream.resume()
    if (headers[':method'] !== 'GET') {
      send(stream, jsonError(405, 999, 'the /__ endpoints answer GET only', { allow: 'GET' }))
    } else if (path === '/__stats') {
      send(stream, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(counters.snapshot()) })
    } else if (path === '/__deliveries') {
      send(stream, o.subscriptions > MAX_DELIVERIES_LISTING
        ? jsonError(413, 104, `more than ${MAX_DELIVERIES_LISTING} subscriptions; use /__stats or deliveries(index)`)
        : { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ counts: counters.countsArray() }) })
    } else {
      send(stream, jsonError(404, 102, 'unknown simulator endpoint'))
    }
  }

  const server = http2.createSecureServer({
    cert: credentials.cert,
    key: credentials.key,
    allowHTTP1: false,
    settings: { maxConcurrentStreams: o.maxConcurrentStreams }
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  // A client that did not negotiate h2 (e.g. an HTTP/1.1-only sender) gets a clear answer
  // instead of a connection that hangs until Node's unknownProtocol timeout.
  server.on('unknownProtocol', (socket) => {
    const body = 'this push-service simulator speaks HTTP/2 only\n'
    socket.end(`HTTP/1.1 505 HTTP Version Not Supported\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${body}`)
  })
  server.on('session', (session: ServerHttp2Session) => {
    counters.sessions++
    counters.openSessions++
    sessions.add(session)
    session.on('error', () => {})
    session.once('close', () => {
      sessions.delete(session)
      counters.openSessions--
    })
  })
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    // A client reset or a dead session surfaces as a stream 'error': the client's business, not ours.
    stream.on('error', () => {})
    const session = stream.session
    if (session !== undefined) {
      const open = (openStreams.get(session) ?? 0) + 1
      openStreams.set(session, open)
      if (open > counters.maxConcurrentStreams) counters.maxConcurrentStreams = open
      stream.once('close', () => openStreams.set(session, (openStreams.get(session) ?? 1) - 1))
    }
    const path = String(headers[':path'] ?? '')
    if (path.startsWith('/__')) admin(stream, headers, path)
    else handlePush(ctx, stream, headers)
  })

  let port: number
  try {
    port = await listen(server, o.port, o.host)
  } catch (err) {
    await pool?.destroy()
    throw err
  }
  const origin = `https://${isIPv6(o.host) ? `[${o.host}]` : o.host}:${port}`

  let closing: Promise<void> | undefined
  const close = async (): Promise<void> => {
    for (const timer of timers) clearTimeout(timer)
    timers.clear()
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const session of sessions) session.destroy()
    for (const socket of sockets) socket.destroy()
    await Promise.all([stopped, pool?.destroy()])
  }

  return {
    origin,
    port,
    ca: credentials.cert,
    seed: o.seed.toString('hex'),
    subscription (index) {
      checkIndex(index, o.subscriptions, 'subscription')
      return simSubscription(origin, o.seed, index, keyring.get(index))
    },
    async writeSubscriptions (path, count = o.subscriptions, options = {}) {
      if (!Number.isSafeInteger(count) || count < 0 || count > o.subscriptions) {
        throw new RangeError(`writeSubscriptions: count must be an integer from 0 to ${o.subscriptions}, got ${count}`)
      }
      await writeSubscriptionsFile(path, origin, o.seed, count, options)
    },
    stats: () => counters.snapshot(),
    deliveries (index) {
      checkIndex(index, o.subscriptions, 'deliveries')
      return counters.deliveries(index)
    },
    close: () => (closing ??= close())
  }
}
