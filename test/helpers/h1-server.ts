import http from 'node:http'
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import { startListeningOnAddresses } from './listen.js'
import { countRequest, newRequestStats } from './server-stats.js'
import type { H1ServerStats } from './server-stats.js'
import { credentialsFor, describeServer, Teardown } from './test-server.js'
import type { CredentialOptions, TestServer } from './test-server.js'

/** Custom request handler; it replaces the built-in responder (status/body options then do nothing). */
export type H1Handler = (req: IncomingMessage, res: ServerResponse, stats: H1ServerStats) => void

/** Options of {@link startH1Server}. */
export interface H1ServerOptions extends CredentialOptions {
  /** HTTPS with a generated (or the given) certificate; cleartext by default. */
  tls?: boolean
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string
  /** Several loopback addresses sharing one port, handler and stats; excludes `host`. */
  hosts?: string[]
  /** Port to bind (default 0, OS-assigned). */
  port?: number
  /** Replaces the built-in responder. */
  handler?: H1Handler
  /** Status of the built-in responder, fixed or per request index (default 201). */
  status?: number | ((index: number) => number)
  /** Extra response headers of the built-in responder. */
  responseHeaders?: OutgoingHttpHeaders | ((index: number, status: number) => OutgoingHttpHeaders)
  /** Body of the built-in responder (default `ok\n`). */
  body?: string
  /** Waits this long before handing a request to the handler (body still unread). */
  delayMs?: number
}

function builtInResponder (options: H1ServerOptions, index: number): H1Handler {
  return (req, res, stats) => {
    req.on('data', (chunk: Buffer) => { stats.bytesReceived += chunk.length })
    req.once('end', () => {
      if (res.destroyed) return
      const status = typeof options.status === 'function' ? options.status(index) : (options.status ?? 201)
      const extra = typeof options.responseHeaders === 'function'
        ? options.responseHeaders(index, status)
        : (options.responseHeaders ?? {})
      res.writeHead(status, extra)
      res.end(options.body ?? 'ok\n')
    })
  }
}

/**
 * Starts a real HTTP/1.1 keep-alive server (cleartext, or HTTPS with `tls: true`) on loopback, port 0.
 * `close()` destroys every connection, idle keep-alive ones included, so tests never hang on them.
 */
export async function startH1Server (options: H1ServerOptions = {}): Promise<TestServer<H1ServerStats>> {
  if (options.host !== undefined && options.hosts !== undefined) throw new Error('pass host or hosts, not both')
  const addresses = options.hosts ?? [options.host ?? '127.0.0.1']
  const credentials = options.tls === true ? credentialsFor(options, addresses) : undefined

  const stats: H1ServerStats = { ...newRequestStats(), connections: 0, inFlight: 0, maxConcurrent: 0 }
  const teardown = new Teardown()
  let index = 0

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const i = index++
    stats.inFlight++
    stats.maxConcurrent = Math.max(stats.maxConcurrent, stats.inFlight)
    res.once('close', () => { stats.inFlight-- })
    countRequest(stats, req.method ?? '', req.url ?? '', req.socket.localAddress)
    const handler = options.handler ?? builtInResponder(options, i)
    const delay = options.delayMs ?? 0
    if (delay <= 0) {
      handler(req, res, stats)
      return
    }
    const cancel = teardown.delay(delay, () => {
      if (!res.destroyed) handler(req, res, stats)
    })
    res.once('close', cancel)
  }

  const createServer = (): Server => {
    const server: Server = credentials !== undefined
      ? https.createServer({ cert: credentials.cert, key: credentials.key }, onRequest)
      : http.createServer(onRequest)
    server.on('connection', (socket: Socket) => {
      stats.connections++
      teardown.socket(socket)
    })
    // A client that hangs up mid-request is routine in load tests, not something to crash on.
    server.on('clientError', (_err, socket: Socket) => socket.destroy())
    return server
  }

  const { servers, port } = await startListeningOnAddresses(addresses, createServer, { port: options.port ?? 0 })
  return describeServer(credentials !== undefined ? 'https' : 'http', addresses, port, stats, credentials?.ca,
    () => teardown.close(servers))
}
