// One origin's connections inside one worker. We manage undici `Client`s ourselves instead of using `Pool`:
// each Client is pinned to one resolved address (round-robin over the addresses), requests rotate over
// the Clients so the spread across addresses is deterministic, and new connections are paced by a token
// bucket so a large concurrency never turns into a connection storm.
import { buildConnector, Client } from 'undici'
import type { Dispatcher } from 'undici'
import { isIP } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { NotifySenderError } from '../errors.js'
import type { AddressResolver } from './resolver.js'
import type { HttpVersion, TlsSettings } from './options.js'

/** Settings of an {@link OriginPool}. */
export interface OriginPoolOptions {
  origin: string
  http: HttpVersion
  /** Requests this worker keeps in flight; with the per-connection capacity it sizes the pool. */
  concurrency: number
  /** Connections wanted (overrides the derived count); with forced DNS rounded up to a multiple of the addresses. */
  connections: number | undefined
  /** HTTP/2 streams per connection before the next connection is used. */
  streams: number
  /** HTTP/1.1 pipelining depth per connection. */
  pipelining: number
  connectTimeoutMs: number
  timeoutMs: number
  /** New connections per second. */
  connectRate: number
  forceDns: boolean
  tls: TlsSettings
  resolver: AddressResolver
  /** Fail connections whose TLS handshake did not select h2 (load mode) instead of speaking HTTP/1.1. */
  requireHttp2?: boolean
  /** Called for every established connection with the address and the negotiated protocol. */
  onConnect?: ((address: string, protocol: string) => void) | undefined
}

/** One pinned connection. `inflight` is maintained by the engine (incremented here, released by the caller). */
export interface Connection {
  readonly client: Client
  readonly address: string
  inflight: number
  /** Requests this connection takes before the next one is used: streams (h2) or pipelining depth (h1). */
  capacity: number
  retired: boolean
  /** A response arrived on it: later protocol errors are the peer's, not a protocol mismatch. */
  answered: boolean
}

/** A request waiting for the first address resolution of its origin. */
interface Waiting {
  opts: Dispatcher.DispatchOptions
  handler: PoolHandler
}

/** A dispatch handler that learns which connection carries it, so the caller can release it. */
export interface PoolHandler extends Dispatcher.DispatchHandler {
  conn: Connection | null
  onResponseError: (controller: Dispatcher.DispatchController | null, err: Error) => void
}

const RESOLVE_RETRY_MS = 2000

/** The connections of one origin in one worker. */
export class OriginPool {
  readonly origin: URL
  readonly #opts: OriginPoolOptions
  readonly #slots: Array<Connection | undefined> = []
  #want: number
  // Whether connections are expected to speak HTTP/2; 'auto' starts optimistic and learns from ALPN.
  #h2: boolean
  #rr = 0
  #addresses: string[] = []
  #resolving: Promise<void> | null = null
  #resolveError: Error | null = null
  #resolveErrorAt = 0
  #waiting: Waiting[] = []
  #tokens: number
  #tokensAt = performance.now()
  #refreshAt = 0
  readonly #connector: buildConnector.connector
  readonly requestsByAddress = new Map<string, number>()

