import { createPublicKey, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { decodeBase64Url, encodeBase64Url } from './base64url.js'
import { MAX_TOKEN_TTL_SECONDS, vapidSubjectProblem } from './vapid.js'

// RFC 8292 VAPID, push-service side, for the simulator. Senders reuse one token per audience for
// hours, so signature checks (~78 µs each) are cached by header string; aud and exp depend on the
// request and the clock and are checked on every call.

const MAX_VERIFIED_TOKENS = 1024
const verifiedTokens = new Map<string, VerifiedVapid>()
let signatureVerifications = 0

/**
 * Signature checks actually performed by this thread so far (cache hits excluded), so a caller can
 * tell how well the cache works: read it before and after a (synchronous) verify call.
 */
export function vapidSignatureVerifications (): number {
  return signatureVerifications
}

/** The Authorization header is not a valid VAPID token for this push service; the message names the failed check. */
export class VapidVerificationError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(`VAPID: ${message}`, options)
    this.name = 'VapidVerificationError'
  }
}

/** The JWT claims RFC 8292 requires. */
export interface VapidClaims {
  readonly aud: string
  readonly exp: number
  readonly sub: string
}

/** A verified token: the sender's application-server key (65 B, from k=) and its claims. Shared; do not mutate. */
export interface VerifiedVapid {
  readonly publicKey: Buffer
  readonly claims: VapidClaims
}

/** Verifies an `Authorization: vapid t=…, k=…` value for a push service whose origin is `expectedAudience`. */
export function verifyVapidAuthorization (header: string, expectedAudience: string, nowMs: number = Date.now()): VerifiedVapid {
  let token = verifiedTokens.get(header)
  if (token === undefined) {
    token = verifyToken(header)
    if (verifiedTokens.size >= MAX_VERIFIED_TOKENS) {
      const oldest = verifiedTokens.keys().next()
      if (oldest.done !== true) verifiedTokens.delete(oldest.value)
    }
    verifiedTokens.set(header, token)
  }
  const { aud, exp } = token.claims
  if (aud !== expectedAudience) {
    throw new VapidVerificationError(`aud claim ${JSON.stringify(aud)} is not this push service's origin ${JSON.stringify(expectedAudience)}`)
  }
  const nowSeconds = nowMs / 1000
  if (exp <= nowSeconds) throw new VapidVerificationError(`token expired ${Math.ceil(nowSeconds - exp)} s ago (exp ${exp})`)
  if (exp > nowSeconds + MAX_TOKEN_TTL_SECONDS) {
    throw new VapidVerificationError(`exp ${exp} is more than 24 h in the future (RFC 8292 §2)`)
  }
  return token
}

function parseHeader (header: string): { t: string, k: string } {
  const m = /^vapid[ \t]+(.*)$/is.exec(header)
  if (m === null) {
    const scheme = /^\S*/.exec(header)?.[0] ?? ''
    throw new VapidVerificationError(`authorization scheme must be "vapid", got ${JSON.stringify(scheme.slice(0, 20))}`)
  }
  const params = new Map<string, string>()
  for (const part of (m[1] ?? '').split(',')) {
    const eq = part.indexOf('=')
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase()
    if (eq < 0 || params.has(name)) throw new VapidVerificationError('authorization parameters must be t=<jwt>, k=<key>, each once')
    params.set(name, part.slice(eq + 1).trim())
  }
  const t = params.get('t')
  const k = params.get('k')
  if (t === undefined || t === '') throw new VapidVerificationError('t= parameter (the JWT) is missing')
  if (k === undefined || k === '') throw new VapidVerificationError('k= parameter (the public key) is missing')
  return { t, k }
}

function decodeJson (segment: string, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(decodeBase64Url(segment, what).toString('utf8'))
  } catch {
    throw new VapidVerificationError(`${what} is not base64url-encoded JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VapidVerificationError(`${what} is not a JSON object`)
  }
  return value as Record<string, unknown>
}

function importPublicKey (k: string): { publicKey: Buffer, key: KeyObject } {
  let publicKey: Buffer
  try {
    publicKey = decodeBase64Url(k, 'k')
  } catch (err) {
    throw new VapidVerificationError((err as Error).message)
  }
  if (publicKey.length !== 65 || publicKey[0] !== 0x04) {
    throw new VapidVerificationError(`k must be a 65-byte uncompressed P-256 public key, got ${publicKey.length} bytes`)
  }
  try {
    const key = createPublicKey({
      format: 'jwk',
      key: { kty: 'EC', crv: 'P-256', x: encodeBase64Url(publicKey.subarray(1, 33)), y: encodeBase64Url(publicKey.subarray(33)) }
    })
    return { publicKey, key }
  } catch {
    throw new VapidVerificationError('k is not a point on the P-256 curve')
  }
}

function verifyToken (header: string): VerifiedVapid {
  const { t, k } = parseHeader(header)
  const segments = t.split('.')
  const [h, c, s] = segments
  if (segments.length !== 3 || h === undefined || c === undefined || s === undefined) {
    throw new VapidVerificationError(`t= must be a JWS compact JWT with 3 segments, got ${segments.length}`)
  }
  const jwtHeader = decodeJson(h, 'JWT header')
  if (jwtHeader.alg !== 'ES256') throw new VapidVerificationError(`JWT alg must be ES256, got ${JSON.stringify(jwtHeader.alg)}`)
  let signature: Buffer
  try {
    signature = decodeBase64Url(s, 'JWT signature')
  } catch (err) {
    throw new VapidVerificationError((err as Error).message)
  }
  if (signature.length !== 64) {
    throw new VapidVerificationError(`JWT signature must be 64 bytes (raw r||s, not DER), got ${signature.length}`)
  }
  const { publicKey, key } = importPublicKey(k)
  signatureVerifications++
  if (!verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, signature)) {
    throw new VapidVerificationError('JWT signature does not verify with the k= key')
  }
  const claims = decodeJson(c, 'JWT claims')
  const { aud, exp, sub } = claims
  if (typeof aud !== 'string') throw new VapidVerificationError('aud claim is missing or not a string')
  if (typeof exp !== 'number' || !Number.isSafeInteger(exp)) throw new VapidVerificationError('exp claim is missing or not an integer')
  if (typeof sub !== 'string') throw new VapidVerificationError('sub claim is missing or not a string')
  const problem = vapidSubjectProblem(sub)
  if (problem !== undefined) throw new VapidVerificationError(`sub claim ${problem}`)
  return Object.freeze({ publicKey, claims: Object.freeze({ aud, exp, sub }) })
}
