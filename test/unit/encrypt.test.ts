import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createECDH, randomBytes } from 'node:crypto'
import ece from 'http_ece'
import { HEADER_BYTES, MAX_PLAINTEXT_BYTES, RECORD_SIZE, encryptPayload } from '../../src/webpush/encrypt.js'
import { decryptPayload } from '../../src/webpush/decrypt.js'
import { deriveContentKeys } from '../../src/webpush/ece-keys.js'
import { makeSubscriber } from '../support/subscriber.js'
import type { TestSubscriber } from '../support/subscriber.js'

const b64 = (s: string): Buffer => Buffer.from(s, 'base64url')

// RFC 8291 Appendix A, every value as published (base64url); see webpush-anchors.md §3.
const RFC = {
  plaintext: b64('V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24'),
  asPublic: b64('BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8'),
  asPrivate: b64('yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw'),
  uaPublic: b64('BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4'),
  uaPrivate: b64('q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94'),
  salt: b64('DGv6ra1nlYgDCS1FRnbzlw'),
  auth: b64('BTBZMqHH6r4Tts7J_aSIgg'),
  ecdhSecret: b64('kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs'),
  cek: b64('oIhVW04MRdy2XN9CiKLxTg'),
  nonce: b64('4h_95klXJ5E_qnoN'),
  header: b64('DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8'),
  body: Buffer.from(
    '0c6bfaadad67958803092d454676f397000010004104fe33f4ab0dea71914db55823f73b54948f41306d920732dbb9a59a53286482200e597a' +
    '7b7bc260ba1c227998580992e93973002f3012a28ae8f06bbb78e5ec0ff297de5b429bba7153d3a4ae0caa091fd425f3b4b5414add8ab37a19c1' +
    'bbb05cf5cb5b2a2e0562d558635641ec52812c6c8ff42e95ccb86be7cd', 'hex')
}

function decryptWithHttpEce (body: Buffer, sub: { ecdh: ReturnType<typeof createECDH>, auth: Buffer }): Buffer {
  return ece.decrypt(body, { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.auth })
}

function decryptBoth (body: Buffer, sub: TestSubscriber): [Buffer, Buffer] {
  return [
    decryptPayload(body, { privateKey: sub.privateKey, publicKey: sub.p256dh, auth: sub.auth }),
    decryptWithHttpEce(body, sub)
  ]
}

test('limits match RFC 8291 §4 arithmetic', () => {
  assert.equal(RECORD_SIZE, 4096)
  assert.equal(HEADER_BYTES, 86)
  assert.equal(MAX_PLAINTEXT_BYTES, 3993)
  assert.equal(HEADER_BYTES + MAX_PLAINTEXT_BYTES + 1 + 16, 4096)
})

test('the key schedule reproduces the RFC 8291 Appendix A CEK and NONCE', () => {
  const { cek, nonce } = deriveContentKeys(RFC.ecdhSecret, RFC.auth, RFC.uaPublic, RFC.asPublic, RFC.salt)
  assert.equal(cek.toString('hex'), 'a088555b4e0c45dcb65cdf4288a2f14e')
  assert.equal(nonce.toString('hex'), 'e21ffde6495727913faa7a0d')
  assert.deepEqual(cek, RFC.cek)
  assert.deepEqual(nonce, RFC.nonce)
})

test('encryptPayload reproduces the RFC 8291 Appendix A body byte for byte', () => {
  const body = encryptPayload(RFC.plaintext, { p256dh: RFC.uaPublic, auth: RFC.auth }, { senderPrivateKey: RFC.asPrivate, salt: RFC.salt })
  assert.equal(body.length, 144) // the RFC's example request says 145, but 86 + 41 + 1 + 16 = 144
  assert.deepEqual(body.subarray(0, 86), RFC.header)
  assert.equal(body.toString('hex'), RFC.body.toString('hex'))
})

