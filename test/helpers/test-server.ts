import type { Server, Socket } from 'node:net'
import { generateSelfSignedCertificate } from '../../src/tls/cert.js'
import { closeServer, originOf } from './listen.js'

/** What every test server helper returns. */
export interface TestServer<S> {
  /** `origin` + `/`. */
  url: string
  /** `scheme://address:port` of the first bound address. */
  origin: string
  /** One origin per bound address, in `addresses` order. */
  origins: string[]
  /** The loopback addresses bound, all on `port`. */
  addresses: string[]
  /** The (shared) port. */
  port: number
  /** PEM trust anchor for clients when the server speaks TLS. */
  ca?: string
  /** Live counters. */
  stats: S
  /** Stops listening and destroys every connection; idempotent. */
  close(): Promise<void>
}

/** Certificate options shared by the TLS-capable helpers. */
export interface CredentialOptions {
  /** PEM certificate to reuse instead of generating one (needs `key`). */
  cert?: string
  /** PEM private key matching `cert`. */
  key?: string
  /** Trust anchor reported back to clients as `ca` (default: `cert`). */
  ca?: string
}

/** Server certificate, key and the anchor clients should trust. */
export interface Credentials {
  cert: string
  key: string
  ca: string
}

/** The given certificate, or a fresh one whose SAN covers every bound address. */
export function credentialsFor (options: CredentialOptions, addresses: readonly string[]): Credentials {
  if ((options.cert === undefined) !== (options.key === undefined)) throw new Error('pass both cert and key, or neither')
  const pair = options.cert !== undefined && options.key !== undefined
    ? { cert: options.cert, key: options.key }
    : generateSelfSignedCertificate({ hosts: [...addresses] })
  return { ...pair, ca: options.ca ?? pair.cert }
}

/**
 * Owns what a server must tear down: raw sockets, pending timers and extra per-connection
 * objects (HTTP/2 sessions). Tracking sockets ourselves rather than relying on server.close()
 * matters because close() waits for idle keep-alive connections that would otherwise hang a test.
 */
export class Teardown {
  readonly #sockets = new Set<Socket>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #others = new Set<{ destroy: () => void }>()

  /** Tracks a socket until it closes. */
  socket (socket: Socket): void {
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
  }

  /** Tracks something destroyable (an HTTP/2 session) until `untrack` is called. */
  track (item: { destroy: () => void }): () => void {
    this.#others.add(item)
    return () => this.#others.delete(item)
  }

  /** Runs `fn` after `ms` (unref'd) unless cancelled or torn down first; returns the canceller. */
  delay (ms: number, fn: () => void): () => void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      fn()
    }, ms)
    timer.unref()
    this.#timers.add(timer)
    return () => {
      clearTimeout(timer)
      this.#timers.delete(timer)
    }
  }

  /** Stops the servers listening, destroys everything tracked and resolves once the servers closed. */
  async close (servers: readonly Server[]): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    const stopped = Promise.all(servers.map(closeServer))
    for (const item of this.#others) item.destroy()
    for (const socket of this.#sockets) socket.destroy()
    await stopped
  }
}

/** Builds the {@link TestServer} record shared by every helper. */
export function describeServer<S> (
  scheme: 'http' | 'https',
  addresses: readonly string[],
  port: number,
  stats: S,
  ca: string | undefined,
  close: () => Promise<void>
): TestServer<S> {
  const origins = addresses.map((a) => originOf(scheme, a, port))
  const origin = origins[0] ?? originOf(scheme, '127.0.0.1', port)
  let closing: Promise<void> | undefined
  return {
    url: `${origin}/`,
    origin,
    origins,
    addresses: [...addresses],
    port,
    ...(ca !== undefined ? { ca } : {}),
    stats,
    close: () => (closing ??= close())
  }
}
