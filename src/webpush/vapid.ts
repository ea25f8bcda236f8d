import { createECDH, createPrivateKey, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { InvalidOptionError, SecretError } from '../errors.js'
import { encodeBase64Url } from './base64url.js'

// RFC 8292 VAPID, signing side. A JWT costs ~38 µs to sign with a prepared KeyObject (545 µs from a
// PEM string), and RFC 8292 §5 encourages reuse, so tokens are cached per audience and re-signed
// only near expiry. Apple also asks senders not to refresh more than once an hour.

/** RFC 8292 §2: exp must be no more than 24 hours after the request. */
export const MAX_TOKEN_TTL_SECONDS = 24 * 3600
const DEFAULT_TOKEN_TTL_SECONDS = 12 * 3600
const DEFAULT_REFRESH_BEFORE_SECONDS = 3600
// Bounds memory when endpoints span many self-hosted push services; eviction only costs a re-sign.
const MAX_CACHED_AUDIENCES = 1024
const JWT_HEADER = encodeBase64Url(Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ES256' })))

// Apple answers 403 BadJwtToken for a sub with spaces or @localhost (webpush-anchors.md §4), so
// these rules are stricter than RFC 8292's "SHOULD be mailto: or https:".
const SUBJECT_CONTROL_RE = /[\s\p{Cc}]/u
const MAILTO_ADDRESS_RE = /^[^@?/]+@([^@?/]+)$/

/** Says what is wrong with a VAPID subject, or returns undefined when it is acceptable. */
export function vapidSubjectProblem (subject: string): string | undefined {
  if (subject === '') return 'is empty; use mailto:you@example.com or an https: URL'
  if (SUBJECT_CONTROL_RE.test(subject)) return 'must not contain spaces or control characters (Apple rejects the token)'
  if (subject.startsWith('mailto:')) {
    const domain = MAILTO_ADDRESS_RE.exec(subject.slice(7))?.[1]?.toLowerCase()
    if (domain === undefined) return `must be mailto: followed by one e-mail address, got ${JSON.stringify(subject)}`
    if (domain === 'localhost' || domain.endsWith('.localhost')) return 'must not be an @localhost address (Apple rejects the token)'
    if (!/^[^.]+(\.[^.]+)+$/.test(domain)) return `has an implausible e-mail domain ${JSON.stringify(domain)}`
    return undefined
  }
  if (subject.startsWith('https:')) {
    return URL.canParse(subject) && new URL(subject).hostname !== '' ? undefined : `is not a valid https: URL: ${JSON.stringify(subject)}`
  }
  return `must be a mailto: address or an https: URL, got ${JSON.stringify(subject)}`
}

/** Throws InvalidOptionError naming --subject unless the subject is one push services accept. */
export function validateSubject (subject: string): void {
  const problem = vapidSubjectProblem(subject)
  if (problem !== undefined) throw new InvalidOptionError(`--subject ${problem}`)
}

/**
 * The VAPID audience for a push endpoint: its origin (scheme://host[:port], no path). http: is
 * allowed so the loopback simulator works; which endpoints may be contacted is decided elsewhere.
 */
export function audienceOf (endpoint: string | URL): string {
  let url: URL
  try {
    url = typeof endpoint === 'string' ? new URL(endpoint) : endpoint
  } catch {
    throw new TypeError('push endpoint is not a valid URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`push endpoint must be an https: URL, got ${url.protocol}`)
  }
  return url.origin
}

function isOrigin (audience: string): boolean {
  if (!URL.canParse(audience)) return false
  const url = new URL(audience)
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === audience
}

/**
 * Throws SecretError unless `publicKey` (65 B) is the public half of `privateKey` (32 B). `source`
 * names where the keys came from; the message never includes key material.
 */
export function assertVapidKeyPair (publicKey: Buffer, privateKey: Buffer, source: string): void {
  if (publicKey.length !== 65 || publicKey[0] !== 0x04) {
    throw new SecretError(`${source}: the VAPID public key must be a 65-byte uncompressed P-256 point, got ${publicKey.length} bytes`)
  }
  if (privateKey.length !== 32) {
    throw new SecretError(`${source}: the VAPID private key must be 32 bytes, got ${privateKey.length} bytes`)
  }
  const ecdh = createECDH('prime256v1')
  try {
    ecdh.setPrivateKey(privateKey)
  } catch {
    throw new SecretError(`${source}: the VAPID private key is not a valid P-256 private key`)
  }
  if (!ecdh.getPublicKey().equals(publicKey)) {
    throw new SecretError(`${source}: the VAPID public key does not belong to the private key`)
  }
}

/** Constructor input of {@link VapidSigner}. */
export interface VapidSignerOptions {
  publicKey: Buffer
  privateKey: Buffer
  subject: string
  /** Lifetime of each JWT; default 12 h, at most 24 h. */
  tokenTtlSeconds?: number
  /** A cached JWT is re-signed once fewer than this many seconds remain; default 1 h (half the TTL if that is shorter). */
  refreshBeforeSeconds?: number
}

interface CachedToken {
  header: string
  issuedAtMs: number
  refreshAtMs: number
}

/** Produces `Authorization: vapid t=…, k=…` values, signing at most one JWT per audience per refresh period. */
export class VapidSigner {
  /** The `sub` claim of every token. */
  readonly subject: string
  readonly #key: KeyObject
  readonly #k: string
  readonly #ttlSeconds: number
  readonly #refreshBeforeSeconds: number
  readonly #cache = new Map<string, CachedToken>()
  #signatures = 0

  constructor (options: VapidSignerOptions) {
    const { publicKey, privateKey, subject } = options
    assertVapidKeyPair(publicKey, privateKey, 'VAPID keys')
    validateSubject(subject)
    const ttl = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS
    if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) {
      throw new InvalidOptionError(`tokenTtlSeconds must be an integer from 1 to ${MAX_TOKEN_TTL_SECONDS} (RFC 8292 caps exp at 24 h), got ${ttl}`)
    }
    const refresh = options.refreshBeforeSeconds ?? Math.min(DEFAULT_REFRESH_BEFORE_SECONDS, Math.floor(ttl / 2))
    if (!Number.isSafeInteger(refresh) || refresh < 0 || refresh >= ttl) {
      throw new InvalidOptionError(`refreshBeforeSeconds must be an integer from 0 to tokenTtlSeconds - 1 (${ttl - 1}), got ${refresh}`)
    }
    this.subject = subject
    this.#ttlSeconds = ttl
    this.#refreshBeforeSeconds = refresh
    this.#k = encodeBase64Url(publicKey)
    this.#key = createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: 'P-256',
        d: encodeBase64Url(privateKey),
        x: encodeBase64Url(publicKey.subarray(1, 33)),
        y: encodeBase64Url(publicKey.subarray(33, 65))
      }
    })
  }

  /** Number of JWTs actually signed so far; cache hits do not count. */
  get signatures (): number {
    return this.#signatures
  }

  /** The Authorization header value for `audience`, an origin as returned by {@link audienceOf}. */
  authorization (audience: string, nowMs: number = Date.now()): string {
    const hit = this.#cache.get(audience)
    // The issuedAt check re-signs if the clock stepped backwards, which could otherwise leave a
    // cached exp more than 24 h ahead of "now".
    if (hit !== undefined && nowMs <= hit.refreshAtMs && nowMs >= hit.issuedAtMs) return hit.header
    return this.#sign(audience, nowMs)
  }

  #sign (audience: string, nowMs: number): string {
    if (!isOrigin(audience)) {
      throw new TypeError(`VAPID audience must be an origin such as https://push.example.net (see audienceOf), got ${JSON.stringify(audience)}`)
    }
    const exp = Math.floor(nowMs / 1000) + this.#ttlSeconds
    const claims = encodeBase64Url(Buffer.from(JSON.stringify({ aud: audience, exp, sub: this.subject })))
    const signingInput = `${JWT_HEADER}.${claims}`
    const signature = sign('sha256', Buffer.from(signingInput), { key: this.#key, dsaEncoding: 'ieee-p1363' })
    const header = `vapid t=${signingInput}.${encodeBase64Url(signature)}, k=${this.#k}`
    this.#signatures++
    if (this.#cache.size >= MAX_CACHED_AUDIENCES && !this.#cache.has(audience)) {
      const oldest = this.#cache.keys().next()
      if (oldest.done !== true) this.#cache.delete(oldest.value)
    }
    this.#cache.set(audience, { header, issuedAtMs: nowMs, refreshAtMs: (exp - this.#refreshBeforeSeconds) * 1000 })
    return header
  }
}
