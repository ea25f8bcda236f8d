import { decodeBase64Strict } from './base64url.js'
import { CompiledPolicy, checkEndpoint, compileEndpointPolicy } from './endpoint-policy.js'
import type { EndpointPolicy } from './endpoint-policy.js'
import { isP256Point } from './p256.js'

/** One validated push subscription, ready to encrypt and send to. */
export interface Subscription {
  /** Normalised endpoint (`URL.href`); a capability URL, never log it. */
  endpoint: string
  /** Origin of the endpoint, e.g. https://fcm.googleapis.com (the VAPID `aud`). */
  origin: string
  /** Path and query of the endpoint: the request target (parsed once here, not again per attempt). */
  path: string
  /** 65-byte uncompressed P-256 point (0x04 || X || Y), verified to be on the curve. */
  p256dh: Buffer
  /** 16-byte authentication secret. */
  auth: Buffer
  /** Per-line payload: a string as given, an object or array JSON-serialised. */
  payload?: string
  /** Every other top-level field (id, userId, ...) kept verbatim for the outcome record; a null-prototype object. */
  meta: Record<string, unknown>
}

/** Why a line is not a usable subscription; every invalid line gets exactly one. */
export type InvalidReason =
  | 'bad-json' | 'not-an-object' | 'missing-endpoint' | 'bad-endpoint' | 'endpoint-not-https'
  | 'host-not-allowed' | 'missing-keys' | 'bad-p256dh' | 'bad-auth' | 'bad-payload' | 'line-too-long'

/** Outcome of {@link parseSubscriptionLine}; `message` never contains the endpoint URL or key material. */
export type ParseResult = { ok: true, sub: Subscription } | { ok: false, reason: InvalidReason, message: string }

/** Fields with a meaning of their own; everything else on the line is metadata. */
const KNOWN_FIELDS = new Set(['endpoint', 'keys', 'payload', 'expirationTime'])

// Metadata is written back out with JSON.stringify, which recurses and would overflow the stack on
// a line like {"x":[[[[...]]]]} (a 1 MiB line nests 500k levels). A fixed depth keeps that impossible.
const MAX_DEPTH = 64

const compiled = new WeakMap<EndpointPolicy, CompiledPolicy>()

/**
 * Parses one NDJSON line in the browser's `PushSubscription.toJSON()` shape
 * (`{ endpoint, expirationTime?, keys: { p256dh, auth } }`, plus optional `payload` and metadata).
 * Checks run in a fixed order and the first failure is reported. Pass a policy built with
 * `compileEndpointPolicy`; a plain {@link EndpointPolicy} is compiled on first use and cached (so
 * do not mutate it afterwards, and expect InvalidOptionError there if its patterns are invalid).
 * Never throws because of the line's content.
 */
