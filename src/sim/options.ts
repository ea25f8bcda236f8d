import { InvalidOptionError } from '../errors.js'
import { ipToBytes } from '../net/ip-bytes.js'
import { resolveFaultRatios } from './faults.js'
import type { FaultRatios, ResolvedFaultRatios } from './faults.js'
import { parseSeed, randomSeed } from './keys.js'
import type { Urgency } from '../webpush/urgency.js'

/** One accepted message, as the subscriber would receive it. */
export interface Delivery {
  index: number
  plaintext: Buffer
  /** The TTL accepted (capped at 28 days). */
  ttl: number
  /** The request's Urgency, `normal` when absent (RFC 8030 §5.3). */
  urgency: Urgency
  topic: string | undefined
  /** The VAPID `sub` claim. */
  vapidSubject: string
  /** The VAPID key (k=), base64url. */
  vapidPublicKey: string
}

/** Options of `startSimulator`. */
export interface SimulatorOptions {
  /** Loopback address to bind (127.0.0.0/8 or ::1); default 127.0.0.1. */
  host?: string
  /** Port; default 0 (any free port). */
  port?: number
  /** Hex or base64url; default 32 random bytes. Keys, tokens and faults all derive from it. */
  seed?: string
  /** Subscription identities (indices 0 .. n - 1); default 1000. */
  subscriptions?: number
  /** Certificate and key (PEM); default a fresh self-signed one. */
  cert?: { cert: string, key: string }
  /** Fault ratios in [0, 1]; the per-request ones must add up to at most 1. */
  faults?: FaultRatios
  /** Retry-After of injected 429s, seconds; default 1. */
  retryAfterSeconds?: number
  /** Delay of slow responses; default 2000. */
  slowMs?: number
  /** SETTINGS_MAX_CONCURRENT_STREAMS advertised; default 100 (as FCM). */
  maxConcurrentStreams?: number
  /** 0 (default) verifies and decrypts on the main thread; n > 0 uses a piscina pool of n threads. */
  verifyThreads?: number
  /** Called for every accepted message. */
  onDelivery?: (d: Delivery) => void
}

/** Options with every default filled in and every value checked. */
export interface ResolvedSimulatorOptions {
  host: string
  port: number
  seed: Buffer
  subscriptions: number
  cert: { cert: string, key: string } | undefined
  faults: ResolvedFaultRatios
  retryAfterSeconds: number
  slowMs: number
  maxConcurrentStreams: number
  verifyThreads: number
  onDelivery: ((d: Delivery) => void) | undefined
}

// Delivery counts take 2 bytes per subscription, allocated up front: 100 M is 200 MB.
const MAX_SUBSCRIPTIONS = 100_000_000
// An HTTP/2 SETTINGS value is 32 bits; nghttp2 caps what it will queue anyway.
const MAX_STREAMS = 2 ** 31 - 1
const MAX_THREADS = 64

/** True for 127.0.0.0/8 and ::1, the only addresses the simulator may bind. */
export function isLoopbackAddress (host: string): boolean {
  const bytes = ipToBytes(host)
  if (bytes === undefined) return false
  if (bytes.length === 4) return bytes[0] === 127
  return bytes.every((b, i) => b === (i === 15 ? 1 : 0))
}

function integer (value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

/** Validates `opts` eagerly and fills in the defaults; every error is an InvalidOptionError naming the option. */
export function resolveSimulatorOptions (opts: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const host = opts.host ?? '127.0.0.1'
  if (typeof host !== 'string' || !isLoopbackAddress(host)) {
    throw new InvalidOptionError(`host must be a loopback address (127.0.0.0/8 or ::1), got ${JSON.stringify(host)}`)
  }
  const cert = opts.cert
  if (cert !== undefined && (typeof cert?.cert !== 'string' || typeof cert?.key !== 'string')) {
    throw new InvalidOptionError('cert must be { cert, key } with both PEM strings')
  }
  if (opts.onDelivery !== undefined && typeof opts.onDelivery !== 'function') {
    throw new InvalidOptionError('onDelivery must be a function')
  }
  return {
    host,
    port: integer(opts.port, 'port', 0, 65535, 0),
    seed: opts.seed === undefined ? randomSeed() : parseSeed(opts.seed),
    subscriptions: integer(opts.subscriptions, 'subscriptions', 1, MAX_SUBSCRIPTIONS, 1000),
    cert,
    faults: resolveFaultRatios(opts.faults),
    retryAfterSeconds: integer(opts.retryAfterSeconds, 'retryAfterSeconds', 0, 86400, 1),
    slowMs: integer(opts.slowMs, 'slowMs', 0, 3_600_000, 2000),
    maxConcurrentStreams: integer(opts.maxConcurrentStreams, 'maxConcurrentStreams', 1, MAX_STREAMS, 100),
    verifyThreads: integer(opts.verifyThreads, 'verifyThreads', 0, MAX_THREADS, 0),
    onDelivery: opts.onDelivery
  }
}