  constructor (opts: OriginPoolOptions) {
    this.origin = new URL(opts.origin)
    this.#opts = opts
    this.#h2 = opts.http === 2 || (opts.http === 'auto' && this.origin.protocol === 'https:')
    this.#want = this.#derivedWant()
    this.#tokens = Math.max(1, Math.ceil(opts.connectRate / 10))
    const secure = this.origin.protocol === 'https:'
    const host = this.origin.hostname.replace(/^\[(.*)\]$/, '$1')
    // useH2c is honoured by buildConnector at runtime but missing from its type declaration. Without
    // preferH2, undici 8 offers ALPN in the order http/1.1, h2.
    const base = buildConnector({
      allowH2: opts.http !== 1,
      preferH2: opts.http !== 1,
      ...({ useH2c: opts.http === 2 && !secure } as object),
      timeout: opts.connectTimeoutMs,
      maxCachedSessions: 100,
      rejectUnauthorized: opts.tls.rejectUnauthorized,
      ...(opts.tls.ca !== undefined ? { ca: opts.tls.ca } : {})
    })
    // Connect to the pinned address while keeping the original name for SNI and certificate checks.
    this.#connector = (connectOpts, callback) => {
      const address = (connectOpts as { address?: string }).address ?? host
      base({ ...connectOpts, hostname: address, servername: isIP(host) === 0 ? host : '' } as buildConnector.Options, (err, socket) => {
        if (err !== null) {
          callback(err, null)
          return
        }
        const protocol = secure ? ((socket as TLSSocket).alpnProtocol || 'http/1.1') : (opts.http === 2 ? 'h2c' : 'http/1.1')
        if (opts.requireHttp2 === true && opts.http === 2 && secure && protocol !== 'h2') {
          socket.destroy()
          callback(new NotifySenderError(`${this.origin.host} did not negotiate HTTP/2 (ALPN chose ${protocol}); use --http=1`, 'NS_ERR_PROTOCOL_NEGOTIATION'), null)
          return
        }
        if (protocol === 'http/1.1' && this.#h2) {
          // ALPN chose HTTP/1.1 under --http=auto: size the pool for pipelining instead of streams.
          this.#h2 = false
          this.#want = this.#derivedWant()
          for (const c of this.#slots) {
            if (c === undefined) continue
            c.capacity = opts.pipelining
          }
        }
        opts.onConnect?.(address, protocol)
        callback(null, socket)
      })
    }
  }

  /** Dispatches a request on the next connection in rotation. The handler's `conn` is set for release. */
  dispatch (opts: Dispatcher.DispatchOptions, handler: PoolHandler): void {
    // A failed resolution is remembered for a while (requests fail fast), then tried again: a short DNS
    // outage must not fail every later retry to this origin.
    if (this.#resolveError !== null && performance.now() - this.#resolveErrorAt > RESOLVE_RETRY_MS) {
      this.#resolveError = null
      this.#resolving = null
    }
    if (this.#addresses.length === 0 || this.#resolveError !== null) {
      if (this.#resolveError !== null) {
        handler.conn = null
        handler.onResponseError(null, this.#resolveError)
        return
      }
      this.#waiting.push({ opts, handler })
      this.#startResolve()
      return
    }
    if (this.#opts.forceDns && performance.now() >= this.#refreshAt) this.#refresh()
    const conn = this.#pick()
    conn.inflight++
    handler.conn = conn
    this.requestsByAddress.set(conn.address, (this.requestsByAddress.get(conn.address) ?? 0) + 1)
    conn.client.dispatch(opts, handler)
  }

  /**
   * The error to report when a request failed with a protocol error on a connection that never answered:
   * the server does not speak what --http asked for. One clear message, not a stream of retries (#11).
   */
  mismatch (err: Error): Error {
    if ((err as { code?: unknown }).code === 'NS_ERR_PROTOCOL_NEGOTIATION') return err
    const host = this.origin.host
    const message = this.origin.protocol === 'https:'
      ? `${host} did not answer the TLS handshake with TLS (${(err as { code?: string }).code ?? err.message}): it looks like a cleartext port; use http://${host}`
      : `${host} does not speak HTTP/2 with prior knowledge (h2c): it rejected the HTTP/2 connection preface (${err.message}); it is probably an HTTP/1.1 server: use --http=1 or --http=auto`
    return new NotifySenderError(message, 'NS_ERR_PROTOCOL_MISMATCH', { cause: err })
  }

  /** Fails every request of this origin that was not written yet (queued in undici or waiting for DNS). */
  abortQueued (err: Error): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const w of waiting) {
      w.handler.conn = null
      w.handler.onResponseError(null, err)
    }
    for (const c of this.#slots) if (c !== undefined) void c.client.destroy(err).catch(() => {})
  }

  /** Resolves the origin's addresses ahead of the first request (load mode warms up before the clock starts). */
  async prepare (): Promise<void> {
    if (this.#addresses.length > 0) return
    this.#startResolve()
    await this.#resolving
    if (this.#resolveError !== null) throw this.#resolveError
  }

  /** Closes every connection, waiting for in-flight requests; destroys them after `graceMs`. */
  async close (graceMs: number): Promise<void> {
    const clients = this.#slots.filter((c): c is Connection => c !== undefined).map((c) => c.client)
    const closing = Promise.allSettled(clients.map(async (c) => await c.close()))
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<'timeout'>((resolve) => { timer = setTimeout(resolve, graceMs, 'timeout') })
    const r = await Promise.race([closing, expired])
    clearTimeout(timer)
    if (r === 'timeout') await Promise.allSettled(clients.map(async (c) => await c.destroy()))
  }

  #pick (): Connection {
    const want = this.#want
    // Reuse before opening (#11: a fixed --rate over HTTP/1.1 opened one connection per request). Only an
    // explicit --connections, or --force-dns spreading over several addresses, rotates over every slot.
    if (this.#opts.connections === undefined && !(this.#opts.forceDns && this.#addresses.length > 1)) {
      let empty = -1
      for (let i = 0; i < want; i++) {
        const slot = (this.#rr + i) % want
        const c = this.#slots[slot]
        if (c === undefined || c.retired) {
          if (empty < 0) empty = slot
          continue
        }
        if (c.inflight < c.capacity) {
          this.#rr = slot + 1 === want ? 0 : slot + 1
          return c
        }
      }
      if (empty >= 0 && this.#takeToken()) return this.#open(empty)
      return this.#leastLoaded() ?? this.#open(0)
    }
    for (let i = 0; i < want; i++) {
      const slot = this.#rr
      this.#rr = slot + 1 === want ? 0 : slot + 1
      const c = this.#slots[slot]
      if (c === undefined || c.retired) {
        if (this.#takeToken()) return this.#open(slot)
        continue
      }
      if (c.inflight < c.capacity) return c
    }
    // The first connection is always allowed; after that, excess requests queue inside undici.
    return this.#leastLoaded() ?? this.#open(0)
  }

  #leastLoaded (): Connection | undefined {
    let best: Connection | undefined
    for (const c of this.#slots) {
      if (c !== undefined && !c.retired && (best === undefined || c.inflight < best.inflight)) best = c
    }
    return best
  }

  #open (slot: number): Connection {
    const address = this.#addresses[slot % this.#addresses.length] as string
    const capacity = this.#h2 ? this.#opts.streams : this.#opts.pipelining
    // The first connect uses the token #pick took. undici reconnects by itself when a request finds the
    // socket gone: each reconnect waits for its own token (#11: 1,568 connections in 2 s with
    // --connect-rate 10 against a server that resets).
    let reconnect = false
    const client = new Client(this.origin, {
      connect: (o, cb) => {
        const connect = (): void => { this.#connector({ ...o, address } as buildConnector.Options, cb) }
        const wait = reconnect ? this.#reserveToken() : 0
        reconnect = true
        // unref: a reconnect nobody waits for any more must not keep a finished worker alive.
        if (wait > 0) setTimeout(connect, wait).unref()
        else connect()
      },
      allowH2: this.#opts.http !== 1,
      // pipelining only governs HTTP/1.1; HTTP/2 streams are capped by h2Options (and by the server's
      // SETTINGS, which undici 8 waits for before opening a second stream).
      pipelining: this.#opts.pipelining,
      h2Options: { maxConcurrentStreams: this.#opts.streams },
      headersTimeout: this.#opts.timeoutMs,
      bodyTimeout: this.#opts.timeoutMs,
      connectTimeout: this.#opts.connectTimeoutMs,
      // Response bodies are capped by the engine (loop.ts) once the status is known, in both protocols:
      // undici's own cap applies to HTTP/1.1 only and fails the request although the server answered.
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000
    })
    const conn: Connection = { client, address, inflight: 0, capacity, retired: false, answered: false }
    const old = this.#slots[slot]
    if (old !== undefined) void old.client.close().catch(() => {})
    this.#slots[slot] = conn
    return conn
  }

  #derivedWant (): number {
    const o = this.#opts
    const perConn = this.#h2 ? o.streams : o.pipelining
    let want = o.connections ?? Math.max(1, Math.ceil(o.concurrency / perConn))
    const n = this.#addresses.length
    // Forced DNS spreads connections over every address: a multiple of the address count keeps it even.
    if (o.forceDns && n > 1) want = Math.ceil(Math.max(want, n) / n) * n
    return want
  }

  #refill (): void {
    const now = performance.now()
    const cap = Math.max(1, Math.ceil(this.#opts.connectRate / 10))
    this.#tokens = Math.min(cap, this.#tokens + ((now - this.#tokensAt) / 1000) * this.#opts.connectRate)
    this.#tokensAt = now
  }

  #takeToken (): boolean {
    this.#refill()
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  // Takes a token even if there is none yet (the balance goes negative, which also keeps #pick from
  // opening new slots meanwhile) and returns how long to wait until it is really there.
  #reserveToken (): number {
    this.#refill()
    this.#tokens -= 1
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.#opts.connectRate)
  }

  #startResolve (): void {
    if (this.#resolving !== null) return
    const host = this.origin.hostname
    const port = Number(this.origin.port !== '' ? this.origin.port : (this.origin.protocol === 'https:' ? 443 : 80))
    this.#resolving = this.#opts.resolver.addresses(host, port).then((addrs) => {
      this.#setAddresses(addrs)
    }, (err: unknown) => {
      this.#resolveError = err instanceof Error ? err : new Error(String(err))
      this.#resolveErrorAt = performance.now()
    }).then(() => {
      const waiting = this.#waiting
      this.#waiting = []
      for (const w of waiting) this.dispatch(w.opts, w.handler)
    })
  }

  #setAddresses (addrs: string[]): void {
    this.#addresses = addrs
    this.#refreshAt = performance.now() + 1000
    // Forced DNS spreads connections over every address: keep the count a multiple of the address count.
    this.#want = this.#derivedWant()
    for (let i = 0; i < this.#slots.length; i++) {
      const c = this.#slots[i]
      if (c !== undefined && c.address !== addrs[i % addrs.length]) c.retired = true
    }
  }

  #refresh (): void {
    this.#refreshAt = performance.now() + 1000
    const host = this.origin.hostname
    const port = Number(this.origin.port !== '' ? this.origin.port : (this.origin.protocol === 'https:' ? 443 : 80))
    this.#opts.resolver.addresses(host, port).then((addrs) => {
      if (addrs.join() !== this.#addresses.join()) this.#setAddresses(addrs)
    }, () => {})
  }
}