export function parseSubscriptionLine (text: string, policy: EndpointPolicy): ParseResult {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return invalid('bad-json', jsonErrorMessage(err))
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('not-an-object', `line is a JSON ${describe(value)}, expected an object`)
  }
  const obj = value as Record<string, unknown>

  const endpoint = own(obj, 'endpoint')
  if (endpoint === undefined || endpoint === null || endpoint === '') return invalid('missing-endpoint', 'endpoint is missing')
  if (typeof endpoint !== 'string') return invalid('bad-endpoint', `endpoint is a ${describe(endpoint)}, expected a string`)
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return invalid('bad-endpoint', 'endpoint is not an absolute URL')
  }
  const check = checkEndpoint(url, compilePolicy(policy))
  if (!check.ok) return invalid(check.reason, check.message)

  const keys = own(obj, 'keys')
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) return invalid('missing-keys', 'keys is missing or not an object')
  const p256dhText = own(keys, 'p256dh')
  const authText = own(keys, 'auth')
  if (p256dhText === undefined || p256dhText === null) return invalid('missing-keys', 'keys.p256dh is missing')
  if (authText === undefined || authText === null) return invalid('missing-keys', 'keys.auth is missing')

  const p256dh = decodeKey('p256dh', p256dhText)
  if (typeof p256dh === 'string') return invalid('bad-p256dh', p256dh)
  if (p256dh.length === 33 && (p256dh[0] === 0x02 || p256dh[0] === 0x03)) {
    return invalid('bad-p256dh', 'p256dh is a compressed point (33 bytes), expected the 65-byte uncompressed form')
  }
  if (p256dh.length !== 65) return invalid('bad-p256dh', `p256dh decodes to ${p256dh.length} bytes, expected 65`)
  if (p256dh[0] !== 0x04) return invalid('bad-p256dh', 'p256dh does not start with 0x04 (uncompressed point)')
  if (!isP256Point(p256dh)) return invalid('bad-p256dh', 'p256dh is not a point on the P-256 curve')

  const auth = decodeKey('auth', authText)
  if (typeof auth === 'string') return invalid('bad-auth', auth)
  if (auth.length !== 16) return invalid('bad-auth', `auth decodes to ${auth.length} bytes, expected 16`)

  const sub: Subscription = { endpoint: url.href, origin: url.origin, path: url.pathname + url.search, p256dh, auth, meta: Object.create(null) as Record<string, unknown> }

  const payload = own(obj, 'payload')
  if (payload !== undefined) {
    if (typeof payload === 'string') {
      sub.payload = payload
    } else if (typeof payload === 'object' && payload !== null) {
      if (tooDeep(payload, 1)) return invalid('bad-payload', `payload nests deeper than ${MAX_DEPTH} levels`)
      sub.payload = JSON.stringify(payload)
    } else {
      return invalid('bad-payload', `payload is a ${describe(payload)}, expected a string or a JSON object or array`)
    }
  }

  for (const key of Object.keys(obj)) {
    if (KNOWN_FIELDS.has(key)) continue
    const v = obj[key]
    if (typeof v === 'object' && v !== null && tooDeep(v, 1)) {
      return invalid('bad-json', `a metadata field nests deeper than ${MAX_DEPTH} levels`)
    }
    // meta has no prototype, so even a "__proto__" key is stored as a plain own property.
    sub.meta[key] = v
  }
  return { ok: true, sub }
}

// Reads only own properties: if some other code polluted Object.prototype, an inherited
// "endpoint" or "p256dh" must not stand in for a missing one.
function own (o: object, key: string): unknown {
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined
}

function invalid (reason: InvalidReason, message: string): ParseResult {
  return { ok: false, reason, message }
}

function compilePolicy (policy: EndpointPolicy): CompiledPolicy {
  if (policy instanceof CompiledPolicy) return policy
  let c = compiled.get(policy)
  if (c === undefined) {
    c = compileEndpointPolicy(policy)
    compiled.set(policy, c)
  }
  return c
}

/** Decodes a key field, or returns the reason it cannot be decoded (which never quotes the key). */
function decodeKey (name: string, value: unknown): Buffer | string {
  if (typeof value !== 'string') return `${name} is a ${describe(value)}, expected a base64url string`
  if (value === '') return `${name} is empty`
  const r = decodeBase64Strict(value)
  return r.ok ? r.bytes : `${name} is not base64url (${r.why})`
}

// V8's messages quote the input ("Unexpected token 'x', \"...\" is not valid JSON"); keep only the
// position so that no part of a line, which may hold an endpoint or a key, reaches the logs.
function jsonErrorMessage (err: unknown): string {
  const msg = err instanceof Error ? err.message : ''
  if (msg.includes('end of JSON input')) return 'line is not valid JSON: unexpected end of input'
  const pos = /position (\d+)/.exec(msg)
  return pos === null ? 'line is not valid JSON' : `line is not valid JSON: syntax error at position ${pos[1] ?? '?'}`
}

function describe (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

/** True when `v` nests more than MAX_DEPTH arrays/objects; iterative, so it cannot overflow the stack itself. */
function tooDeep (v: object, depth: number): boolean {
  const stack: Array<[object, number]> = [[v, depth]]
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [o, d] = item
    if (d > MAX_DEPTH) return true
    for (const child of Object.values(o)) {
      if (typeof child === 'object' && child !== null) stack.push([child, d + 1])
    }
  }
  return false
}
