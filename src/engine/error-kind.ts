// Maps transport errors (undici, node:net/tls/http2, our own) to the short kinds reports count by.

/** A failed request's category, as counted in reports and used by retry decisions. */
export type ErrorKind =
  | 'timeout'
  | 'connect_timeout'
  | 'conn_refused'
  | 'conn_reset'
  | 'goaway'
  | 'session_error'
  | 'refused_stream'
  | 'stream_reset'
  | 'socket'
  | 'tls'
  | 'dns'
  | 'private_address'
  | 'protocol'
  | 'response_too_large'
  | 'aborted'
  | 'deadline'
  | 'closed'
  | 'other'

/** Kinds after which the request certainly did not reach the application, or is safe to send again. */
const RETRYABLE: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'timeout', 'connect_timeout', 'conn_refused', 'conn_reset', 'goaway', 'session_error', 'refused_stream', 'stream_reset', 'socket', 'closed', 'dns'
])

/** Kinds where the connection itself failed, so the caller should back off before the next attempt. */
const CONNECTION_LEVEL: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'connect_timeout', 'conn_refused', 'tls', 'dns', 'private_address', 'protocol'
])

/** Classifies an error thrown or reported by the transport. */
export function errorKind (err: unknown): ErrorKind {
  const e = err as { code?: unknown, message?: unknown, cause?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : ''
  const message = typeof e?.message === 'string' ? e.message : ''
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout'
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect_timeout'
    case 'ECONNREFUSED':
      return 'conn_refused'
    case 'ECONNRESET':
    case 'EPIPE':
      return 'conn_reset'
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return 'response_too_large'
    case 'UND_ERR_ABORTED':
      return 'aborted'
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return 'closed'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'NS_ERR_DNS':
      return 'dns'
    case 'NS_ERR_PRIVATE_ADDRESS':
      return 'private_address'
    case 'NS_ERR_PROTOCOL_NEGOTIATION':
    case 'NS_ERR_PROTOCOL_MISMATCH':
    case 'ERR_SSL_WRONG_VERSION_NUMBER': // a TLS client hello answered in cleartext (http:// port as https://)
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return 'protocol'
    case 'NS_ERR_TIMEOUT':
      return 'timeout'
    case 'NS_ERR_DEADLINE':
      return 'deadline'
    // Node destroys an HTTP/2 session whose peer sent GOAWAY with an error code, failing every stream on
    // it, those at or below the last-stream-id (which the server may have processed) included.
    case 'ERR_HTTP2_SESSION_ERROR':
      return 'session_error'
    // A stream opened on a session that had already received GOAWAY: it never left the client.
    case 'ERR_HTTP2_GOAWAY_SESSION':
      return 'goaway'
  }
  // nghttp2 rejecting what came back: on a connection that never answered, the peer does not speak HTTP/2
  // (h2c prior knowledge against HTTP/1.1); the loop tells the two cases apart.
  if (code === 'ERR_HTTP2_ERROR' && message === 'Protocol error') return 'protocol'
  if (message.includes('GOAWAY')) return 'goaway'
  if (message.includes('NGHTTP2_REFUSED_STREAM') || message.includes('code 7')) return 'refused_stream'
  if (code === 'ERR_HTTP2_STREAM_ERROR' || code === 'ERR_HTTP2_STREAM_CANCEL' || message.includes('stream closed before') || message.includes('stream half-closed')) return 'stream_reset'
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') return 'tls'
  if (code === 'UND_ERR_SOCKET') return message.includes('other side closed') ? 'conn_reset' : 'socket'
  if (message.includes('wrong version number')) return 'protocol'
  if (e?.cause !== undefined && e.cause !== err) {
    const inner = errorKind(e.cause)
    if (inner !== 'other') return inner
  }
  return 'other'
}

/**
 * Kinds where the request may have reached the application before the failure (a retry may duplicate).
 * Not 'goaway': undici 8 fails a request with the GOAWAY itself only when its stream was above the
 * GOAWAY's last-stream-id (the server says it did not process it) and its one replay was used up; streams
 * at or below it run to completion, or fail with the error that ends them (reset, closed, session_error).
 */
const MAYBE_DELIVERED: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['timeout', 'conn_reset', 'session_error', 'stream_reset', 'socket', 'closed'])

/** True when the server may have processed the request although no response arrived. */
export function mayHaveBeenDelivered (kind: ErrorKind): boolean {
  return MAYBE_DELIVERED.has(kind)
}

/** True when sending again cannot cause a duplicate the server would not tolerate (or nothing was sent). */
export function isRetryable (kind: ErrorKind): boolean {
  return RETRYABLE.has(kind)
}

/** True when the failure is about reaching the server at all (back off instead of hammering). */
export function isConnectionLevel (kind: ErrorKind): boolean {
  return CONNECTION_LEVEL.has(kind)
}
