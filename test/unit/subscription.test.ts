import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createECDH, ECDH } from 'node:crypto'
import { compileEndpointPolicy } from '../../src/webpush/endpoint-policy.js'
import { isP256Point } from '../../src/webpush/p256.js'
import { parseSubscriptionLine } from '../../src/webpush/subscription.js'
import type { ParseResult } from '../../src/webpush/subscription.js'

// RFC 8291 Appendix A user-agent public key and auth secret.
const P256DH = 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4'
const AUTH = 'BTBZMqHH6r4Tts7J_aSIgg'
const ENDPOINT = 'https://fcm.googleapis.com/fcm/send/CAPABILITY-TOKEN'
const policy = compileEndpointPolicy({})

function line (fields: Record<string, unknown>, keys: Record<string, unknown> = { p256dh: P256DH, auth: AUTH }): string {
  return JSON.stringify({ endpoint: ENDPOINT, keys, ...fields })
}

function reasonOf (r: ParseResult): string {
  return r.ok ? 'ok' : r.reason
}

function failure (text: string): { reason: string, message: string } {
  const r = parseSubscriptionLine(text, policy)
  assert.equal(r.ok, false, `expected ${text.slice(0, 80)} to be invalid`)
  if (r.ok) throw new Error('unreachable')
  // Messages go to logs and outcome files: never the capability URL, never key material.
  for (const secret of ['CAPABILITY-TOKEN', AUTH, P256DH.slice(0, 20)]) assert.ok(!r.message.includes(secret), r.message)
  return { reason: r.reason, message: r.message }
}

test('accepts the PushSubscription.toJSON() shape and keeps other fields as metadata', () => {
  const r = parseSubscriptionLine(line({ expirationTime: null, id: 42, userId: 'u-1', tags: ['a'] }), policy)
  assert.ok(r.ok)
  const { sub } = r
  assert.equal(sub.endpoint, ENDPOINT)
  assert.equal(sub.origin, 'https://fcm.googleapis.com')
  assert.deepEqual(sub.p256dh, Buffer.from(P256DH, 'base64url'))
  assert.equal(sub.p256dh.length, 65)
  assert.deepEqual(sub.auth, Buffer.from('05305932a1c7eabe13b6cec9fda48882', 'hex'))
  assert.equal(sub.payload, undefined)
  assert.ok(!('payload' in sub))
  assert.deepEqual({ ...sub.meta }, { id: 42, userId: 'u-1', tags: ['a'] })
  assert.equal(Object.getPrototypeOf(sub.meta), null)
})

test('normalises the endpoint with URL', () => {
  const r = parseSubscriptionLine(line({ endpoint: 'HTTPS://FCM.googleapis.com:443/fcm/send/a b' }), policy)
  assert.ok(r.ok)
  assert.equal(r.sub.endpoint, 'https://fcm.googleapis.com/fcm/send/a%20b')
})

test('payload: a string as is, an object or array serialised, anything else refused', () => {
  const payloadOf = (p: unknown): string | undefined => {
    const r = parseSubscriptionLine(line({ payload: p }), policy)
    assert.ok(r.ok, JSON.stringify(p))
    return r.sub.payload
  }
  assert.equal(payloadOf('hello'), 'hello')
  assert.equal(payloadOf(''), '')
  assert.equal(payloadOf({ title: 'Hi', n: 1 }), '{"title":"Hi","n":1}')
  assert.equal(payloadOf([1, 'x']), '[1,"x"]')
  for (const p of [1, true, null]) assert.equal(failure(line({ payload: p })).reason, 'bad-payload')
})

test('deeply nested payload or metadata is refused instead of overflowing the stack later', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000)
  const base = line({}).slice(0, -1)
  assert.deepEqual(failure(`${base},"payload":${deep}}`).reason, 'bad-payload')
  assert.deepEqual(failure(`${base},"x":${deep}}`).reason, 'bad-json')
  const ok64 = '['.repeat(64) + ']'.repeat(64)
  assert.equal(reasonOf(parseSubscriptionLine(`${base},"payload":${ok64},"x":${ok64}}`, policy)), 'ok')
})

test('bad JSON is reported without echoing the line', () => {
  const r = failure(`{"endpoint":"${ENDPOINT}", oops}`)
  assert.equal(r.reason, 'bad-json')
  assert.match(r.message, /^line is not valid JSON: syntax error at position \d+$/)
  assert.equal(failure('{"endpoint":').message, 'line is not valid JSON: unexpected end of input')
  assert.equal(failure(`CAPABILITY-TOKEN ${AUTH}`).reason, 'bad-json')
})

