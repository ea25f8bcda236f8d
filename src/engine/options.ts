// Resolved (fully defaulted, validated) options the engine runs with. The CLI and the programmatic API
// both produce these; workers receive them through workerData, so every field is structured-clone safe.

/** One segment of a shaped run: ramp linearly to `target` req/s over `durationMs`. */
export interface Stage {
  durationMs: number
  target: number
}

/** A `--resolve host:port:ip[,ip...]` entry (curl semantics). */
export interface ResolveEntry {
  host: string
  port: number
  addresses: string[]
}

/** HTTP version: 2 over http:// URLs means h2c (prior knowledge); auto = ALPN on https, HTTP/1.1 on http. */
export type HttpVersion = 1 | 2 | 'auto'

/** TLS settings shared by every connection of a run. */
export interface TlsSettings {
  /** Extra trusted CA certificates (PEM), e.g. the simulator's self-signed certificate. */
  ca?: string | undefined
  rejectUnauthorized: boolean
}

/** Engine knobs common to `load` and `send`. Counts are per worker unless the name says total. */
export interface EngineOptions {
  workers: number
  http: HttpVersion
  /** Maximum requests in flight in total, across the workers (#11); each worker takes its share. */
  concurrency: number
  /** Connections per origin per worker; undefined = derived from concurrency and pipelining. */
  connections: number | undefined
  /** HTTP/2 streams per connection. */
  streams: number
  /** HTTP/1.1 pipelining depth per connection (1 = none). */
  pipelining: number
  /** Total arrival rate in requests per second across all workers (open model); undefined = closed model. */
  rate: number | undefined
  /** Shaped arrival rate (k6-style stages); empty means a constant `rate` after the ramp. */
  stages: Stage[]
  /** Ramp duration: the rate (open model) or the concurrency (closed model) grows linearly from 0. */
  rampUpMs: number
  /** Stop scheduling after this long. */
  durationMs: number | undefined
  /** Total request budget across all workers (load mode). */
  requests: number | undefined
  /** Total time of one request once written (headers and body); undici also applies it to headers and body gaps. */
  timeoutMs: number
  connectTimeoutMs: number
  /** New connections a worker may open per second (no connection storm). */
  connectRate: number
  tls: TlsSettings
  /** Resolve every A/AAAA record and spread connections round-robin over the addresses. */
  forceDns: boolean
  /** curl-style `--resolve` pins. */
  resolve: ResolveEntry[]
  /** DNS servers (`ip` or `ip:port`) used instead of the system resolver. */
  dnsServers: string[]
  /** Refuse to connect to loopback / private / link-local addresses (Web Push SSRF defence). */
  refusePrivateAddresses: boolean
  /**
   * Response body bytes read per request: past it the outcome is settled by the status and the rest is
   * dropped (send: push services answer with tiny bodies). Undefined = read everything (load).
   */
  maxResponseBytes: number | undefined
  /** After --duration (and on SIGINT/SIGTERM), how long in-flight requests may finish before they are aborted. */
  graceMs: number
}
