import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createCipheriv, createECDH, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import ece from 'http_ece'
import { DecryptError, decryptPayload } from '../../src/webpush/decrypt.js'
import { encryptPayload } from '../../src/webpush/encrypt.js'
import { deriveContentKeys } from '../../src/webpush/ece-keys.js'
import { makeSubscriber } from '../support/subscriber.js'

const sub = makeSubscriber()
const receiver = { privateKey: sub.privateKey, publicKey: sub.p256dh, auth: sub.auth }
const valid = encryptPayload(Buffer.from('hello, subscriber'), { p256dh: sub.p256dh, auth: sub.auth })

/** Seals an arbitrary record (already padded, delimiter included) for `sub`, the way a sender would. */
function seal (padded: Buffer, rs = 4096): Buffer {
  const sender = createECDH('prime256v1')
  const asPublic = sender.generateKeys()
  const salt = randomBytes(16)
  const { cek, nonce } = deriveContentKeys(sender.computeSecret(sub.p256dh), sub.auth, sub.p256dh, asPublic, salt)
  const cipher = createCipheriv('aes-128-gcm', cek, nonce)
  const record = Buffer.concat([cipher.update(padded), cipher.final(), cipher.getAuthTag()])
  const ints = Buffer.alloc(5)
  ints.writeUInt32BE(rs, 0)
  ints[4] = 65
  return Buffer.concat([salt, ints, asPublic, record])
}

function expectDecryptError (body: Buffer, message: RegExp): void {
  assert.throws(() => decryptPayload(body, receiver), (err: unknown) => {
    assert.ok(err instanceof DecryptError, `expected DecryptError, got ${String(err)}`)
    assert.match(err.message, message)
    return true
  })
}

test('strips zero padding after the 0x02 delimiter (http_ece pads this way)', () => {
  const sender = createECDH('prime256v1')
  sender.generateKeys()
  const padded = ece.encrypt(Buffer.from('padded message'), { version: 'aes128gcm', dh: sub.p256dh, authSecret: sub.auth, privateKey: sender, pad: 200 })
  assert.equal(padded.length, 86 + 14 + 1 + 200 + 16)
  assert.equal(decryptPayload(padded, receiver).toString(), 'padded message')
  assert.equal(decryptPayload(seal(Buffer.from([0x61, 0x02, 0, 0, 0])), receiver).toString(), 'a')
})

test('rejects malformed headers with a message naming the problem', () => {
  expectDecryptError(valid.subarray(0, 20), /shorter than the 21-byte fixed header/)
  expectDecryptError(valid.subarray(0, 60), /shorter than the 86-byte header/)
  expectDecryptError(valid.subarray(0, 86 + 16), /needs at least a delimiter byte and the 16-byte tag/)
  const smallRs = Buffer.from(valid)
  smallRs.writeUInt32BE(17, 16)
  expectDecryptError(smallRs, /record size 17 is below the minimum of 18/)
  const shortRecords = Buffer.from(valid)
  shortRecords.writeUInt32BE(20, 16)
  expectDecryptError(shortRecords, /exceed the record size 20; Web Push allows a single record/)
  const idlen = Buffer.from(valid)
  idlen[20] = 33
  expectDecryptError(idlen, /keyid length is 33/)
  const offCurve = Buffer.from(valid)
  offCurve.fill(1, 22, 86)
  expectDecryptError(offCurve, /keyid is not a valid P-256 public key/)
})

test('rejects multi-record bodies and bad delimiters', () => {
  const sender = createECDH('prime256v1')
  sender.generateKeys()
  const twoRecords = ece.encrypt(randomBytes(100), { version: 'aes128gcm', dh: sub.p256dh, authSecret: sub.auth, privateKey: sender, rs: 64 })
  expectDecryptError(twoRecords, /Web Push allows a single record/)
  expectDecryptError(seal(Buffer.from([0x61, 0x01])), /not marked as the last one/)
  expectDecryptError(seal(Buffer.from([0x61, 0x03, 0])), /padding delimiter is 0x03, expected 0x02/)
  expectDecryptError(seal(Buffer.alloc(5)), /no padding delimiter/)
  assert.equal(decryptPayload(seal(Buffer.from([0x02, 0x00]), 18), receiver).length, 0, 'a record filling rs exactly is the last record')
})

test('a body for another subscriber fails authentication', () => {
  const other = makeSubscriber()
  const body = encryptPayload(Buffer.from('not for you'), { p256dh: other.p256dh, auth: other.auth })
  expectDecryptError(body, /authentication failed/)
})

test('receiver keys of the wrong shape are a TypeError, not a DecryptError', () => {
  assert.throws(() => decryptPayload(valid, { ...receiver, privateKey: sub.privateKey.subarray(1) }), { name: 'TypeError', message: /privateKey must be 32 bytes/ })
  assert.throws(() => decryptPayload(valid, { ...receiver, publicKey: sub.p256dh.subarray(1) }), { name: 'TypeError', message: /publicKey must be 65 bytes/ })
  assert.throws(() => decryptPayload(valid, { ...receiver, auth: Buffer.alloc(8) }), { name: 'TypeError', message: /auth must be 16 bytes/ })
  assert.throws(() => decryptPayload(valid, { ...receiver, privateKey: Buffer.alloc(32) }), { name: 'TypeError', message: /not a valid P-256 private key/ })
})

test('property: arbitrary bytes either decrypt or throw DecryptError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
    try {
      decryptPayload(Buffer.from(bytes), receiver)
    } catch (err) {
      return err instanceof DecryptError
    }
    return true
  }), { numRuns: 2000 })
})

test('property: a plausible header followed by arbitrary bytes throws DecryptError', () => {
  const header = valid.subarray(0, 86)
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0xffffffff }), (tail, rs) => {
    const body = Buffer.concat([header, tail])
    body.writeUInt32BE(rs, 16)
    assert.throws(() => decryptPayload(body, receiver), DecryptError)
  }), { numRuns: 1000 })
})

test('property: flipping any bit outside rs makes decryption fail; rs changes are harmless or rejected', () => {
  const plaintext = Buffer.from('hello, subscriber')
  fc.assert(fc.property(fc.integer({ min: 0, max: valid.length * 8 - 1 }), (bit) => {
    const body = Buffer.from(valid)
    const at = bit >> 3
    body[at] = (body[at] ?? 0) ^ (1 << (bit & 7))
    if (at >= 16 && at < 20) {
      try {
        assert.deepEqual(decryptPayload(body, receiver), plaintext)
      } catch (err) {
        assert.ok(err instanceof DecryptError)
      }
    } else {
      assert.throws(() => decryptPayload(body, receiver), DecryptError)
    }
  }), { numRuns: 500 })
})
