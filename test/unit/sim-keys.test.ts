import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createECDH, createHmac } from 'node:crypto'
import ece from 'http_ece'
import { decryptPayload } from '../../src/webpush/decrypt.js'
import { encryptPayload } from '../../src/webpush/encrypt.js'
import {
  SubscriptionKeyring, deriveSubscriptionKeys, isExpiredIndex, isValidP256Scalar, parseSeed, subscriptionToken
} from '../../src/sim/keys.js'

const SEED = parseSeed('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff')
const hmac = (label: string): Buffer => createHmac('sha256', SEED).update(label).digest()

test('subscription keys are exactly the documented HMAC derivations', () => {
  for (const index of [0, 1, 999, 123_456]) {
    const keys = deriveSubscriptionKeys(SEED, index)
    assert.deepEqual(keys.privateKey, hmac(`p256dh:${index}`))
    assert.deepEqual(keys.auth, hmac(`auth:${index}`).subarray(0, 16))
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(keys.privateKey)
    assert.deepEqual(keys.publicKey, ecdh.getPublicKey())
    assert.equal(keys.publicKey.length, 65)
    assert.equal(keys.publicKey[0], 0x04)
  }
  assert.equal(subscriptionToken(SEED, 7), hmac('token:7').subarray(0, 12).toString('base64url'))
  assert.match(subscriptionToken(SEED, 7), /^[A-Za-z0-9_-]{16}$/)
})

test('derivation is a pure function of seed and index, and differs between indices and seeds', () => {
  const a = deriveSubscriptionKeys(SEED, 5)
  assert.deepEqual(deriveSubscriptionKeys(Buffer.from(SEED), 5), a)
  assert.notDeepEqual(deriveSubscriptionKeys(SEED, 6).publicKey, a.publicKey)
  assert.notDeepEqual(deriveSubscriptionKeys(parseSeed('01'), 5).publicKey, a.publicKey)
  assert.notEqual(subscriptionToken(SEED, 5), subscriptionToken(SEED, 6))
})

test('a message encrypted to derived keys decrypts with them, and with http_ece as the receiver', () => {
  const keys = deriveSubscriptionKeys(SEED, 42)
  const body = encryptPayload(Buffer.from('to sub-42'), { p256dh: keys.publicKey, auth: keys.auth })
  assert.equal(decryptPayload(body, keys).toString(), 'to sub-42')
  const receiver = createECDH('prime256v1')
  receiver.setPrivateKey(keys.privateKey)
  assert.equal(ece.decrypt(body, { version: 'aes128gcm', privateKey: receiver, authSecret: keys.auth }).toString(), 'to sub-42')
})

test('isValidP256Scalar accepts exactly 1 .. n - 1', () => {
  const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex')
  const minus = (b: Buffer, k: number): Buffer => {
    const out = Buffer.from(b)
    out.writeUInt32BE(out.readUInt32BE(28) - k, 28)
    return out
  }
  const one = Buffer.alloc(32)
  one[31] = 1
  assert.equal(isValidP256Scalar(one), true)
  assert.equal(isValidP256Scalar(minus(n, 1)), true)
  assert.equal(isValidP256Scalar(Buffer.alloc(32)), false)
  assert.equal(isValidP256Scalar(n), false)
  assert.equal(isValidP256Scalar(Buffer.alloc(32, 0xff)), false)
  assert.equal(isValidP256Scalar(Buffer.alloc(31, 1)), false)
  // What OpenSSL accepts agrees at both edges.
  const ecdh = createECDH('prime256v1')
  assert.doesNotThrow(() => ecdh.setPrivateKey(minus(n, 1)))
  assert.throws(() => ecdh.setPrivateKey(n))
})

test('parseSeed reads hex first, then base64url, and rejects garbage with NS_ERR_INVALID_OPTION', () => {
  assert.deepEqual(parseSeed('00ff'), Buffer.from([0, 0xff]))
  assert.deepEqual(parseSeed('AP8'), Buffer.from([0, 0xff]))
  assert.deepEqual(parseSeed('_-8'), Buffer.from('_-8', 'base64url'))
  // "abc" is odd-length, so not hex: it is base64url.
  assert.deepEqual(parseSeed('abc'), Buffer.from('abc', 'base64url'))
  for (const bad of ['', 'not a seed!', 'A', 'x'.repeat(2000)]) {
    assert.throws(() => parseSeed(bad), { code: 'NS_ERR_INVALID_OPTION' }, bad.slice(0, 20))
  }
})

test('sticky expiry is deterministic per index and hits about the requested share', () => {
  const expired = Array.from({ length: 2000 }, (_, i) => isExpiredIndex(SEED, i, 0.3))
  assert.deepEqual(Array.from({ length: 2000 }, (_, i) => isExpiredIndex(SEED, i, 0.3)), expired)
  const share = expired.filter(Boolean).length / 2000
  assert.ok(share > 0.25 && share < 0.35, `share ${share}`)
  assert.equal(isExpiredIndex(SEED, 3, 0), false)
  assert.ok(Array.from({ length: 50 }, (_, i) => isExpiredIndex(SEED, i, 1)).every(Boolean))
  // A larger ratio expires a superset: raising --fault-410 never revives a subscription.
  for (let i = 0; i < 2000; i++) if (expired[i] === true) assert.equal(isExpiredIndex(SEED, i, 0.5), true)
})

test('the keyring returns the same keys as derivation and stays within its bound, evicting the least recently used', () => {
  const ring = new SubscriptionKeyring(SEED, 3)
  const k0 = ring.get(0)
  assert.deepEqual(k0, deriveSubscriptionKeys(SEED, 0))
  ring.get(1)
  ring.get(2)
  assert.equal(ring.get(0), k0, 'cache hit returns the cached object')
  ring.get(3) // evicts 1, the least recently used
  assert.equal(ring.size, 3)
  assert.equal(ring.get(0), k0)
  const again = ring.get(1)
  assert.deepEqual(again, deriveSubscriptionKeys(SEED, 1))
  assert.equal(ring.size, 3)
  assert.throws(() => new SubscriptionKeyring(SEED, 0), RangeError)
})
