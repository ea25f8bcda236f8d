import { createCipheriv, createECDH, randomFillSync } from 'node:crypto'
import { NotifySenderError } from '../errors.js'
import { AUTH_SECRET_BYTES, P256_PUBLIC_KEY_BYTES, SALT_BYTES, deriveContentKeys } from './ece-keys.js'

// RFC 8291 message encryption with the RFC 8188 aes128gcm framing, sender side.
//
// Cost profile (bench-baseline.md §6): ephemeral key generation plus computeSecret is ~75% of the
// ~224 µs a message costs; createECDH is the cheapest Node route to both. The rest is kept
// allocation-light: constant info strings are built once, the salt is written straight into the
// output, and the body is one Buffer.

/** The rs field written into every header; with one record this is only an upper bound. */
export const RECORD_SIZE = 4096
/** Byte length of the aes128gcm header: salt(16) || rs(4) || idlen(1) || keyid(65). */
export const HEADER_BYTES = SALT_BYTES + 4 + 1 + P256_PUBLIC_KEY_BYTES
const TAG_BYTES = 16
/**
 * Largest plaintext that keeps the body within the 4096 bytes every push service must accept
 * (RFC 8291 §4): 4096 - 86 header - 16 tag - 1 delimiter.
 */
export const MAX_PLAINTEXT_BYTES = 4096 - HEADER_BYTES - TAG_BYTES - 1

// One ECDH object per thread, re-keyed by generateKeys() for every message: the key pair is still
// new each time, but skipping createECDH() measured keygen + computeSecret at 205 vs 247 µs, and
// whole messages 5-10% faster than the createECDH-per-message baseline (benchmarks/crypto.js).
// Safe because encryptPayload is synchronous and each worker thread loads its own module copy.
const senderEcdh = createECDH('prime256v1')

// Salts come from a block of random bytes refilled every SALT_BLOCK messages: one randomFillSync call
// per message cost ~4% of a message (the call, not the bytes). Each salt is still 16 fresh random bytes
// used once.
const SALT_BLOCK = 256
const saltPool = Buffer.allocUnsafeSlow(SALT_BLOCK * SALT_BYTES)
let saltOffset = saltPool.length

function takeSalt (out: Buffer): void {
  if (saltOffset === saltPool.length) {
    randomFillSync(saltPool)
    saltOffset = 0
  }
  saltPool.copy(out, 0, saltOffset, saltOffset + SALT_BYTES)
  saltOffset += SALT_BYTES
}

/** The subscription keys a message is encrypted to (decoded `keys.p256dh` and `keys.auth`). */
export interface ReceiverKeys {
  p256dh: Buffer
  auth: Buffer
}

/** Deterministic inputs; they exist only to reproduce the RFC 8291 test vector. */
export interface EncryptOptions {
  senderPrivateKey?: Buffer
  salt?: Buffer
}

/**
 * Encrypts `plaintext` for one subscription and returns the complete aes128gcm request body.
 * Throws NotifySenderError NS_ERR_PAYLOAD_TOO_LARGE for oversized payloads and TypeError when the
 * subscription keys are unusable (callers classify that as an invalid subscription).
 */
export function encryptPayload (plaintext: Uint8Array, receiver: ReceiverKeys, options?: EncryptOptions): Buffer {
  const size = plaintext.byteLength
  if (size > MAX_PLAINTEXT_BYTES) {
    throw new NotifySenderError(
      `payload is ${size} bytes; Web Push allows at most ${MAX_PLAINTEXT_BYTES} bytes of plaintext per message`,
      'NS_ERR_PAYLOAD_TOO_LARGE')
  }
  const { p256dh, auth } = receiver
  // computeSecret would also accept a 33-byte compressed point, but the key schedule hashes the
  // 65-byte uncompressed form, so anything else would silently produce undecryptable messages.
  if (p256dh.length !== P256_PUBLIC_KEY_BYTES || p256dh[0] !== 0x04) {
    throw new TypeError(`p256dh must be a 65-byte uncompressed P-256 public key, got ${p256dh.length} bytes` +
      (p256dh.length === P256_PUBLIC_KEY_BYTES ? ' not starting with 0x04' : ''))
  }
  if (auth.length !== AUTH_SECRET_BYTES) {
    throw new TypeError(`auth must be a ${AUTH_SECRET_BYTES}-byte secret, got ${auth.length} bytes`)
  }

  // RFC 8291 §3.1 requires a new sender key pair per message: generateKeys() draws one every call.
  let ecdh = senderEcdh
  let asPublic: Buffer
  if (options?.senderPrivateKey === undefined) {
    asPublic = ecdh.generateKeys()
  } else {
    ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(options.senderPrivateKey)
    asPublic = ecdh.getPublicKey()
  }
  let secret: Buffer
  try {
    secret = ecdh.computeSecret(p256dh)
  } catch (err) {
    throw new TypeError('p256dh is not a point on the P-256 curve', { cause: err })
  }

  // No padding beyond the mandatory 0x02 delimiter: every byte counts against the push services'
  // 4096-byte limit and their bandwidth. Padding to hide the payload length is a privacy knob
  // (RFC 8291 §6) that can be added here later as an option.
  // allocUnsafeSlow: a body of its own rather than a slice of Node's shared 8 KiB pool, so handing
  // it to another thread copies ~200 bytes instead of the whole pool and transferring it is possible.
  // Every byte is overwritten below.
  const out = Buffer.allocUnsafeSlow(HEADER_BYTES + size + 1 + TAG_BYTES)
  if (options?.salt === undefined) {
    takeSalt(out)
  } else {
    if (options.salt.length !== SALT_BYTES) throw new TypeError(`salt must be ${SALT_BYTES} bytes, got ${options.salt.length}`)
    options.salt.copy(out, 0)
  }
  out.writeUInt32BE(RECORD_SIZE, SALT_BYTES)
  out[SALT_BYTES + 4] = P256_PUBLIC_KEY_BYTES
  asPublic.copy(out, SALT_BYTES + 5)

  const { cek, nonce } = deriveContentKeys(secret, auth, p256dh, asPublic, out.subarray(0, SALT_BYTES))

  // Stage plaintext || 0x02 in the output so GCM runs in one update() call; its result is copied
  // back over the staged bytes (Node has no encrypt-into-buffer API).
  const recordEnd = HEADER_BYTES + size + 1
  out.set(plaintext, HEADER_BYTES)
  out[recordEnd - 1] = 0x02
  const cipher = createCipheriv('aes-128-gcm', cek, nonce)
  const written = cipher.update(out.subarray(HEADER_BYTES, recordEnd)).copy(out, HEADER_BYTES)
  cipher.final().copy(out, HEADER_BYTES + written) // empty for GCM; kept so nothing can be lost
  cipher.getAuthTag().copy(out, recordEnd)
  return out
}
