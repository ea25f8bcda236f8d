// A scripted HTTP/2 TLS "push service" for fault tests: a function decides, per request, whether it is
// answered (with any status and headers, optionally late), refused, left unanswered, or whether its
// whole connection is reset. Every arrival is logged per path with its time, and every 2xx answer that
// was written counts as a delivery, so tests can see retries, waits and duplicates from the server side.
import http2 from 'node:http2'
import type { Http2Session, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2'
import net from 'node:net'
import type { Socket } from 'node:net'
import { startListeningOnAddresses } from './listen.js'
import { credentialsFor, Teardown } from './test-server.js'
import type { CredentialOptions } from './test-server.js'

/** One request as the script sees it. */
export interface PushRequest {
  path: string
  /** 1 for the first request on this path, 2 for the second... */
  attempt: number
  /** Server-wide request index, from 0. */
  index: number
  /** Date.now() at arrival. */
  at: number
  /** Streams opened on this request's session so far, this one included. */
  sessionStreams: number
}

/** What the server does with a request. */
export type PushAction =
  /** Answer after reading the body (and `delayMs` later). */
  | { status: number, headers?: OutgoingHttpHeaders, body?: string, delayMs?: number }
  /** RST_STREAM(REFUSED_STREAM) at once: the request was not processed. */
  | 'refuse'
  /** Once part of the body has arrived, reset the TCP connection (RST) under every stream on it. */
  | 'reset-connection'
  /** Read the body and never answer. */
  | 'never'

/** Options of {@link startPushServer}. */
export interface PushServerOptions extends CredentialOptions {
  /** Close a session gracefully (GOAWAY NO_ERROR, accepted streams still answered) when its n-th stream arrives. */
  goawayAfter?: number
  /**
   * How the `goawayAfter` GOAWAY is sent. 'drain' (default): `session.close()` when the n-th stream arrives;
   * its last-stream-id is the last stream received, so every stream already open is processed. 'cut': once
   * the n-th stream is answered, GOAWAY with it as last-stream-id, so streams above it that are already
   * open are not processed (they reach no script and count in `unprocessed`), as a push service does when
   * it sheds load; the session then drains.
   */
  goawayMode?: 'drain' | 'cut'
  /** Error code of a 'cut' GOAWAY (default NGHTTP2_NO_ERROR). */
  goawayCode?: number
}

/** A running scripted push server. */
export interface PushServer {
  origin: string
  /** `127.0.0.1:port`, for --allow-host. */
  host: string
  port: number
  /** PEM trust anchor. */
  ca: string
  /** Arrival times (Date.now()) per path. */
  arrivals: Map<string, number[]>
  /** 2xx answers written per path. */
  delivered: Map<string, number>
  /** Requests that reached the script. */
  readonly requests: number
  /** Streams that arrived above a 'cut' GOAWAY's last-stream-id and were not processed. */
  readonly unprocessed: number
  readonly sessions: number
  /** Connections reset by 'reset-connection'. */
  readonly resets: number
  readonly goaways: number
  /** 2xx answers beyond the first for a path. */
  duplicates(): number
  close(): Promise<void>
}

/** Starts a scripted HTTP/2 TLS server on 127.0.0.1, port 0. */
export async function startPushServer (script: (r: PushRequest) => PushAction, options: PushServerOptions = {}): Promise<PushServer> {
  const { cert, key, ca } = credentialsFor(options, ['127.0.0.1'])
  const teardown = new Teardown()
  const arrivals = new Map<string, number[]>()
  const delivered = new Map<string, number>()
  // The raw TCP socket under each session, by the client's port: the session's own socket is a proxy
  // that refuses destroy(), and resetting the TCP connection is the point.
  const rawSockets = new Map<number, Socket>()
  const streamsPerSession = new WeakMap<Http2Session, number>()
  // The last-stream-id announced by a 'cut' GOAWAY, per session.
  const lastStreamOf = new WeakMap<Http2Session, number>()
  let unprocessed = 0
  // Streams the server is processing, per session (a 'cut' GOAWAY waits for those up to its last-stream-id).
  const processing = new WeakMap<Http2Session, Set<ServerHttp2Stream>>()
  const openStreams = (session: Http2Session): Set<ServerHttp2Stream> => {
    let set = processing.get(session)
    if (set === undefined) processing.set(session, set = new Set())
    return set
  }
  let requests = 0
  let sessions = 0
  let resets = 0
  let goaways = 0

  const answer = (stream: ServerHttp2Stream, path: string, status: number, headers: OutgoingHttpHeaders, body: string): void => {
    if (stream.closed || stream.destroyed) return
    try {
      stream.respond({ ...headers, ':status': status })
      stream.end(body)
      if (status >= 200 && status < 300) delivered.set(path, (delivered.get(path) ?? 0) + 1)
    } catch {
      // The session went away between the check and here: nobody to answer.
    }
  }

  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    stream.on('error', () => {})
    const cut = stream.session === undefined ? undefined : lastStreamOf.get(stream.session)
    if (cut !== undefined && (stream.id ?? 0) > cut) {
      // Above the announced last-stream-id: this service does not process it. The client resets it.
      unprocessed++
      stream.resume()
      return
    }
    if (stream.session !== undefined) {
      const set = openStreams(stream.session)
      set.add(stream)
      stream.once('close', () => { set.delete(stream) })
    }
    const path = String(headers[':path'] ?? '')
    const at = Date.now()
    const times = arrivals.get(path) ?? []
    times.push(at)
    arrivals.set(path, times)
    const session = stream.session
    const sessionStreams = session === undefined ? 1 : (streamsPerSession.get(session) ?? 0) + 1
    if (session !== undefined) streamsPerSession.set(session, sessionStreams)
    const action = script({ path, attempt: times.length, index: requests++, at, sessionStreams })
    if (options.goawayAfter !== undefined && session !== undefined && sessionStreams === options.goawayAfter) {
      goaways++
      if (options.goawayMode === 'cut') {
        const last = stream.id ?? 0
        lastStreamOf.set(session, last)
        // Once every stream up to last-stream-id is closed (answered), so that an error-code GOAWAY, on
        // which Node's client destroys the session at once, still lets them complete.
        // This stream is one of them, so there is always one to wait for.
        const pending = [...openStreams(session)].filter((s) => (s.id ?? 0) <= last)
        let left = pending.length
        for (const s of pending) {
          s.once('close', () => {
            if (--left > 0 || session.closed || session.destroyed) return
            session.goaway(options.goawayCode ?? http2.constants.NGHTTP2_NO_ERROR, last)
            session.close()
          })
        }
      } else {
        session.close()
      }
    }
    if (action === 'refuse') {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM)
      return
    }
    if (action === 'reset-connection') {
      stream.once('data', () => {
        const raw = rawSockets.get(stream.session?.socket?.remotePort ?? -1)
        if (raw !== undefined && !raw.destroyed) {
          resets++
          raw.resetAndDestroy()
        }
      })
      return
    }
    stream.resume()
    if (action === 'never') return
    const { status, headers: extra = {}, body = '', delayMs = 0 } = action
    stream.once('end', () => {
      if (delayMs <= 0) answer(stream, path, status, extra, body)
      else stream.once('close', teardown.delay(delayMs, () => { answer(stream, path, status, extra, body) }))
    })
  }

  const { servers, port } = await startListeningOnAddresses(['127.0.0.1'], () => {
    const server = http2.createSecureServer({ cert, key, allowHTTP1: false })
    server.on('connection', (socket: Socket) => {
      teardown.socket(socket)
      const remotePort = socket.remotePort
      if (remotePort !== undefined) {
        rawSockets.set(remotePort, socket)
        socket.once('close', () => { if (rawSockets.get(remotePort) === socket) rawSockets.delete(remotePort) })
      }
    })
    server.on('session', (session: ServerHttp2Session) => {
      sessions++
      session.on('error', () => {})
      session.once('close', teardown.track(session))
    })
    server.on('stream', onStream)
    return server
  })
  let closing: Promise<void> | undefined
  return {
    origin: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    ca,
    arrivals,
    delivered,
    get requests () { return requests },
    get unprocessed () { return unprocessed },
    get sessions () { return sessions },
    get resets () { return resets },
    get goaways () { return goaways },
    duplicates: () => [...delivered.values()].reduce((n, d) => n + Math.max(0, d - 1), 0),
    close: () => (closing ??= teardown.close(servers))
  }
}

/** A TCP server that accepts connections and never says a word: a TLS handshake to it never completes. */
export interface SilentServer {
  host: string
  port: number
  readonly connections: number
  close(): Promise<void>
}

/** Starts a {@link SilentServer} on 127.0.0.1, port 0. */
export async function startSilentServer (): Promise<SilentServer> {
  const teardown = new Teardown()
  let connections = 0
  const { servers, port } = await startListeningOnAddresses(['127.0.0.1'], () => net.createServer((socket) => {
    connections++
    teardown.socket(socket)
    socket.on('error', () => {})
    // Read (and drop) the ClientHello so the client's writes never block; answer nothing.
    socket.resume()
  }))
  let closing: Promise<void> | undefined
  return {
    host: `127.0.0.1:${port}`,
    port,
    get connections () { return connections },
    close: () => (closing ??= teardown.close(servers))
  }
}