test('non-objects are refused', () => {
  for (const [text, what] of [['[1]', 'array'], ['"s"', 'string'], ['3', 'number'], ['null', 'null'], ['true', 'boolean']]) {
    assert.deepEqual(failure(text ?? ''), { reason: 'not-an-object', message: `line is a JSON ${what ?? ''}, expected an object` })
  }
})

test('endpoint checks: missing, malformed, not https, host not allowed', () => {
  const cases: Array<[unknown, string]> = [
    [undefined, 'missing-endpoint'],
    [null, 'missing-endpoint'],
    ['', 'missing-endpoint'],
    [42, 'bad-endpoint'],
    [{ href: ENDPOINT }, 'bad-endpoint'],
    ['fcm.googleapis.com/fcm/send/CAPABILITY-TOKEN', 'bad-endpoint'],
    ['https://user:pw@fcm.googleapis.com/CAPABILITY-TOKEN', 'bad-endpoint'],
    ['http://fcm.googleapis.com/CAPABILITY-TOKEN', 'endpoint-not-https'],
    ['javascript:CAPABILITY-TOKEN', 'endpoint-not-https'],
    ['https://evil.example/CAPABILITY-TOKEN', 'host-not-allowed'],
    ['https://169.254.169.254/CAPABILITY-TOKEN', 'host-not-allowed']
  ]
  for (const [endpoint, reason] of cases) {
    const text = endpoint === undefined ? JSON.stringify({ keys: { p256dh: P256DH, auth: AUTH } }) : line({ endpoint })
    assert.equal(failure(text).reason, reason, String(endpoint))
  }
  assert.match(failure(line({ endpoint: 'https://evil.example/CAPABILITY-TOKEN' })).message, /evil\.example/)
})

test('key checks: missing keys', () => {
  assert.equal(failure(JSON.stringify({ endpoint: ENDPOINT })).reason, 'missing-keys')
  assert.equal(failure(line({ keys: 'x' })).reason, 'missing-keys')
  assert.equal(failure(line({ keys: [] })).reason, 'missing-keys')
  assert.deepEqual(failure(line({}, { auth: AUTH })), { reason: 'missing-keys', message: 'keys.p256dh is missing' })
  assert.deepEqual(failure(line({}, { p256dh: P256DH })), { reason: 'missing-keys', message: 'keys.auth is missing' })
})

test('p256dh must be a 65-byte uncompressed point on P-256', () => {
  const valid = createECDH('prime256v1').generateKeys()
  const yPlusOne = Buffer.from(valid)
  // Adding one to Y (mod 2^256) keeps it a field element but moves it off the curve.
  for (let i = 64; i >= 33; i--) { if (++yPlusOne[i]! !== 256) break; yPlusOne[i] = 0 }
  const compressed = ECDH.convertKey(valid, 'prime256v1', undefined, undefined, 'compressed') as Buffer
  const wrongPrefix = Buffer.from(valid); wrongPrefix[0] = 0x05
  const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)])
  const xTooBig = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xff)])
  const p = (b: Buffer | string): string => typeof b === 'string' ? b : b.toString('base64url')
  const msg = (key: Buffer | string): string => failure(line({}, { p256dh: p(key), auth: AUTH })).message

  assert.equal(reasonOf(parseSubscriptionLine(line({}, { p256dh: p(valid), auth: AUTH }), policy)), 'ok')
  assert.equal(msg(offCurve), 'p256dh is not a point on the P-256 curve')
  assert.equal(msg(yPlusOne), 'p256dh is not a point on the P-256 curve')
  assert.equal(msg(xTooBig), 'p256dh is not a point on the P-256 curve')
  assert.equal(msg(compressed), 'p256dh is a compressed point (33 bytes), expected the 65-byte uncompressed form')
  assert.equal(msg(wrongPrefix), 'p256dh does not start with 0x04 (uncompressed point)')
  assert.equal(msg(valid.subarray(0, 64)), 'p256dh decodes to 64 bytes, expected 65')
  assert.equal(msg(''), 'p256dh is empty')
  assert.equal(msg(`${P256DH.slice(0, 10)}!${P256DH.slice(11)}`), 'p256dh is not base64url (character at index 10 is outside the base64url alphabet)')
  assert.equal(msg(`${P256DH} `), 'p256dh is not base64url (character at index 87 is outside the base64url alphabet)')
  assert.equal(msg(`${P256DH}==`), "p256dh is not base64url (misplaced '=' padding)")
  assert.equal(msg(`${P256DH.slice(0, 40)}=${P256DH.slice(41)}`), 'p256dh is not base64url (character at index 40 is outside the base64url alphabet)')
  assert.equal(msg(`${P256DH}A`), 'p256dh decodes to 66 bytes, expected 65')
  assert.equal(msg(`${P256DH}AA`), 'p256dh is not base64url (a length of 89 is impossible (truncated?))')
  assert.equal(failure(line({}, { p256dh: 5, auth: AUTH })).message, 'p256dh is a number, expected a base64url string')
  assert.equal(failure(line({}, { p256dh: 5, auth: AUTH })).reason, 'bad-p256dh')
})

