/** Most entries a counter map holds, {@link OTHER_KEY} included. */
export const MAX_COUNTER_KEYS = 256
/** Key that collects the counts of keys arriving once a map is full. */
export const OTHER_KEY = '(other)'

/** Counters every test server keeps. Maps hold counts only, capped in size, so long load tests stay bounded. */
export interface RequestStats {
  /** Requests that reached a handler (refused HTTP/2 streams excluded). */
  requests: number
  /** Request body bytes read by the built-in responder; a custom handler may add its own. */
  bytesReceived: number
  /** Requests by the server-side local address of their connection, e.g. `127.0.0.2`. */
  byLocalAddress: Map<string, number>
  /** Requests by method. */
  methods: Map<string, number>
  /** Requests by path without its query string. */
  paths: Map<string, number>
}

/** HTTP/2 server counters. */
export interface H2ServerStats extends RequestStats {
  /** Every stream a client opened, refused ones included; the index passed to per-request options. */
  streams: number
  /** Sessions (one per TCP connection) accepted. */
  sessions: number
  /** Streams open right now across all sessions. */
  openStreams: number
  /** Largest {@link openStreams} seen, measured on the server side. */
  maxConcurrentStreams: number
  /** GOAWAY frames sent because of the `goawayAfter` option. */
  goaways: number
  /** Streams answered with RST_STREAM REFUSED_STREAM. */
  refused: number
}

/** HTTP/1.1 server counters. */
export interface H1ServerStats extends RequestStats {
  /** TCP connections accepted. */
  connections: number
  /** Requests whose response has not finished yet. */
  inFlight: number
  /** Largest {@link inFlight} seen. */
  maxConcurrent: number
}

/** Adds one to `key`, or to {@link OTHER_KEY} once the map is full of other keys. */
export function bump (map: Map<string, number>, key: string): void {
  // One slot stays free for OTHER_KEY itself.
  const k = map.has(key) || map.size < MAX_COUNTER_KEYS - 1 ? key : OTHER_KEY
  map.set(k, (map.get(k) ?? 0) + 1)
}

/** Fresh, zeroed request counters. */
export function newRequestStats (): RequestStats {
  return { requests: 0, bytesReceived: 0, byLocalAddress: new Map(), methods: new Map(), paths: new Map() }
}

/** Counts one request that reached a handler. */
export function countRequest (stats: RequestStats, method: string, path: string, localAddress: string | undefined): void {
  stats.requests++
  bump(stats.methods, method)
  const q = path.indexOf('?')
  bump(stats.paths, q === -1 ? path : path.slice(0, q))
  bump(stats.byLocalAddress, localAddress ?? '(unknown)')
}
