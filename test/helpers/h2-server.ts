import http2 from 'node:http2'
import type {
  Http2SecureServer, Http2Server, Http2Session, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Session, ServerHttp2Stream, Settings
} from 'node:http2'
import type { Socket } from 'node:net'
import { startListeningOnAddresses } from './listen.js'
import { countRequest, newRequestStats } from './server-stats.js'
import type { H2ServerStats } from './server-stats.js'
import { credentialsFor, describeServer, Teardown } from './test-server.js'
import type { CredentialOptions, TestServer } from './test-server.js'

/** Custom request handler; it replaces the built-in responder (status/body options then do nothing). */
export type H2Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, stats: H2ServerStats) => void

/** Options of {@link startH2Server}. */
export interface H2ServerOptions extends CredentialOptions {
  /** TLS with a generated (or the given) certificate; false serves h2c (default true). */
  tls?: boolean
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string
  /** Several loopback addresses sharing one port, handler and stats; excludes `host`. */
  hosts?: string[]
  /** Port to bind (default 0, OS-assigned). */
  port?: number
  /** Replaces the built-in responder. */
  handler?: H2Handler
  /** HTTP/2 SETTINGS the server advertises, e.g. `{ maxConcurrentStreams: 10 }`. */
  settings?: Settings
  /** Status of the built-in responder, fixed or per stream index (default 201). */
  status?: number | ((index: number) => number)
  /** Extra response headers of the built-in responder, e.g. `{ 'retry-after': '2' }`. */
  responseHeaders?: OutgoingHttpHeaders | ((index: number, status: number) => OutgoingHttpHeaders)
  /** Body of the built-in responder (default `ok\n`). */
  body?: string
  /** Waits this long before handing a stream to the handler (body still unread). */
  delayMs?: number
  /** Gracefully closes a session (GOAWAY + drain) when its n-th stream arrives. */
  goawayAfter?: number
  /** Refuses the streams for which this returns true, by server-wide stream index. */
  refuseStream?: (index: number) => boolean
  /** Refuses this fraction of streams, spread evenly and deterministically. */
  refuseStreamsRatio?: number
}

type AnyH2Server = Http2SecureServer | Http2Server

function ratioRefuser (ratio: number): (index: number) => boolean {
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`refuseStreamsRatio must be within [0, 1], got ${ratio}`)
  // Refuses stream i when the running total of `ratio` crosses an integer: exact and repeatable.
  return (i) => Math.floor((i + 1) * ratio) > Math.floor(i * ratio)
}

function builtInResponder (options: H2ServerOptions, index: number): H2Handler {
  return (stream, _headers, stats) => {
    stream.on('data', (chunk: Buffer) => { stats.bytesReceived += chunk.length })
    stream.once('end', () => {
      if (stream.closed || stream.destroyed) return
      const status = typeof options.status === 'function' ? options.status(index) : (options.status ?? 201)
      const extra = typeof options.responseHeaders === 'function'
        ? options.responseHeaders(index, status)
        : (options.responseHeaders ?? {})
      try {
        stream.respond({ ...extra, ':status': status })
        stream.end(options.body ?? 'ok\n')
      } catch {
        // The session died between 'end' and here (client gone, server closing): nothing to answer.
      }
    })
  }
}

/**
 * Starts a real HTTP/2 server (TLS by default, h2c with `tls: false`) on loopback, port 0.
 * Fault options (`goawayAfter`, `refuseStream(sRatio)`, `delayMs`, `status`) shape what clients see;
 * `close()` destroys every session and socket so no test waits on a lingering connection.
 */
export async function startH2Server (options: H2ServerOptions = {}): Promise<TestServer<H2ServerStats>> {
  if (options.host !== undefined && options.hosts !== undefined) throw new Error('pass host or hosts, not both')
  if (options.refuseStream !== undefined && options.refuseStreamsRatio !== undefined) {
    throw new Error('pass refuseStream or refuseStreamsRatio, not both')
  }
  if (options.goawayAfter !== undefined && !(Number.isInteger(options.goawayAfter) && options.goawayAfter >= 1)) {
    throw new Error(`goawayAfter must be a positive integer, got ${options.goawayAfter}`)
  }
  const addresses = options.hosts ?? [options.host ?? '127.0.0.1']
  const credentials = (options.tls ?? true) ? credentialsFor(options, addresses) : undefined

  const stats: H2ServerStats = {
    ...newRequestStats(),
    streams: 0,
    sessions: 0,
    openStreams: 0,
    maxConcurrentStreams: 0,
    goaways: 0,
    refused: 0
  }
  const teardown = new Teardown()
  const streamsPerSession = new WeakMap<Http2Session, number>()
  const refuse = options.refuseStreamsRatio !== undefined ? ratioRefuser(options.refuseStreamsRatio) : options.refuseStream

  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    const index = stats.streams++
    stats.openStreams++
    stats.maxConcurrentStreams = Math.max(stats.maxConcurrentStreams, stats.openStreams)
    stream.once('close', () => { stats.openStreams-- })
    // A client reset surfaces as a stream 'error'; it is the client's business, not a test failure.
    stream.on('error', () => {})

    const session = stream.session
    if (options.goawayAfter !== undefined && session !== undefined) {
      const count = (streamsPerSession.get(session) ?? 0) + 1
      streamsPerSession.set(session, count)
      if (count === options.goawayAfter) {
        // close() rather than goaway(): it sends GOAWAY(NO_ERROR, last processed stream), lets the
        // streams already accepted (this one included) finish, then ends the connection by itself,
        // which is how push services drain a connection and leaves no half-dead session behind.
        session.close()
        stats.goaways++
      }
    }

    if (refuse?.(index) === true) {
      stats.refused++
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM)
      return
    }

    countRequest(stats, String(headers[':method']), String(headers[':path'] ?? ''), session?.socket?.localAddress)
    const handler = options.handler ?? builtInResponder(options, index)
    const delay = options.delayMs ?? 0
    if (delay <= 0) {
      handler(stream, headers, stats)
      return
    }
    const cancel = teardown.delay(delay, () => {
      if (!stream.closed && !stream.destroyed) handler(stream, headers, stats)
    })
    stream.once('close', cancel)
  }

  const createServer = (): AnyH2Server => {
    const settings = options.settings ?? {}
    const server: AnyH2Server = credentials !== undefined
      ? http2.createSecureServer({ cert: credentials.cert, key: credentials.key, allowHTTP1: false, settings })
      : http2.createServer({ settings })
    server.on('connection', (socket: Socket) => teardown.socket(socket))
    server.on('session', (session: ServerHttp2Session) => {
      stats.sessions++
      session.once('close', teardown.track(session))
      session.on('error', () => {})
    })
    server.on('stream', onStream)
    return server
  }

  const { servers, port } = await startListeningOnAddresses(addresses, createServer, { port: options.port ?? 0 })
  return describeServer(credentials !== undefined ? 'https' : 'http', addresses, port, stats, credentials?.ca,
    () => teardown.close(servers))
}