test('the RFC body decrypts with decryptPayload and with http_ece', () => {
  const ours = decryptPayload(RFC.body, { privateKey: RFC.uaPrivate, publicKey: RFC.uaPublic, auth: RFC.auth })
  assert.equal(ours.toString('utf8'), 'When I grow up, I want to be a watermelon')
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(RFC.uaPrivate)
  assert.deepEqual(decryptWithHttpEce(RFC.body, { ecdh, auth: RFC.auth }), RFC.plaintext)
})

test('random payloads round-trip through both decrypters at the size edges', () => {
  for (const size of [0, 1, 150, MAX_PLAINTEXT_BYTES]) {
    const sub = makeSubscriber()
    const plaintext = randomBytes(size)
    const body = encryptPayload(plaintext, { p256dh: sub.p256dh, auth: sub.auth })
    assert.equal(body.length, 86 + size + 1 + 16, `body length for ${size} bytes`)
    assert.equal(body.buffer.byteLength, body.length, 'the body owns its ArrayBuffer (not a slice of the Buffer pool)')
    assert.equal(body.readUInt32BE(16), 4096)
    assert.equal(body[20], 65)
    const [ours, theirs] = decryptBoth(body, sub)
    assert.deepEqual(ours, plaintext, `decryptPayload, ${size} bytes`)
    assert.deepEqual(theirs, plaintext, `http_ece, ${size} bytes`)
  }
  assert.ok(86 + MAX_PLAINTEXT_BYTES + 17 <= 4096)
})

test('accepts a Uint8Array view into a larger buffer', () => {
  const sub = makeSubscriber()
  const backing = randomBytes(64)
  const view = new Uint8Array(backing.buffer, backing.byteOffset + 8, 20)
  const body = encryptPayload(view, { p256dh: sub.p256dh, auth: sub.auth })
  assert.deepEqual(decryptBoth(body, sub)[0], backing.subarray(8, 28))
})

test('a plaintext one byte over the limit is NS_ERR_PAYLOAD_TOO_LARGE naming size and limit', () => {
  const sub = makeSubscriber()
  assert.throws(() => encryptPayload(Buffer.alloc(3994), { p256dh: sub.p256dh, auth: sub.auth }), (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, 'NS_ERR_PAYLOAD_TOO_LARGE')
    assert.match((err as Error).message, /3994 bytes/)
    assert.match((err as Error).message, /3993 bytes/)
    return true
  })
})

test('every message gets a fresh sender key and salt', () => {
  const sub = makeSubscriber()
  const plaintext = Buffer.from('same input')
  const a = encryptPayload(plaintext, { p256dh: sub.p256dh, auth: sub.auth })
  const b = encryptPayload(plaintext, { p256dh: sub.p256dh, auth: sub.auth })
  assert.notDeepEqual(a.subarray(0, 16), b.subarray(0, 16), 'salt')
  assert.notDeepEqual(a.subarray(21, 86), b.subarray(21, 86), 'keyid (sender public key)')
  assert.notDeepEqual(a.subarray(86), b.subarray(86), 'ciphertext')
  assert.deepEqual(decryptBoth(a, sub)[0], plaintext)
  assert.deepEqual(decryptBoth(b, sub)[0], plaintext)
})

test('unusable subscription keys throw TypeError', () => {
  const sub = makeSubscriber()
  const compressed = createECDH('prime256v1')
  compressed.generateKeys()
  const cases: Array<[string, Buffer, Buffer, RegExp]> = [
    ['64-byte p256dh', sub.p256dh.subarray(1), sub.auth, /65-byte.*got 64 bytes/],
    ['p256dh not on the curve', Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]), sub.auth, /not a point on the P-256 curve/],
    ['compressed p256dh', compressed.getPublicKey(null, 'compressed'), sub.auth, /uncompressed.*got 33 bytes/],
    ['65 bytes without the 0x04 prefix', Buffer.concat([Buffer.from([3]), sub.p256dh.subarray(1)]), sub.auth, /not starting with 0x04/],
    ['15-byte auth', sub.p256dh, sub.auth.subarray(1), /auth must be a 16-byte secret, got 15/]
  ]
  for (const [name, p256dh, auth, message] of cases) {
    assert.throws(() => encryptPayload(Buffer.from('x'), { p256dh, auth }), { name: 'TypeError', message }, name)
  }
})