test('keys in standard base64 with padding are accepted (some backends store them that way)', () => {
  const r = parseSubscriptionLine(line({}, { p256dh: Buffer.from(P256DH, 'base64url').toString('base64'), auth: `${AUTH}==` }), policy)
  assert.ok(r.ok)
  assert.deepEqual(r.sub.p256dh, Buffer.from(P256DH, 'base64url'))
})

test('auth must be 16 bytes of strict base64url', () => {
  const msg = (auth: unknown): { reason: string, message: string } => failure(line({}, { p256dh: P256DH, auth }))
  assert.deepEqual(msg(AUTH.slice(0, -2)), { reason: 'bad-auth', message: 'auth decodes to 15 bytes, expected 16' })
  assert.deepEqual(msg(`${AUTH}AAAA`), { reason: 'bad-auth', message: 'auth decodes to 19 bytes, expected 16' })
  assert.deepEqual(msg(`${AUTH.slice(0, 5)}.${AUTH.slice(6)}`), { reason: 'bad-auth', message: 'auth is not base64url (character at index 5 is outside the base64url alphabet)' })
  assert.deepEqual(msg(`${AUTH}=`), { reason: 'bad-auth', message: "auth is not base64url (misplaced '=' padding)" })
  assert.deepEqual(msg(''), { reason: 'bad-auth', message: 'auth is empty' })
  assert.deepEqual(msg(['x']), { reason: 'bad-auth', message: 'auth is a array, expected a base64url string' })
})

test('a "__proto__" key cannot pollute prototypes and is kept as plain metadata', () => {
  const text = `{"endpoint":"${ENDPOINT}","keys":{"p256dh":"${P256DH}","auth":"${AUTH}"},"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`
  const r = parseSubscriptionLine(text, policy)
  assert.ok(r.ok)
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
  assert.equal(Object.getPrototypeOf(r.sub.meta), null)
  assert.equal((r.sub.meta as Record<string, unknown>)['polluted'], undefined)
  assert.deepEqual(Object.getOwnPropertyDescriptor(r.sub.meta, '__proto__')?.value, { polluted: true })
  assert.deepEqual(Object.keys(r.sub.meta), ['__proto__', 'constructor'])
  assert.equal(JSON.stringify(r.sub.meta), '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')
})

test('a plain EndpointPolicy works too (compiled once and cached)', () => {
  const plain = { allowHosts: ['push.example.org'], allowPrivate: false }
  const text = line({ endpoint: 'http://push.example.org/x' })
  assert.equal(reasonOf(parseSubscriptionLine(text, plain)), 'ok')
  assert.equal(reasonOf(parseSubscriptionLine(text, plain)), 'ok')
  assert.equal(reasonOf(parseSubscriptionLine(text, policy)), 'host-not-allowed')
})

test('isP256Point agrees with OpenSSL on generated keys and their corruptions', () => {
  for (let i = 0; i < 50; i++) {
    const key = createECDH('prime256v1').generateKeys()
    assert.equal(isP256Point(key), true)
    const bad = Buffer.from(key)
    bad[1 + (i % 64)]! ^= 1 << (i % 8)
    let openssl = true
    try { ECDH.convertKey(bad, 'prime256v1') } catch { openssl = false }
    assert.equal(isP256Point(bad), openssl)
  }
})

test('inherited properties never stand in for missing fields', () => {
  const proto = Object.prototype as Record<string, unknown>
  proto['endpoint'] = ENDPOINT
  proto['p256dh'] = P256DH
  try {
    assert.equal(failure(JSON.stringify({ keys: { p256dh: P256DH, auth: AUTH } })).reason, 'missing-endpoint')
    assert.equal(failure(line({}, { auth: AUTH })).reason, 'missing-keys')
  } finally {
    delete proto['endpoint']
    delete proto['p256dh']
  }
})
